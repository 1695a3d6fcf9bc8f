"""appointments: desk slots and bookings, call-backs, citizen feedback (issue 8)

Revision ID: 0012_appointments
Revises: 0011_disputes
Create Date: 2026-11-23 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_appointments'
down_revision = '0011_disputes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journey', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.CheckConstraint("journey IN ('payment', 'plan', 'overview_document', 'remission')", name=op.f('ck_feedback_journey')),
    sa.CheckConstraint('score IS NULL OR (score >= 1 AND score <= 5)', name=op.f('ck_feedback_score_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_month_journey', ['month', 'journey'], unique=False)

    op.create_table('appointment_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_appointment_slot_capacity_positive')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_appointment_slot_duration_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_appointment_slot_created_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_slot'))
    )
    with op.batch_alter_table('appointment_slot', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_slot_day_start', ['day', 'start_time'], unique=False)

    op.create_table('appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('booked_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('booked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.CheckConstraint("state IN ('booked', 'cancelled')", name=op.f('ck_appointment_state')),
    sa.CheckConstraint("topic IN ('bills', 'plan', 'remission', 'other')", name=op.f('ck_appointment_topic')),
    sa.ForeignKeyConstraint(['booked_by_staff_id'], ['staff_user.id'], name=op.f('fk_appointment_booked_by_staff_id_staff_user')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_appointment_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['slot_id'], ['appointment_slot.id'], name=op.f('fk_appointment_slot_id_appointment_slot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment'))
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_debtor_state', ['debtor_id', 'state'], unique=False)
        batch_op.create_index('ix_appointment_slot_state', ['slot_id', 'state'], unique=False)

    op.create_table('callback_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('part_of_day', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('topic', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('requested_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contact_note_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("part_of_day IN ('morning', 'afternoon')", name=op.f('ck_callback_request_part_of_day')),
    sa.CheckConstraint("state IN ('open', 'done')", name=op.f('ck_callback_request_state')),
    sa.CheckConstraint("topic IN ('bills', 'plan', 'remission', 'other')", name=op.f('ck_callback_request_topic')),
    sa.ForeignKeyConstraint(['contact_note_id'], ['contact_note.id'], name=op.f('fk_callback_request_contact_note_id_contact_note')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_callback_request_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['requested_by_staff_id'], ['staff_user.id'], name=op.f('fk_callback_request_requested_by_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_request'))
    )
    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_request_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index('ix_callback_request_state_day', ['state', 'day'], unique=False)



def downgrade():
    with op.batch_alter_table('callback_request', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_request_state_day')
        batch_op.drop_index(batch_op.f('ix_callback_request_debtor_id'))

    op.drop_table('callback_request')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_slot_state')
        batch_op.drop_index('ix_appointment_debtor_state')

    op.drop_table('appointment')
    with op.batch_alter_table('appointment_slot', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_slot_day_start')

    op.drop_table('appointment_slot')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_month_journey')

    op.drop_table('feedback')
