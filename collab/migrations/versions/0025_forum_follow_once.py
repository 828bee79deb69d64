"""One follow per person and forum or topic: partial unique indexes on forum_subscriptions (the
unique key over (user_id, forum_id, topic_id) let racing follows store twins, as one of the two
targets is always NULL); twins already stored are merged first

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-24 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "DELETE FROM forum_subscriptions WHERE id NOT IN (SELECT min(id) FROM forum_subscriptions "
        "GROUP BY user_id, coalesce(forum_id, 0), coalesce(topic_id, 0))")
    op.create_index('uq_forum_subscriptions_forum', 'forum_subscriptions', ['user_id', 'forum_id'], unique=True,
                    sqlite_where=sa.text('topic_id IS NULL'), postgresql_where=sa.text('topic_id IS NULL'))
    op.create_index('uq_forum_subscriptions_topic', 'forum_subscriptions', ['user_id', 'topic_id'], unique=True,
                    sqlite_where=sa.text('forum_id IS NULL'), postgresql_where=sa.text('forum_id IS NULL'))


def downgrade():
    op.drop_index('uq_forum_subscriptions_topic', table_name='forum_subscriptions')
    op.drop_index('uq_forum_subscriptions_forum', table_name='forum_subscriptions')
