"""user language: the language a user reads the application in (issue 17)

``user.language`` is ``'en'`` or ``'fr'`` once the user chose it with the switch in the
navigation; NULL until then, when the browser's Accept-Language decides.

Revision ID: e5f1a8c3d742
Revises: e4b9d2a7c613
Create Date: 2026-12-01 15:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5f1a8c3d742'
down_revision = 'e4b9d2a7c613'
branch_labels = None
depends_on = None


def upgrade():
    # ADD COLUMN, no table copy: SQLite keeps the table's AUTOINCREMENT. The CHECK is added
    # with the column (a nullable column with a constant CHECK is allowed by both databases).
    op.execute(
        "ALTER TABLE \"user\" ADD COLUMN language VARCHAR(2) "
        "CONSTRAINT ck_user_language CHECK (language IN ('en', 'fr'))"
    )


def downgrade():
    with op.batch_alter_table('user') as batch:
        batch.drop_column('language')
