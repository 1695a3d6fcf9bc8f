"""social_status

Revision ID: 0015_social_status
Revises: 0014_representatives
Create Date: 2026-11-23 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_social_status'
down_revision = '0014_representatives'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
