"""dunning

Revision ID: 0009_dunning
Revises: 0008_workspace
Create Date: 2026-11-23 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_dunning'
down_revision = '0008_workspace'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
