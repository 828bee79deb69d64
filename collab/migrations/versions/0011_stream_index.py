"""home stream: a covering index for a followed person's events (actor_id, id, community_id)

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-22 16:00:00

"""
from alembic import op


revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.create_index('ix_activity_events_actor_id_id_community_id', ['actor_id', 'id', 'community_id'],
                              unique=False)
        batch_op.drop_index('ix_activity_events_actor_id_id')


def downgrade():
    with op.batch_alter_table('activity_events', schema=None) as batch_op:
        batch_op.create_index('ix_activity_events_actor_id_id', ['actor_id', 'id'], unique=False)
        batch_op.drop_index('ix_activity_events_actor_id_id_community_id')
