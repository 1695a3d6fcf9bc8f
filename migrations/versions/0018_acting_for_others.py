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
    op.create_table(
        'representation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('debtor_id', sa.Integer(), nullable=False),
        sa.Column('representative_id_hash', sa.String(length=64), nullable=False),
        sa.Column('representative_id_last4', sa.String(length=4), nullable=False),
        sa.Column('representative_name', sa.String(length=200), nullable=False),
        sa.Column('representative_address', sa.String(length=300), nullable=True),
        sa.Column('representative_email', sa.String(length=200), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('scope', sa.String(length=4), nullable=False),
        sa.Column('evidence_kind', sa.String(length=20), nullable=False),
        sa.Column('evidence_reference', sa.String(length=200), nullable=False),
        sa.Column('evidence_file', sa.LargeBinary(), nullable=True),
        sa.Column('evidence_content_type', sa.String(length=40), nullable=True),
        sa.Column('letters_to', sa.String(length=15), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_by', sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('bewindvoerder', 'guardian', 'debt_counsellor', 'schuldbemiddelaar')",
            name=op.f('ck_representation_kind'),
        ),
        sa.CheckConstraint("scope IN ('view', 'act')", name=op.f('ck_representation_scope')),
        sa.CheckConstraint(
            "evidence_kind IN ('court_decision', 'signed_consent')",
            name=op.f('ck_representation_evidence_kind'),
        ),
        sa.CheckConstraint(
            "letters_to IN ('representative', 'both', 'debtor')",
            name=op.f('ck_representation_letters_to'),
        ),
        sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_representation_ends_after_start')),
        sa.ForeignKeyConstraint(['created_by'], ['staff_user.id'], name=op.f('fk_representation_created_by_staff_user')),
        sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_representation_debtor_id_debtor')),
        sa.ForeignKeyConstraint(['ended_by'], ['staff_user.id'], name=op.f('fk_representation_ended_by_staff_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_representation')),
    )
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_representation_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_representation_representative_id_hash'),
            ['representative_id_hash'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_representation_representative_id_hash'))
        batch_op.drop_index(batch_op.f('ix_representation_debtor_id'))
    op.drop_table('representation')
