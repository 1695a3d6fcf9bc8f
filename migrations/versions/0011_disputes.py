"""disputes: "this bill is wrong" (issue 6)

Revision ID: 0011_disputes
Revises: 0010_refunds
Create Date: 2026-11-23 12:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_disputes'
down_revision = '0010_refunds'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dispute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.String(length=2000), nullable=True),
    sa.Column('correction_amount', sa.BigInteger(), nullable=True),
    sa.Column('evidence_storage_name', sa.String(length=64), nullable=True),
    sa.Column('evidence_name', sa.String(length=120), nullable=True),
    sa.Column('evidence_content_type', sa.String(length=40), nullable=True),
    sa.Column('evidence_size', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("reason IN ('amount_wrong', 'already_paid', 'not_mine', 'not_received', 'other')", name=op.f('ck_dispute_reason')),
    sa.CheckConstraint("state IN ('open', 'upheld', 'corrected', 'cancelled')", name=op.f('ck_dispute_state')),
    sa.CheckConstraint('correction_amount IS NULL OR correction_amount > 0', name=op.f('ck_dispute_correction_positive')),
    sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_dispute_claim_id_claim')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_dispute_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], name=op.f('fk_dispute_decided_by_id_staff_user')),
    sa.ForeignKeyConstraint(['opened_by_staff_id'], ['staff_user.id'], name=op.f('fk_dispute_opened_by_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute')),
    sa.UniqueConstraint('evidence_storage_name', name=op.f('uq_dispute_evidence_storage_name'))
    )
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispute_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index('ix_dispute_state_opened', ['state', 'opened_at'], unique=False)
        batch_op.create_index('uq_dispute_open_claim', ['claim_id'], unique=True, postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))


def downgrade():
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.drop_index('uq_dispute_open_claim', postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))
        batch_op.drop_index('ix_dispute_state_opened')
        batch_op.drop_index(batch_op.f('ix_dispute_debtor_id'))

    op.drop_table('dispute')
