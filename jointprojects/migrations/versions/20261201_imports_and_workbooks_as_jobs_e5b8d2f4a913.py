"""imports and workbooks as jobs

Issue 15 item 2: an import's preview is computed once and what the confirmation needs is
kept with the upload (``pending_import``: the checked rows, the preview's figures, what the
arrangement was when they were checked, the job that checks a large file); the job kinds
gain the import's preview and recording, the portfolio workbook and the statement.

Revision ID: e5b8d2f4a913
Revises: e5b2c8d41f37
Create Date: 2026-12-01 15:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b8d2f4a913'
down_revision = 'e5b2c8d41f37'
branch_labels = None
depends_on = None

KINDS = ("'cost_report', 'import_preview', 'import_expenses', 'portfolio_workbook', "
         "'statement'")


def upgrade():
    with op.batch_alter_table('pending_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False,
                                      server_default='ready'))
        batch_op.add_column(sa.Column('row_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checked', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('preview', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_pending_import_job_id'), ['job_id'], unique=False)
        batch_op.create_check_constraint(
            op.f('ck_pending_import_status'), "status IN ('checking', 'ready', 'failed', 'recording')")
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_job_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_job_kind'), f"kind IN ({KINDS})")


def downgrade():
    op.execute("DELETE FROM job WHERE kind <> 'cost_report'")
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_job_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_job_kind'), "kind IN ('cost_report')")
    with op.batch_alter_table('pending_import', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_pending_import_status'), type_='check')
        batch_op.drop_index(batch_op.f('ix_pending_import_job_id'))
        batch_op.drop_column('job_id')
        batch_op.drop_column('fingerprint')
        batch_op.drop_column('preview')
        batch_op.drop_column('checked')
        batch_op.drop_column('row_count')
        batch_op.drop_column('status')
