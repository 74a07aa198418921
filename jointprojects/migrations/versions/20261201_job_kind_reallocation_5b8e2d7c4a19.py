"""job kind reallocation

Issue 15: re-allocating a big arrangement's expenses after an amendment is a job of kind
``reallocation``; the job table's CHECK on ``kind`` admits it. On SQLite the table is
copied (Alembic's batch mode) keeping its AUTOINCREMENT (no table refers to ``job``, no
trigger names it); on PostgreSQL the constraint is replaced.

Revision ID: 5b8e2d7c4a19
Revises: e5b8d2f4a913
Create Date: 2026-12-01 16:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b8e2d7c4a19'
down_revision = 'e5b8d2f4a913'
branch_labels = None
depends_on = None

KINDS_BEFORE = ('cost_report', 'import_preview', 'import_expenses', 'portfolio_workbook',
                'statement')
KINDS_AFTER = KINDS_BEFORE + ('reallocation',)


def _check(kinds):
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _replace(kinds):
    with op.batch_alter_table('job', schema=None, recreate='auto',
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(op.f('ck_job_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_job_kind'), _check(kinds))


def upgrade():
    _replace(KINDS_AFTER)


def downgrade():
    op.execute("DELETE FROM job WHERE kind NOT IN ("
               + ", ".join(f"'{kind}'" for kind in KINDS_BEFORE) + ")")
    _replace(KINDS_BEFORE)
