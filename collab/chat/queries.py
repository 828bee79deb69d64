"""A room's history as the room shows it: pages of room messages (keyset scans on (room_id, seq)),
everything after a sequence number for catch-up, a message's thread, and search in a room."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from collab.db import contains_folded
from collab.extensions import db

from .models import ChatMessage, ChatRoom

PAGE = 50
MAX_PAGE = 200


def _limit(limit) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        return PAGE
    return min(limit, MAX_PAGE)


def before(room: ChatRoom, before_seq: int | None = None, limit: int = PAGE) -> tuple[list[ChatMessage], bool]:
    """The newest room messages (not thread replies) below ``before_seq``, oldest first, and
    whether there are older ones. A keyset scan on (room_id, seq): the same cost at any depth."""
    limit = _limit(limit)
    stmt = select(ChatMessage).where(ChatMessage.room_id == room.id, ChatMessage.parent_id.is_(None))
    if before_seq is not None:
        stmt = stmt.where(ChatMessage.seq < before_seq)
    rows = list(db.session.scalars(stmt.order_by(ChatMessage.seq.desc()).limit(limit + 1)))
    more = len(rows) > limit
    return rows[:limit][::-1], more


def after(room: ChatRoom, after_seq: int, limit: int = MAX_PAGE, *,
          as_shown: bool = False) -> tuple[list[ChatMessage], bool]:
    """Every message (thread replies included) above ``after_seq``, oldest first: reconnect
    catch-up. ``more`` says the client should ask again from the last one.

    The room's page counts on every sequence number arriving (it shows no thread under a deleted
    message by itself); ``as_shown`` leaves out those replies, for readers of the list as it
    stands (the REST API), the way the history and the room's search do."""
    limit = _limit(limit)
    stmt = select(ChatMessage).where(ChatMessage.room_id == room.id, ChatMessage.seq > after_seq)
    if as_shown:
        stmt = _outside_deleted_threads(stmt)
    rows = list(db.session.scalars(stmt.order_by(ChatMessage.seq).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def _outside_deleted_threads(stmt):
    """``stmt`` (over ChatMessage) without the replies in the thread of a deleted message."""
    root = aliased(ChatMessage)
    return stmt.outerjoin(root, root.id == ChatMessage.parent_id).where(
        or_(root.id.is_(None), root.is_deleted.is_(False)))


def around(room: ChatRoom, seq: int, limit: int = PAGE) -> tuple[list[ChatMessage], bool, bool]:
    """Room messages from a little before ``seq`` onwards: (messages, older exist, newer exist)."""
    head = limit // 5
    older, has_older = before(room, seq, head)
    rows = list(db.session.scalars(select(ChatMessage).where(
        ChatMessage.room_id == room.id, ChatMessage.parent_id.is_(None), ChatMessage.seq >= seq)
        .order_by(ChatMessage.seq).limit(limit - len(older) + 1)))
    newer = len(rows) > limit - len(older)
    return older + rows[: limit - len(older)], has_older, newer


def thread(parent: ChatMessage) -> list[ChatMessage]:
    return list(db.session.scalars(select(ChatMessage).where(ChatMessage.parent_id == parent.id)
                                   .order_by(ChatMessage.seq).limit(1000)))


def search(room: ChatRoom, q: str, limit: int = 50) -> list[ChatMessage]:
    """Messages of the room containing every word of ``q`` (case-insensitive), newest first: what
    the room shows (not deleted or hidden, no reply in the thread of a deleted message)."""
    words = [w for w in (q or "").split() if w][:8]
    if not words:
        return []
    return list(db.session.scalars(_outside_deleted_threads(select(ChatMessage)).where(
        ChatMessage.room_id == room.id, ChatMessage.is_deleted.is_(False), ChatMessage.moderation.is_(None),
        *(contains_folded(ChatMessage.body, w) for w in words))
        .order_by(ChatMessage.seq.desc()).limit(limit)))


def reply_ids(msg: ChatMessage) -> list[int]:
    """The ids of the replies in the thread under ``msg`` (none under a reply)."""
    if msg.parent_id is not None:
        return []
    return list(db.session.scalars(select(ChatMessage.id).where(ChatMessage.parent_id == msg.id)))
