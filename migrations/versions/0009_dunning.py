"""dunning: reminder records and interest accruals, one row per batch action (issue 6)

Revision ID: 0009_dunning
Revises: 0008_workspace
Create Date: 2026-11-23 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_dunning'
down_revision = '0008_workspace'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('interest_accrual',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('suppressed', sa.Boolean(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_interest_accrual_amount_not_negative')),
    sa.CheckConstraint('months >= 1', name=op.f('ck_interest_accrual_months_positive')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_interest_accrual_period_order')),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_interest_accrual_claim_id_claim')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_accrual')),
    sa.UniqueConstraint('claim_id', 'period_start', name='uq_interest_accrual_claim_period')
    )
    op.create_table('reminder_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('fee_amount', sa.BigInteger(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('fee_amount >= 0', name=op.f('ck_reminder_record_fee_not_negative')),
    sa.CheckConstraint('sequence >= 1', name=op.f('ck_reminder_record_sequence_positive')),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_reminder_record_claim_id_claim')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_reminder_record_letter_id_letter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_record')),
    sa.UniqueConstraint('claim_id', 'sequence', name='uq_reminder_record_claim_sequence')
    )
    with op.batch_alter_table('reminder_record', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_record_letter', ['letter_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reminder_record', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_record_letter')

    op.drop_table('reminder_record')
    op.drop_table('interest_accrual')
