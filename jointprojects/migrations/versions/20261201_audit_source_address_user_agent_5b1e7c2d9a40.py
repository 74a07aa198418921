"""audit source address and user agent

Security events (logins, logouts, session ends, password changes, downloads...) and every
other audit row keep where the request came from: ``audit_entry.address`` and
``audit_entry.user_agent`` (NULL for rows written outside a request, and for older rows).

Revision ID: 5b1e7c2d9a40
Revises: ede4c851498b
Create Date: 2026-12-01 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e7c2d9a40'
down_revision = 'ede4c851498b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('user_agent')
        batch_op.drop_column('address')
