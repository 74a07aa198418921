"""mail

E-mail (issue 16): the mail log (one message per recipient, its attempts and where it went),
what was announced to whom (UNIQUE (event key, user): a mail is never sent twice for the same
event), per-user preferences per kind (UNIQUE (user, kind)), and one digest per user and day.

Revision ID: e5b8d2c7a913
Revises: e5b7d2a94c18
Create Date: 2026-12-01 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b8d2c7a913'
down_revision = 'e5b7d2a94c18'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('event_key', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('transport', sa.String(length=20), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('event', 'digest')", name=op.f('ck_mail_message_kind')),
    sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name=op.f('ck_mail_message_status')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_mail_message_attempts')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_mail_message_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index('ix_mail_message_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_created_at'), ['created_at'], unique=False)

    op.create_table('mail_announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=300), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_kind', sa.String(length=40), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('announced_at', sa.DateTime(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['mail_message.id'], name=op.f('fk_mail_announcement_message_id_mail_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_mail_announcement_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_announcement')),
    sa.UniqueConstraint('event_key', 'user_id', name='uq_mail_announcement_event_user')
    )
    with op.batch_alter_table('mail_announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_announcement_user_id'), ['user_id'], unique=False)

    op.create_table('mail_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.CheckConstraint("mode IN ('immediate', 'digest', 'none')", name=op.f('ck_mail_preference_mode')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_mail_preference_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_preference')),
    sa.UniqueConstraint('user_id', 'kind', name='uq_mail_preference_user_kind')
    )
    with op.batch_alter_table('mail_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_preference_user_id'), ['user_id'], unique=False)

    op.create_table('mail_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['mail_message.id'], name=op.f('fk_mail_digest_message_id_mail_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_mail_digest_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_digest')),
    sa.UniqueConstraint('user_id', 'day', name='uq_mail_digest_user_day')
    )
    with op.batch_alter_table('mail_digest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_digest_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('mail_digest')
    op.drop_table('mail_preference')
    op.drop_table('mail_announcement')
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_message_created_at'))
        batch_op.drop_index(batch_op.f('ix_mail_message_user_id'))
        batch_op.drop_index('ix_mail_message_status_next')
    op.drop_table('mail_message')
