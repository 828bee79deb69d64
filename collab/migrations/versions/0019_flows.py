"""knowledge flows: provenance links, flow drafts, hidden related content

Revision ID: 0019
Revises: 0012
Create Date: 2026-11-22 18:30:00

"""
from alembic import op
import sqlalchemy as sa

import collab.db


revision = '0019'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'flow_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('source_key', sa.String(length=80), nullable=False),
        sa.Column('source_group', sa.String(length=80), nullable=False),
        sa.Column('target_key', sa.String(length=80), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', collab.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_flow_links_actor_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_links')),
        sa.UniqueConstraint('source_key', 'target_key', name='uq_flow_links_source_target'),
    )
    with op.batch_alter_table('flow_links', schema=None) as batch_op:
        batch_op.create_index('ix_flow_links_source_group', ['source_group', 'id'], unique=False)
        batch_op.create_index('ix_flow_links_target_key', ['target_key'], unique=False)

    op.create_table(
        'flow_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('receiver', sa.String(length=40), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('source_key', sa.String(length=80), nullable=False),
        sa.Column('source_group', sa.String(length=80), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('tags', sa.String(length=300), nullable=False),
        sa.Column('place', sa.String(length=40), nullable=False),
        sa.Column('result_key', sa.String(length=80), nullable=True),
        sa.Column('result_url', sa.String(length=500), nullable=True),
        sa.Column('created_at', collab.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_flow_drafts_community_id_communities'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_flow_drafts_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_drafts')),
        sa.UniqueConstraint('token', name=op.f('uq_flow_drafts_token')),
    )
    with op.batch_alter_table('flow_drafts', schema=None) as batch_op:
        batch_op.create_index('ix_flow_drafts_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table(
        'related_hides',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('created_at', collab.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_related_hides_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_related_hides')),
    )


def downgrade():
    op.drop_table('related_hides')
    op.drop_table('flow_drafts')
    op.drop_table('flow_links')
