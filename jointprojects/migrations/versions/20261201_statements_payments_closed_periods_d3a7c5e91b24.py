"""statements, payments, closed periods

Issue 12 (DOMAIN.md rules 10-13): statements of a period with their frozen party figures,
transfers, acknowledgements, payments and workbook; the closed-through day on the
arrangement; adjustments (an expense that corrects another, with its reason).

Revision ID: d3a7c5e91b24
Revises: a7d3c5e9f214
Create Date: 2026-12-01 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3a7c5e91b24'
down_revision = 'a7d3c5e9f214'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table rebuild on SQLite: special_arrangement carries the
    # portfolio triggers, expense is referenced by expense_part).
    op.add_column('special_arrangement', sa.Column('closed_through', sa.Date(), nullable=True))
    op.add_column('special_arrangement',
                  sa.Column('closed_by_statement', sa.Integer(), nullable=True))
    op.add_column('special_arrangement', sa.Column('statement_due_days', sa.Integer(),
                                                   nullable=False, server_default='30'))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE expense ADD COLUMN adjusts_id INTEGER '
                   'CONSTRAINT fk_expense_adjusts_id_expense REFERENCES expense (id)')
    else:
        op.add_column('expense', sa.Column('adjusts_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_expense_adjusts_id_expense'), 'expense', 'expense',
                              ['adjusts_id'], ['id'])
    op.add_column('expense', sa.Column('reason', sa.Text(), nullable=False, server_default=''))
    op.create_index(op.f('ix_expense_adjusts_id'), 'expense', ['adjusts_id'], unique=False)

    op.create_table('statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('arrangement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=False),
    sa.Column('date_to', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('unallocated', sa.BigInteger(), nullable=False),
    sa.Column('expense_count', sa.Integer(), nullable=False),
    sa.Column('share_versions', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_for_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_admin', sa.Boolean(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('issued', 'agreed', 'disputed', 'withdrawn')", name=op.f('ck_statement_status')),
    sa.CheckConstraint('date_to >= date_from', name=op.f('ck_statement_dates')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_statement_number_positive')),
    sa.ForeignKeyConstraint(['arrangement_id'], ['special_arrangement.id'], name=op.f('fk_statement_arrangement_id_special_arrangement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_statement_issued_by_id_user')),
    sa.ForeignKeyConstraint(['issued_for_id'], ['organization.id'], name=op.f('fk_statement_issued_for_id_organization')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user.id'], name=op.f('fk_statement_withdrawn_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement')),
    sa.UniqueConstraint('arrangement_id', 'number', name=op.f('uq_statement_arrangement_id_number')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_arrangement_id'), ['arrangement_id'], unique=False)

    op.create_table('statement_party',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('opening_balance', sa.BigInteger(), nullable=False),
    sa.Column('share', sa.BigInteger(), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('payments_made', sa.BigInteger(), nullable=False),
    sa.Column('payments_received', sa.BigInteger(), nullable=False),
    sa.Column('closing_balance', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_party_statement_id_statement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_statement_party_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_party')),
    sa.UniqueConstraint('statement_id', 'organization_id', name=op.f('uq_statement_party_statement_id_organization_id'))
    )

    op.create_table('statement_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('from_organization_id', sa.Integer(), nullable=False),
    sa.Column('to_organization_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_statement_transfer_amount_positive')),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_transfer_statement_id_statement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_organization_id'], ['organization.id'], name=op.f('fk_statement_transfer_from_organization_id_organization')),
    sa.ForeignKeyConstraint(['to_organization_id'], ['organization.id'], name=op.f('fk_statement_transfer_to_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_transfer')),
    sa.UniqueConstraint('statement_id', 'position', name=op.f('uq_statement_transfer_statement_id_position'))
    )

    op.create_table('statement_acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_admin', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("decision IN ('accept', 'dispute')", name=op.f('ck_statement_acknowledgement_decision')),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_acknowledgement_statement_id_statement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_statement_acknowledgement_organization_id_organization')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_statement_acknowledgement_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_acknowledgement')),
    sa.UniqueConstraint('statement_id', 'organization_id', name=op.f('uq_statement_acknowledgement_statement_id_organization_id')),
    sqlite_autoincrement=True
    )

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('arrangement_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('from_organization_id', sa.Integer(), nullable=False),
    sa.Column('to_organization_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_admin', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('received_by_admin', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('sent', 'received')", name=op.f('ck_payment_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_amount_positive')),
    sa.ForeignKeyConstraint(['arrangement_id'], ['special_arrangement.id'], name=op.f('fk_payment_arrangement_id_special_arrangement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_payment_statement_id_statement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transfer_id'], ['statement_transfer.id'], name=op.f('fk_payment_transfer_id_statement_transfer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_organization_id'], ['organization.id'], name=op.f('fk_payment_from_organization_id_organization')),
    sa.ForeignKeyConstraint(['to_organization_id'], ['organization.id'], name=op.f('fk_payment_to_organization_id_organization')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_payment_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['received_by_id'], ['user.id'], name=op.f('fk_payment_received_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index('ix_payment_arrangement_date', ['arrangement_id', 'date'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_transfer_id'), ['transfer_id'], unique=False)

    op.create_table('statement_workbook',
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_workbook_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_id', name=op.f('pk_statement_workbook'))
    )


def downgrade():
    op.drop_table('statement_workbook')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_transfer_id'))
        batch_op.drop_index(batch_op.f('ix_payment_statement_id'))
        batch_op.drop_index('ix_payment_arrangement_date')
    op.drop_table('payment')
    op.drop_table('statement_acknowledgement')
    op.drop_table('statement_transfer')
    op.drop_table('statement_party')
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_arrangement_id'))
    op.drop_table('statement')
    op.drop_index(op.f('ix_expense_adjusts_id'), table_name='expense')
    with op.batch_alter_table('expense', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('adjusts_id')
    with op.batch_alter_table('special_arrangement', schema=None) as batch_op:
        batch_op.drop_column('statement_due_days')
        batch_op.drop_column('closed_by_statement')
        batch_op.drop_column('closed_through')
