"""How a chat message becomes a search document (collab.search calls these; it never imports us).

Community room messages are readable by whoever may read the community ("community:<id>");
messages of a direct conversation only by its participants ("chat:<room id>", allowed per person
through ``allowed_scopes``)."""
from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import bindparam, false, inspect, select
from sqlalchemy.orm import lazyload, load_only, selectinload

from collab.extensions import db
from communities.models import Community

from .models import COMMUNITY, ChatMessage, ChatParticipant, ChatRoom
from .queries import reply_ids

SCOPE_PREFIX = "chat:"


def to_document(msg: ChatMessage) -> dict | None:
    if msg.is_deleted or msg.moderation or (msg.parent is not None and msg.parent.is_deleted):
        return None  # a deleted message's thread goes with it (the room shows none of its replies)
    from .services import message_url, room_title

    room = msg.room
    community = room.community if room.kind == COMMUNITY else None
    if room.kind == COMMUNITY:
        if community is None or not community.has_tool("chat"):
            return None
        title = f"#{room.name} · {community.name}"
    else:
        title = room_title(room, None)
    return {
        "title": title,
        "body": Markup(msg.body_html or "").striptags(),
        "community": community.id if community else None,
        "scope": f"community:{community.id}" if community else f"{SCOPE_PREFIX}{room.id}",
        "author": msg.sender.username if msg.sender else "",
        "tags": [],
        "created": msg.created_at,
        "updated": msg.edited_at or msg.created_at,
        "url": message_url(msg),
    }


def load_all():
    yield from db.session.scalars(
        select(ChatMessage).where(ChatMessage.is_deleted == false()).order_by(ChatMessage.id)
        .options(*LOAD_OPTIONS).execution_options(yield_per=1000))


# A batch's thread roots in one more query (whether each is deleted), not one per reply.
LOAD_OPTIONS = (selectinload(ChatMessage.parent).options(load_only(ChatMessage.is_deleted), lazyload("*")),)


def allowed_scopes(user) -> list[str]:
    """The private chat scopes this person may read: their direct conversations."""
    ids = db.session.execute(_PRIVATE_ROOMS, {"user_id": user.id}).scalars()
    return [f"{SCOPE_PREFIX}{i}" for i in ids]


# Built once: every search runs it.
_PRIVATE_ROOMS = (select(ChatParticipant.room_id).join(ChatRoom, ChatRoom.id == ChatParticipant.room_id)
                  .where(ChatParticipant.user_id == bindparam("user_id"), ChatRoom.kind != COMMUNITY))


def _messages_of_changed(community: Community):
    """A new address or the chat tool switched on/off changes every message's document."""
    state = inspect(community)
    if state.deleted or state.was_deleted:
        return []
    if not (state.attrs.slug.history.has_changes() or state.attrs.tools.history.has_changes()
            or state.attrs.name.history.has_changes()):
        return []
    return db.session.scalars(select(ChatMessage.id).join(ChatRoom, ChatRoom.id == ChatMessage.room_id)
                              .where(ChatRoom.community_id == community.id)).all()


def _replies_of_deleted(msg: ChatMessage):
    """A message deleted (by its author or a moderator) takes its thread's replies out of search."""
    state = inspect(msg)
    if state.key is None or state.deleted or state.was_deleted or not state.attrs.is_deleted.history.has_changes():
        return []
    return reply_ids(msg)


DEPENDENTS = ((Community, _messages_of_changed), (ChatMessage, _replies_of_deleted))
