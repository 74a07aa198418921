"""pending re-allocation: the re-allocation an arrangement's expenses wait for (issue 15)

A row is written with the re-allocation job, in the transaction that brought an amendment
into force, and deleted by the re-allocation that covers it. While it stands (the job
failed, was cancelled or lost its worker) writes to the expenses answer 409 and the
arrangement's page offers to retry.

Revision ID: b7c2e9d4f158
Revises: 5e40d644ec52
Create Date: 2026-12-01 18:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7c2e9d4f158'
down_revision = '5e40d644ec52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_reallocation',
    sa.Column('arrangement_id', sa.Integer(), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=True),
    sa.Column('share_version', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['arrangement_id'], ['special_arrangement.id'], name=op.f('fk_pending_reallocation_arrangement_id_special_arrangement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_pending_reallocation_job_id_job'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('arrangement_id', name=op.f('pk_pending_reallocation'))
    )


def downgrade():
    op.drop_table('pending_reallocation')
