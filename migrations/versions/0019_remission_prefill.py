"""remission_prefill

Revision ID: 0019_remission_prefill
Revises: 0018_acting_for_others
Create Date: 2026-11-23 15:10:00

Issue 8 (proactive offers): the social status known when a remission application is started.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_remission_prefill'
down_revision = '0018_acting_for_others'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('remission_application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('known_status_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('known_social_status', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('known_status_department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('known_status_until', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_remission_application_known_status_department_id_department'), 'department', ['known_status_department_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_remission_application_known_status_id_social_status'), 'social_status', ['known_status_id'], ['id'])


def downgrade():
    with op.batch_alter_table('remission_application', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_remission_application_known_status_id_social_status'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_remission_application_known_status_department_id_department'), type_='foreignkey')
        batch_op.drop_column('known_status_until')
        batch_op.drop_column('known_status_department_id')
        batch_op.drop_column('known_social_status')
        batch_op.drop_column('known_status_id')
