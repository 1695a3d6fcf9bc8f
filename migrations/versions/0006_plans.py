"""plans

Revision ID: 0006_plans
Revises: 0005_overview_documents
Create Date: 2026-11-23 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_plans'
down_revision = '0005_overview_documents'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
