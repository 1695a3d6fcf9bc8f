"""handover

Revision ID: 0016_handover
Revises: 0015_social_status
Create Date: 2026-11-23 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_handover'
down_revision = '0015_social_status'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
