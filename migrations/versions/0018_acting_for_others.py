"""acting_for_others

Revision ID: 0018_acting_for_others
Revises: 0017_direct_debit_types
Create Date: 2026-11-23 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_acting_for_others'
down_revision = '0017_direct_debit_types'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
