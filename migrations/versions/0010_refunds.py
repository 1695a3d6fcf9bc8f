"""refunds

Revision ID: 0010_refunds
Revises: 0009_dunning
Create Date: 2026-11-23 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_refunds'
down_revision = '0009_dunning'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
