"""handover

Revision ID: 0016_handover
Revises: 0015_social_status
Create Date: 2026-11-23 14:00:00

Issue 8: hand-over to the external collector (batches, records, collector report lines).
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0016_handover'
down_revision = '0015_social_status'
branch_labels = None
depends_on = None

STATUSES = "status IN ('handed_over', 'in_progress', 'paid', 'partly_paid', 'uncollectable', 'returned', 'recalled')"


def upgrade():
    op.create_table(
        'handover_batch',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_on', sa.Date(), nullable=False),
        sa.Column('file_name', sa.String(length=120), nullable=False),
        sa.Column('claim_count', sa.Integer(), nullable=False),
        sa.Column('recall_count', sa.Integer(), nullable=False),
        sa.Column('total', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('claim_count >= 0', name=op.f('ck_handover_batch_claim_count_not_negative')),
        sa.CheckConstraint('recall_count >= 0', name=op.f('ck_handover_batch_recall_count_not_negative')),
        sa.CheckConstraint('total >= 0', name=op.f('ck_handover_batch_total_not_negative')),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_handover_batch_created_by_id_staff_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_batch')),
        sa.UniqueConstraint('file_name', name=op.f('uq_handover_batch_file_name')),
    )
    op.create_table(
        'handover_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=False),
        sa.Column('approval_item_id', sa.Integer(), nullable=False),
        sa.Column('collector_name', sa.String(length=120), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('reported_paid', sa.BigInteger(), nullable=False),
        sa.Column('status_reported_on', sa.Date(), nullable=True),
        sa.Column('handed_over_on', sa.Date(), nullable=False),
        sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recalled_by_id', sa.Integer(), nullable=True),
        sa.Column('recall_reason', sa.String(length=300), nullable=True),
        sa.Column('recall_batch_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(STATUSES, name=op.f('ck_handover_record_status')),
        sa.CheckConstraint('reported_paid >= 0', name=op.f('ck_handover_record_reported_paid_not_negative')),
        sa.CheckConstraint('amount >= 0', name=op.f('ck_handover_record_amount_not_negative')),
        sa.ForeignKeyConstraint(['claim_id'], ['claim.id'], name=op.f('fk_handover_record_claim_id_claim')),
        sa.ForeignKeyConstraint(['batch_id'], ['handover_batch.id'], name=op.f('fk_handover_record_batch_id_handover_batch')),
        sa.ForeignKeyConstraint(['approval_item_id'], ['work_item.id'], name=op.f('fk_handover_record_approval_item_id_work_item')),
        sa.ForeignKeyConstraint(['recalled_by_id'], ['staff_user.id'], name=op.f('fk_handover_record_recalled_by_id_staff_user')),
        sa.ForeignKeyConstraint(['recall_batch_id'], ['handover_batch.id'], name=op.f('fk_handover_record_recall_batch_id_handover_batch')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_record')),
        sa.UniqueConstraint('approval_item_id', name=op.f('uq_handover_record_approval_item_id')),
    )
    with op.batch_alter_table('handover_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_record_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handover_record_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(
            'uq_handover_record_active_claim',
            ['claim_id'],
            unique=True,
            postgresql_where=sa.text('recalled_at IS NULL'),
            sqlite_where=sa.text('recalled_at IS NULL'),
        )
    op.create_table(
        'collector_report_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('transaction_id', sa.String(length=80), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('reported_on', sa.Date(), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('amount >= 0', name=op.f('ck_collector_report_line_amount_not_negative')),
        sa.ForeignKeyConstraint(['record_id'], ['handover_record.id'], name=op.f('fk_collector_report_line_record_id_handover_record')),
        sa.ForeignKeyConstraint(['imported_by_id'], ['staff_user.id'], name=op.f('fk_collector_report_line_imported_by_id_staff_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_collector_report_line')),
        sa.UniqueConstraint('transaction_id', name=op.f('uq_collector_report_line_transaction_id')),
    )
    with op.batch_alter_table('collector_report_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collector_report_line_record_id'), ['record_id'], unique=False)


def downgrade():
    with op.batch_alter_table('collector_report_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collector_report_line_record_id'))
    op.drop_table('collector_report_line')
    with op.batch_alter_table('handover_record', schema=None) as batch_op:
        batch_op.drop_index('uq_handover_record_active_claim')
        batch_op.drop_index(batch_op.f('ix_handover_record_batch_id'))
        batch_op.drop_index(batch_op.f('ix_handover_record_claim_id'))
    op.drop_table('handover_record')
    op.drop_table('handover_batch')
