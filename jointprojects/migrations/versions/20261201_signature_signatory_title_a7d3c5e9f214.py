"""signature: the signatory's title, and whether the recording user signed

Issue 11, item 2: a signature keeps the name and title of the person who signed the
instrument (DOMAIN.md "Signature"), and who recorded it (``recorded_by_id``, ``recorded_at``,
already there). ``signed_by_recorder`` is true when the API gave no signatory: the recording
user is then stated as the one who signed. Existing rows keep their name, with no title.

Revision ID: a7d3c5e9f214
Revises: 8c41d2e7f903
Create Date: 2026-12-01 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3c5e9f214'
down_revision = '8c41d2e7f903'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signatory_title', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('signed_by_recorder', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_column('signed_by_recorder')
        batch_op.drop_column('signatory_title')
