"""workspace

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
    pass


def downgrade():
    pass
