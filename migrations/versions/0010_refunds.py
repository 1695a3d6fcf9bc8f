"""refunds: refund requests (four eyes), pain.001 exports; checkout attempts for installments

Revision ID: 0010_refunds
Revises: 0009_dunning
Create Date: 2026-11-23 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_refunds'
down_revision = '0009_dunning'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('refund_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=35), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('total > 0', name=op.f('ck_refund_export_total_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_refund_export_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['staff_user.id'], name=op.f('fk_refund_export_sent_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund_export')),
    sa.UniqueConstraint('message_id', name=op.f('uq_refund_export_message_id'))
    )
    op.create_table('refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=True),
    sa.Column('bic', sa.String(length=11), nullable=True),
    sa.Column('account_holder', sa.String(length=70), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('provider_refund_id', sa.String(length=120), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('export_id', sa.Integer(), nullable=True),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=True),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method <> 'bank' OR iban IS NOT NULL", name=op.f('ck_refund_bank_has_iban')),
    sa.CheckConstraint("method <> 'provider' OR payment_id IS NOT NULL", name=op.f('ck_refund_provider_has_payment')),
    sa.CheckConstraint("method IN ('bank', 'provider')", name=op.f('ck_refund_method')),
    sa.CheckConstraint("origin IN ('staff', 'provider')", name=op.f('ck_refund_origin')),
    sa.CheckConstraint("state IN ('requested', 'approved', 'exported', 'executed', 'rejected')", name=op.f('ck_refund_state')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_refund_amount_positive')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_refund_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], name=op.f('fk_refund_decided_by_id_staff_user')),
    sa.ForeignKeyConstraint(['export_id'], ['refund_export.id'], name=op.f('fk_refund_export_id_refund_export')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_refund_payment_id_payment')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['staff_user.id'], name=op.f('fk_refund_requested_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund')),
    sa.UniqueConstraint('provider_refund_id', name=op.f('uq_refund_provider_refund_id')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_refund_submission_key'))
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index('ix_refund_state', ['state', 'id'], unique=False)

    with op.batch_alter_table('checkout_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('installment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_checkout_attempt_installment_id_plan_installment'), 'plan_installment', ['installment_id'], ['id'])



def downgrade():
    with op.batch_alter_table('checkout_attempt', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkout_attempt_installment_id_plan_installment'), type_='foreignkey')
        batch_op.drop_column('installment_id')

    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index('ix_refund_state')
        batch_op.drop_index(batch_op.f('ix_refund_payment_id'))
        batch_op.drop_index(batch_op.f('ix_refund_debtor_id'))

    op.drop_table('refund')
    op.drop_table('refund_export')
