"""bank_statements

Revision ID: 0003_bank_statements
Revises: 0002_payments
Create Date: 2026-11-23 10:22:39.098207

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_bank_statements'
down_revision = '0002_payments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_type', sa.String(length=8), nullable=False),
    sa.Column('version', sa.String(length=6), nullable=False),
    sa.Column('statement_id', sa.String(length=35), nullable=False),
    sa.Column('sequence_number', sa.BigInteger(), nullable=False),
    sa.Column('account_iban', sa.String(length=34), nullable=False),
    sa.Column('entries_count', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by_id'], ['staff_user.id'], name=op.f('fk_bank_statement_imported_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement')),
    sa.UniqueConstraint('account_iban', 'message_type', 'statement_id', 'sequence_number', name='uq_bank_statement_identity')
    )
    op.create_table('bank_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('entry_key', sa.String(length=120), nullable=True),
    sa.Column('account_iban', sa.String(length=34), nullable=False),
    sa.Column('entry_index', sa.Integer(), nullable=False),
    sa.Column('tx_index', sa.Integer(), nullable=False),
    sa.Column('acct_svcr_ref', sa.String(length=35), nullable=True),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('credit', sa.Boolean(), nullable=False),
    sa.Column('reversal', sa.Boolean(), nullable=False),
    sa.Column('booking_date', sa.Date(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('remittance', sa.Text(), nullable=False),
    sa.Column('additional_info', sa.Text(), nullable=False),
    sa.Column('structured_ref', sa.String(length=35), nullable=True),
    sa.Column('debtor_name', sa.String(length=140), nullable=True),
    sa.Column('debtor_iban', sa.String(length=34), nullable=True),
    sa.Column('without_details', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('claim_id', sa.Integer(), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('reversal_of_id', sa.Integer(), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('received', 'booked', 'unmatched', 'duplicate', 'payout', 'reversal', 'rejected', 'assigned')", name=op.f('ck_bank_entry_state')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_bank_entry_amount_positive')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['staff_user.id'], name=op.f('fk_bank_entry_assigned_by_id_staff_user')),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_bank_entry_claim_id_claim')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['bank_entry.id'], name=op.f('fk_bank_entry_duplicate_of_id_bank_entry')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_bank_entry_payment_id_payment')),
    sa.ForeignKeyConstraint(['reversal_of_id'], ['bank_entry.id'], name=op.f('fk_bank_entry_reversal_of_id_bank_entry')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statement.id'], name=op.f('fk_bank_entry_statement_id_bank_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_entry')),
    sa.UniqueConstraint('entry_key', name='uq_bank_entry_entry_key')
    )
    with op.batch_alter_table('bank_entry', schema=None) as batch_op:
        batch_op.create_index('ix_bank_entry_acct_svcr_ref', ['account_iban', 'acct_svcr_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_entry_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index('ix_bank_entry_state', ['state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_entry_statement_id'), ['statement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('bank_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_entry_statement_id'))
        batch_op.drop_index('ix_bank_entry_state')
        batch_op.drop_index(batch_op.f('ix_bank_entry_payment_id'))
        batch_op.drop_index('ix_bank_entry_acct_svcr_ref')

    op.drop_table('bank_entry')
    op.drop_table('bank_statement')
