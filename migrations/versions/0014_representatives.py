"""representatives

Revision ID: 0014_representatives
Revises: 0013_direct_debit
Create Date: 2026-11-23 13:30:00

Issue 9 (finance exports, retention): the staff role "finance" and Debtor.anonymised_on.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_representatives'
down_revision = '0013_direct_debit'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('caseworker', 'desk', 'supervisor', 'department_clerk', 'admin')"
NEW_ROLES = "role IN ('caseworker', 'desk', 'supervisor', 'department_clerk', 'admin', 'finance')"


def upgrade():
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_on', sa.Date(), nullable=True))
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_staff_user_role'), NEW_ROLES)


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_user_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_staff_user_role'), OLD_ROLES)
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.drop_column('anonymised_on')
