"""social_status

Revision ID: 0015_social_status
Revises: 0014_representatives
Create Date: 2026-11-23 14:00:00

Issue 8 (proactive offers): social status flags from departments and the department's right.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_social_status'
down_revision = '0014_representatives'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('social_status_right',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_social_status_right_department_id_department')),
    sa.ForeignKeyConstraint(['granted_by_staff_id'], ['staff_user.id'], name=op.f('fk_social_status_right_granted_by_staff_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_status_right')),
    sa.UniqueConstraint('department_id', name=op.f('uq_social_status_right_department_id'))
    )
    op.create_table('social_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_via', sa.String(length=10), nullable=False),
    sa.Column('recorded_by_token_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_staff_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offer_dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('social_assistance', 'minimum_income')", name=op.f('ck_social_status_kind')),
    sa.CheckConstraint('valid_until >= valid_from', name=op.f('ck_social_status_valid_until_after_from')),
    sa.CheckConstraint("recorded_via IN ('api', 'upload', 'cli')", name=op.f('ck_social_status_recorded_via')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_social_status_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_social_status_department_id_department')),
    sa.ForeignKeyConstraint(['recorded_by_staff_id'], ['staff_user.id'], name=op.f('fk_social_status_recorded_by_staff_id_staff_user')),
    sa.ForeignKeyConstraint(['recorded_by_token_id'], ['api_token.id'], name=op.f('fk_social_status_recorded_by_token_id_api_token')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_status')),
    sa.UniqueConstraint('department_id', 'reference', name='uq_social_status_reference')
    )
    with op.batch_alter_table('social_status', schema=None) as batch_op:
        batch_op.create_index('ix_social_status_debtor_until', ['debtor_id', 'valid_until'], unique=False)


def downgrade():
    with op.batch_alter_table('social_status', schema=None) as batch_op:
        batch_op.drop_index('ix_social_status_debtor_until')
    op.drop_table('social_status')
    op.drop_table('social_status_right')
