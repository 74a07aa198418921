"""organization keys, checkpoints, their signatures, sealed acceptances, verification runs

Issue 14 items 3, 5 and 7 (docs/EVIDENCE.md "Signatures"): an organization's registered
Ed25519 public keys (a replaced one kept, retired); checkpoints of the audit chain's head
signed by the instance; the organizations' signatures of checkpoints and of acceptances;
an acceptance's seal (``statement_acknowledgement.seal`` and ``seal_signature``); the runs of
the chain's verification the pages show; a job kind ``verify_chain`` (the audit page's
"Verify now"), so ``job``'s CHECK on ``kind`` is made again (SQLite: the table is copied,
keeping its AUTOINCREMENT and indexes).

Revision ID: e4b9d2a7c613
Revises: e5b8d2c7a913
Create Date: 2026-12-01 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b9d2a7c613'
down_revision = 'e5b8d2c7a913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organization_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('public_key', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('registered_at', sa.DateTime(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_organization_key_organization_id_organization')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user.id'], name=op.f('fk_organization_key_registered_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_key')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_organization_key_fingerprint')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('organization_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_key_organization_id'), ['organization_id'], unique=False)

    op.create_table('checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('instance_signature', sa.String(length=100), nullable=False),
    sa.Column('instance_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('made_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkpoint')),
    sqlite_autoincrement=True
    )
    op.create_table('checkpoint_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoint.id'], name=op.f('fk_checkpoint_signature_checkpoint_id_checkpoint')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_checkpoint_signature_organization_id_organization')),
    sa.ForeignKeyConstraint(['key_id'], ['organization_key.id'], name=op.f('fk_checkpoint_signature_key_id_organization_key')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_checkpoint_signature_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkpoint_signature')),
    sa.UniqueConstraint('checkpoint_id', 'organization_id', name=op.f('uq_checkpoint_signature_checkpoint_id_organization_id')),
    sqlite_autoincrement=True
    )
    op.create_table('acceptance_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acknowledgement_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledgement_id'], ['statement_acknowledgement.id'], name=op.f('fk_acceptance_signature_acknowledgement_id_statement_acknowledgement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_acceptance_signature_organization_id_organization')),
    sa.ForeignKeyConstraint(['key_id'], ['organization_key.id'], name=op.f('fk_acceptance_signature_key_id_organization_key')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_acceptance_signature_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acceptance_signature')),
    sa.UniqueConstraint('acknowledgement_id', 'organization_id', name=op.f('uq_acceptance_signature_acknowledgement_id_organization_id')),
    sqlite_autoincrement=True
    )
    op.create_table('chain_verification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('last_row', sa.Integer(), nullable=False),
    sa.Column('broken_row', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_verification'))
    )
    with op.batch_alter_table('chain_verification', schema=None) as batch_op:
        batch_op.create_index('ix_chain_verification_at', ['at'], unique=False)

    # ADD COLUMN (no table copy): SQLite keeps statement_acknowledgement's AUTOINCREMENT.
    op.add_column('statement_acknowledgement', sa.Column('seal', sa.JSON(), nullable=True))
    op.add_column('statement_acknowledgement',
                  sa.Column('seal_signature', sa.String(length=100), nullable=True))
    _job_kinds("kind IN ('cost_report', 'import_preview', 'import_expenses', 'portfolio_workbook', 'statement', 'reallocation', 'verify_chain')")


def _job_kinds(check):
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('job', recreate='always',
                                  table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            batch_op.drop_constraint(op.f('ck_job_kind'), type_='check')
            batch_op.create_check_constraint(op.f('ck_job_kind'), check)
    else:
        op.drop_constraint(op.f('ck_job_kind'), 'job', type_='check')
        op.create_check_constraint(op.f('ck_job_kind'), 'job', check)


def downgrade():
    op.execute("DELETE FROM job WHERE kind = 'verify_chain'")
    _job_kinds("kind IN ('cost_report', 'import_preview', 'import_expenses', 'portfolio_workbook', 'statement', 'reallocation')")
    with op.batch_alter_table('statement_acknowledgement', schema=None) as batch_op:
        batch_op.drop_column('seal_signature')
        batch_op.drop_column('seal')
    with op.batch_alter_table('chain_verification', schema=None) as batch_op:
        batch_op.drop_index('ix_chain_verification_at')
    op.drop_table('chain_verification')
    op.drop_table('acceptance_signature')
    op.drop_table('checkpoint_signature')
    op.drop_table('checkpoint')
    with op.batch_alter_table('organization_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_key_organization_id'))
    op.drop_table('organization_key')
