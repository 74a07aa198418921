"""documents

Supporting documents with confidentiality labels (issue 13): content-addressed blobs
(``document_blob`` keyed by SHA-256, their bytes in ``document_chunk`` rows of 1 MiB or in a
directory), the documents attached to records, the organizations a restricted document is
shown to, and the receipt rule of an arrangement.

Revision ID: a7d3e9c41b20
Revises: 3f6a9c1d2b74
Create Date: 2026-12-01 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3e9c41b20'
down_revision = '3f6a9c1d2b74'
branch_labels = None
depends_on = None

LABELS = "label IN ('parties', 'restricted', 'public')"
KINDS = ("record_kind IN ('arrangement', 'signature', 'amendment', 'consent', 'notice', "
         "'expense', 'statement', 'payment', 'personnel_exchange')")


def upgrade():
    op.create_table('document_blob',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('backend', sa.String(length=20), nullable=False),
    sa.Column('chunk_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("backend IN ('database', 'directory')", name=op.f('ck_document_blob_backend')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_document_blob'))
    )
    op.create_table('document_chunk',
    sa.Column('blob_sha256', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['blob_sha256'], ['document_blob.sha256'], name=op.f('fk_document_chunk_blob_sha256_document_blob'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blob_sha256', 'seq', name=op.f('pk_document_chunk'))
    )
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('arrangement_id', sa.Integer(), nullable=True),
    sa.Column('exchange_id', sa.Integer(), nullable=True),
    sa.Column('record_kind', sa.String(length=30), nullable=False),
    sa.Column('record_key', sa.Integer(), nullable=True),
    sa.Column('expense_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('superseded_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint(LABELS, name=op.f('ck_document_label')),
    sa.CheckConstraint(KINDS, name=op.f('ck_document_record_kind')),
    sa.CheckConstraint('arrangement_id IS NOT NULL OR exchange_id IS NOT NULL', name=op.f('ck_document_owner')),
    sa.CheckConstraint('size >= 0', name=op.f('ck_document_size')),
    sa.ForeignKeyConstraint(['arrangement_id'], ['special_arrangement.id'], name=op.f('fk_document_arrangement_id_special_arrangement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exchange_id'], ['personnel_exchange.id'], name=op.f('fk_document_exchange_id_personnel_exchange'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expense_id'], ['expense.id'], name=op.f('fk_document_expense_id_expense'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sha256'], ['document_blob.sha256'], name=op.f('fk_document_sha256_document_blob')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_document_organization_id_organization')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_document_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['document.id'], name=op.f('fk_document_superseded_by_id_document'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index('ix_document_record', ['arrangement_id', 'record_kind', 'record_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_exchange_id'), ['exchange_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_expense_id'), ['expense_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_superseded_by_id'), ['superseded_by_id'], unique=False)
    op.create_table('document_reader',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_reader_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_document_reader_organization_id_organization')),
    sa.PrimaryKeyConstraint('document_id', 'organization_id', name=op.f('pk_document_reader'))
    )
    with op.batch_alter_table('document_reader', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_reader_organization_id'), ['organization_id'], unique=False)
    op.create_table('receipt_rule',
    sa.Column('arrangement_id', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('threshold >= 0', name=op.f('ck_receipt_rule_threshold')),
    sa.ForeignKeyConstraint(['arrangement_id'], ['special_arrangement.id'], name=op.f('fk_receipt_rule_arrangement_id_special_arrangement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_receipt_rule_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('arrangement_id', name=op.f('pk_receipt_rule'))
    )


def downgrade():
    op.drop_table('receipt_rule')
    with op.batch_alter_table('document_reader', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_reader_organization_id'))
    op.drop_table('document_reader')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_superseded_by_id'))
        batch_op.drop_index(batch_op.f('ix_document_sha256'))
        batch_op.drop_index(batch_op.f('ix_document_expense_id'))
        batch_op.drop_index(batch_op.f('ix_document_exchange_id'))
        batch_op.drop_index('ix_document_record')
    op.drop_table('document')
    op.drop_table('document_chunk')
    op.drop_table('document_blob')
