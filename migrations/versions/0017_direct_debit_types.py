"""direct_debit_types: claim-type mandates, their pre-notices, return reasons (issue 8)

Revision ID: 0017_direct_debit_types
Revises: 0016_handover
Create Date: 2026-11-23 14:00:00

A mandate is for a plan OR a claim type (plan_id becomes nullable, claim_type_id is new); a
collection is for an installment OR a claim; direct_debit_notice records each claim announced
in a pre-notification letter; bank_entry keeps the return reason code (RtrInf/Rsn/Cd);
betalingsservice_agreement holds the DKK agreement status imported from a file.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_direct_debit_types'
down_revision = '0016_handover'
branch_labels = None
depends_on = None

ACTIVE_TYPE = "state = 'active' AND claim_type_id IS NOT NULL"
ACTIVE = "state = 'active'"


def upgrade():
    with op.batch_alter_table('direct_debit_mandate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_type_id', sa.Integer(), nullable=True))
        batch_op.alter_column('plan_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_direct_debit_mandate_claim_type_id_claim_type'), 'claim_type', ['claim_type_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_direct_debit_mandate_one_scope'), '(plan_id IS NULL) <> (claim_type_id IS NULL)')
    with op.batch_alter_table('direct_debit_mandate', schema=None) as batch_op:
        # SQLite's table copy may lose a partial index's WHERE: create both again, explicitly.
        batch_op.drop_index('uq_direct_debit_mandate_active_plan')
        batch_op.create_index('uq_direct_debit_mandate_active_plan', ['plan_id'], unique=True, postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
        batch_op.create_index('uq_direct_debit_mandate_active_type', ['debtor_id', 'claim_type_id'], unique=True, postgresql_where=sa.text(ACTIVE_TYPE), sqlite_where=sa.text(ACTIVE_TYPE))

    with op.batch_alter_table('direct_debit_collection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_id', sa.Integer(), nullable=True))
        batch_op.alter_column('installment_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_direct_debit_collection_claim_id_claim'), 'claim', ['claim_id'], ['id'])
        batch_op.create_unique_constraint('uq_dd_collection_claim', ['mandate_id', 'claim_id'])
        batch_op.create_check_constraint(op.f('ck_direct_debit_collection_one_target'), '(installment_id IS NULL) <> (claim_id IS NULL)')

    op.create_table('direct_debit_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mandate_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('notified_on', sa.Date(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_direct_debit_notice_amount_positive')),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_direct_debit_notice_claim_id_claim')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_direct_debit_notice_letter_id_letter')),
    sa.ForeignKeyConstraint(['mandate_id'], ['direct_debit_mandate.id'], name=op.f('fk_direct_debit_notice_mandate_id_direct_debit_mandate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_direct_debit_notice')),
    sa.UniqueConstraint('mandate_id', 'claim_id', name='uq_dd_notice_claim')
    )
    with op.batch_alter_table('direct_debit_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_direct_debit_notice_mandate_id'), ['mandate_id'], unique=False)

    with op.batch_alter_table('bank_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_reason', sa.String(length=4), nullable=True))

    op.create_table('betalingsservice_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'cancelled')", name=op.f('ck_betalingsservice_agreement_status')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_betalingsservice_agreement_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_betalingsservice_agreement')),
    sa.UniqueConstraint('debtor_id', name=op.f('uq_betalingsservice_agreement_debtor_id'))
    )


def downgrade():
    op.drop_table('betalingsservice_agreement')

    with op.batch_alter_table('bank_entry', schema=None) as batch_op:
        batch_op.drop_column('return_reason')

    with op.batch_alter_table('direct_debit_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_direct_debit_notice_mandate_id'))
    op.drop_table('direct_debit_notice')

    op.execute("DELETE FROM direct_debit_collection WHERE claim_id IS NOT NULL")
    with op.batch_alter_table('direct_debit_collection', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_direct_debit_collection_one_target'), type_='check')
        batch_op.drop_constraint('uq_dd_collection_claim', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_direct_debit_collection_claim_id_claim'), type_='foreignkey')
        batch_op.alter_column('installment_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('claim_id')

    op.execute("DELETE FROM direct_debit_mandate WHERE claim_type_id IS NOT NULL")
    with op.batch_alter_table('direct_debit_mandate', schema=None) as batch_op:
        batch_op.drop_index('uq_direct_debit_mandate_active_type')
        batch_op.drop_constraint(op.f('ck_direct_debit_mandate_one_scope'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_direct_debit_mandate_claim_type_id_claim_type'), type_='foreignkey')
        batch_op.alter_column('plan_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('claim_type_id')
    with op.batch_alter_table('direct_debit_mandate', schema=None) as batch_op:
        batch_op.drop_index('uq_direct_debit_mandate_active_plan')
        batch_op.create_index('uq_direct_debit_mandate_active_plan', ['plan_id'], unique=True, postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
