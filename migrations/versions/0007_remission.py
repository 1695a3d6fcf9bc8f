"""remission

Revision ID: 0007_remission
Revises: 0006_plans
Create Date: 2026-11-23 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_remission'
down_revision = '0006_plans'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
