"""workspace: the contact log and warm referrals to debt help (issue 6)

Revision ID: 0008_workspace
Revises: 0007_remission
Create Date: 2026-11-23 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_workspace'
down_revision = '0007_remission'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('signal_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('phone', 'desk', 'letter', 'email')", name=op.f('ck_contact_note_channel')),
    sa.CheckConstraint("outcome IN ('reached', 'plan_agreed', 'remission_started', 'referred_to_debt_help', 'declined', 'unreachable', 'other')", name=op.f('ck_contact_note_outcome')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_contact_note_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['signal_id'], ['signal.id'], name=op.f('fk_contact_note_signal_id_signal')),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'], name=op.f('fk_contact_note_staff_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_note'))
    )
    with op.batch_alter_table('contact_note', schema=None) as batch_op:
        batch_op.create_index('ix_contact_note_debtor_created', ['debtor_id', 'created_at'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=False),
    sa.Column('consent_recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_channel', sa.String(length=10), nullable=False),
    sa.Column('organisation', sa.String(length=120), nullable=False),
    sa.Column('pause_until', sa.Date(), nullable=False),
    sa.Column('overview_document_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("consent_channel IN ('phone', 'desk', 'letter')", name=op.f('ck_referral_consent_channel')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_referral_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['overview_document_id'], ['overview_document.id'], name=op.f('fk_referral_overview_document_id_overview_document')),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'], name=op.f('fk_referral_staff_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_debtor_id'), ['debtor_id'], unique=False)


def downgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_debtor_id'))

    op.drop_table('referral')
    with op.batch_alter_table('contact_note', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_note_debtor_created')

    op.drop_table('contact_note')
