"""direct debit: SEPA Core mandates and one collection per installment (issue 8)

Revision ID: 0013_direct_debit
Revises: 0012_appointments
Create Date: 2026-11-23 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_direct_debit'
down_revision = '0012_appointments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('direct_debit_mandate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=35), nullable=False),
    sa.Column('creditor_id', sa.String(length=35), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('bic', sa.String(length=11), nullable=True),
    sa.Column('account_holder', sa.String(length=70), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('consent_version', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('end_reason', sa.String(length=12), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('prenotified_on', sa.Date(), nullable=True),
    sa.Column('prenotification_letter_id', sa.Integer(), nullable=True),
    sa.Column('acting_staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("end_reason IS NULL OR end_reason IN ('revoked', 'returns', 'plan_ended')", name=op.f('ck_direct_debit_mandate_end_reason')),
    sa.CheckConstraint("state IN ('active', 'revoked', 'ended')", name=op.f('ck_direct_debit_mandate_state')),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_direct_debit_mandate_failures_not_negative')),
    sa.ForeignKeyConstraint(['acting_staff_id'], ['staff_user.id'], name=op.f('fk_direct_debit_mandate_acting_staff_id_staff_user')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_direct_debit_mandate_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_direct_debit_mandate_plan_id_plan')),
    sa.ForeignKeyConstraint(['prenotification_letter_id'], ['letter.id'], name=op.f('fk_direct_debit_mandate_prenotification_letter_id_letter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_direct_debit_mandate')),
    sa.UniqueConstraint('reference', name=op.f('uq_direct_debit_mandate_reference'))
    )
    with op.batch_alter_table('direct_debit_mandate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_direct_debit_mandate_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index('uq_direct_debit_mandate_active_plan', ['plan_id'], unique=True, postgresql_where=sa.text("state = 'active'"), sqlite_where=sa.text("state = 'active'"))

    op.create_table('direct_debit_collection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mandate_id', sa.Integer(), nullable=False),
    sa.Column('installment_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=False),
    sa.Column('sequence_type', sa.String(length=4), nullable=False),
    sa.Column('collection_date', sa.Date(), nullable=False),
    sa.Column('message_id', sa.String(length=35), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('failure_reason', sa.String(length=4), nullable=True),
    sa.Column('failed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("sequence_type IN ('FRST', 'RCUR')", name=op.f('ck_direct_debit_collection_sequence_type')),
    sa.CheckConstraint("state IN ('submitted', 'booked', 'rejected', 'returned')", name=op.f('ck_direct_debit_collection_state')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_direct_debit_collection_amount_positive')),
    sa.ForeignKeyConstraint(['installment_id'], ['plan_installment.id'], name=op.f('fk_direct_debit_collection_installment_id_plan_installment')),
    sa.ForeignKeyConstraint(['mandate_id'], ['direct_debit_mandate.id'], name=op.f('fk_direct_debit_collection_mandate_id_direct_debit_mandate')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_direct_debit_collection_payment_id_payment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_direct_debit_collection')),
    sa.UniqueConstraint('end_to_end_id', name=op.f('uq_direct_debit_collection_end_to_end_id')),
    sa.UniqueConstraint('mandate_id', 'installment_id', name='uq_dd_collection_installment')
    )
    with op.batch_alter_table('direct_debit_collection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_direct_debit_collection_message_id'), ['message_id'], unique=False)
        batch_op.create_index('ix_direct_debit_collection_state_date', ['state', 'collection_date'], unique=False)



def downgrade():
    with op.batch_alter_table('direct_debit_collection', schema=None) as batch_op:
        batch_op.drop_index('ix_direct_debit_collection_state_date')
        batch_op.drop_index(batch_op.f('ix_direct_debit_collection_message_id'))

    op.drop_table('direct_debit_collection')
    with op.batch_alter_table('direct_debit_mandate', schema=None) as batch_op:
        batch_op.drop_index('uq_direct_debit_mandate_active_plan', postgresql_where=sa.text("state = 'active'"), sqlite_where=sa.text("state = 'active'"))
        batch_op.drop_index(batch_op.f('ix_direct_debit_mandate_debtor_id'))

    op.drop_table('direct_debit_mandate')
