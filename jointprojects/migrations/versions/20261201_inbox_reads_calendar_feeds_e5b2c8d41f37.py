"""inbox read marks, calendar feeds and the events they published

Issue 16: ``inbox_read`` (a user has read an information item, by its key),
``calendar_feed`` (the SHA-256 of a user's secret feed address; revocable) and
``calendar_event`` (what a user's feed published: day, summary, sequence, cancelled), and
the partial index ``ix_expense_rate_given`` (expenses converted with a typed rate: the
months whose rate is missing from the table are found without reading every expense).

Revision ID: e5b2c8d41f37
Revises: c91e4b7a2f05
Create Date: 2026-12-01 15:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b2c8d41f37'
down_revision = 'c91e4b7a2f05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbox_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=200), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_inbox_read_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_read')),
    sa.UniqueConstraint('user_id', 'item_key', name=op.f('uq_inbox_read_user_id_item_key')),
    sqlite_autoincrement=True
    )
    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_feed_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_feed_user', ['user_id', 'revoked_at'], unique=False)
    op.create_table('calendar_event',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=120), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_event_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'uid', name=op.f('pk_calendar_event'))
    )
    op.create_index('ix_expense_rate_given', 'expense', ['arrangement_id', 'currency', 'date'],
                    unique=False, sqlite_where=sa.text("rate_source = 'given'"),
                    postgresql_where=sa.text("rate_source = 'given'"))


def downgrade():
    op.drop_index('ix_expense_rate_given', table_name='expense')
    op.drop_table('calendar_event')
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_feed_user')
    op.drop_table('calendar_feed')
    op.drop_table('inbox_read')
