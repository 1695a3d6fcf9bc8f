"""direct_debit_types

Revision ID: 0017_direct_debit_types
Revises: 0016_handover
Create Date: 2026-11-23 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_direct_debit_types'
down_revision = '0016_handover'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
