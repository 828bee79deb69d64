"""Chat's side of the one moderation queue (collab.moderation): chat messages can be flagged,
hidden (everyone then sees "hidden by a moderator" in its place, live and in the history), shown
again and deleted. Direct conversations have no community: their flags go to the site queue."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from collab import activity
from collab.db import savepoint_released, utcnow
from collab.extensions import db, socketio
from collab.moderation import DELETED, HIDDEN, VISIBLE, Item, ModeratedType, register
from collab.text import plain_excerpt

from . import services
from .models import COMMUNITY, ChatMessage, ChatReaction

_PENDING = "collab_chat_moderated"


def load(pk: int) -> Item | None:
    msg = db.session.get(ChatMessage, pk)
    if msg is None:
        return None
    room = msg.room
    community = room.community if room.kind == COMMUNITY else None
    state = DELETED if msg.is_deleted else (HIDDEN if msg.moderation else VISIBLE)
    title = services.room_title(room, None)
    return Item(key=f"chat_message:{msg.id}", community=community, author=msg.sender, title=title,
                excerpt=plain_excerpt(msg.body, 300), url=services.message_url(msg), state=state,
                viewable_by=lambda user: services.may_read(user, room),
                auto_hidden=msg.moderation == "flags" and state == HIDDEN)


def _announce(msg: ChatMessage) -> None:
    """Tell the room once the change is committed (the payload is read now)."""
    db.session.flush()
    [payload] = services.dicts([msg])
    db.session.info.setdefault(_PENDING, []).append(payload)


def hide(pk: int, user) -> None:
    msg = db.session.get(ChatMessage, pk)
    msg.moderation = "hidden" if user is not None else "flags"
    activity.retract(f"chat_message:{msg.id}")
    _announce(msg)


def unhide(pk: int, user) -> None:
    msg = db.session.get(ChatMessage, pk)
    msg.moderation = None
    _announce(msg)


def delete(pk: int, user) -> None:
    msg = db.session.get(ChatMessage, pk)
    msg.is_deleted, msg.body, msg.body_html, msg.edited_at = True, "", "", utcnow()
    msg.moderation = None
    db.session.query(ChatReaction).filter(ChatReaction.message_id == msg.id).delete()
    activity.retract(services.thread_keys(msg))
    _announce(msg)


def _after_commit(session: Session) -> None:
    if savepoint_released(session):
        return
    payloads = session.info.pop(_PENDING, None)
    if not payloads:
        return
    from .events import NS, room_key

    for payload in payloads:
        socketio.emit("updated", payload, to=room_key(payload["room"]), namespace=NS)


def _after_rollback(session: Session, previous=None) -> None:
    session.info.pop(_PENDING, None)


def register_types() -> None:
    register(ModeratedType(name="chat_message", label=lambda: _l("Chat message"), load=load, hide=hide,
                           unhide=unhide, delete=delete))
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
