"""Every community has its chat's default room: a community now gets it as it is created, so the
API's list of rooms only reads; the communities made before, whose chat page nobody opened, get it
here

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-24 15:00:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

communities = sa.table("communities", sa.column("id", sa.Integer))
rooms = sa.table(
    "chat_rooms", sa.column("kind", sa.String), sa.column("community_id", sa.Integer), sa.column("slug", sa.String),
    sa.column("name", sa.String), sa.column("topic", sa.String), sa.column("is_default", sa.Boolean),
    sa.column("last_seq", sa.Integer), sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime),
)


def upgrade():
    # As collab.chat.services.default_room makes it; a community whose "general" slug is taken
    # already has the room default_room falls back to.
    has_one = sa.exists().where(rooms.c.community_id == communities.c.id,
                                sa.or_(rooms.c.is_default.is_(sa.true()), rooms.c.slug == "general"))
    now = sa.literal(datetime.now(timezone.utc).replace(tzinfo=None), sa.DateTime)  # naive UTC, as stored
    op.execute(rooms.insert().from_select(
        ["kind", "community_id", "slug", "name", "topic", "is_default", "last_seq", "created_at", "updated_at"],
        sa.select(sa.literal("community"), communities.c.id, sa.literal("general"), sa.literal("general"),
                  sa.literal(""), sa.true(), sa.literal(0), now, now).where(~has_one)))


def downgrade():
    pass  # the rooms stay: the chat page would make them again on first use
