"""Chat rules: who may read and write which room, storing messages under the delivery contract,
edits, deletions, reactions, replies in threads, read positions (reading a room's history, its
threads and searching it: chat.queries).

Services never touch ``request``; callers pass the user. Writes must run in a transaction begun
as a writer (``collab.db.write_intent``): on SQLite that is BEGIN IMMEDIATE, so the room counter
below is taken under the database's write lock; on PostgreSQL the UPDATE of the room's row locks
it until the commit. Either way two senders never get the same ``seq`` and no ``seq`` is skipped
(a failed insert rolls the counter back with it).
"""
from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from collab import access, activity, moderation
from collab.accounts.mentions import mention_resolver, mentioned_people
from collab.accounts.models import User
from collab.db import utcnow, write_intent
from collab.extensions import db
from collab.text import render_inline
from collab.ids import parse_id
from communities.models import Community

from .queries import reply_ids
from .models import (
    BODY_MAX, CLIENT_ID_MAX, COMMUNITY, DIRECT, DIRECT_MAX, NAME_MAX, SLUG_MAX, ChatMessage,
    ChatParticipant, ChatReaction, ChatRoom,
)

REACTIONS = ("👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀", "✅", "🚀")
DEFAULT_SLUG = "general"


class ChatError(Exception):
    """A refusal with a translated, user-facing message; ``code`` is stable for clients."""

    def __init__(self, message, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.code = code


# --------------------------------------------------------------------------- access


def may_read(user, room: ChatRoom) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if room.kind == DIRECT:
        return is_participant(user, room)
    community = room.community
    return community is not None and community.has_tool("chat") and access.can_view(user, community)


def may_post(user, room: ChatRoom) -> bool:
    if not may_read(user, room):
        return False
    if room.kind == DIRECT:
        return True
    return access.can_post(user, room.community)


def may_manage_rooms(user, community: Community) -> bool:
    return access.can_manage(user, community) and not community.is_archived


def may_moderate(user, room: ChatRoom) -> bool:
    """Acts on the room's hidden messages as the moderation queue does (collab.moderation): a
    community room's moderators, owners and the site admins; a conversation's: site admins."""
    if room.kind == COMMUNITY:
        return access.can_moderate(user, room.community)
    return access.is_admin(user)


def is_participant(user, room: ChatRoom) -> bool:
    return db.session.scalar(select(ChatParticipant.user_id).where(
        ChatParticipant.room_id == room.id, ChatParticipant.user_id == user.id)) is not None


def readable_room(user, room_id) -> ChatRoom:
    """The room with this id if ``user`` may read it; the same error for missing and forbidden."""
    room = db.session.get(ChatRoom, room_id) if isinstance(room_id, int) and parse_id(room_id) is not None else None
    if room is None or not may_read(user, room):
        raise ChatError(_l("There is no such room."), "no_room")
    return room


# --------------------------------------------------------------------------- rooms


def slugify(name: str) -> str:
    slug = re.sub(r"[^\w]+", "-", name.strip().lower(), flags=re.UNICODE).strip("-_")
    return slug[:SLUG_MAX].strip("-") or "room"


def community_rooms(community: Community) -> list[ChatRoom]:
    return list(db.session.scalars(select(ChatRoom).where(ChatRoom.community_id == community.id)
                                   .order_by(ChatRoom.is_default.desc(), ChatRoom.name)))


def default_room(community: Community) -> ChatRoom:
    """The community's default room. A community gets it as it is created (``add_default_room``);
    one created before that gets it when its chat page is first opened (safe when two requests race)."""
    room = db.session.scalar(select(ChatRoom).where(ChatRoom.community_id == community.id,
                                                    ChatRoom.is_default.is_(True)))
    if room is not None:
        return room
    try:
        with db.session.begin_nested():
            room = add_default_room(community)
    except IntegrityError:
        room = db.session.scalar(select(ChatRoom).where(ChatRoom.community_id == community.id,
                                                        ChatRoom.slug == DEFAULT_SLUG))
    return room


def add_default_room(community: Community) -> ChatRoom:
    """Add the default room of a community (collab.tools' on_community_created: a new community
    has none, and nobody else sees it before the commit, so no savepoint; releasing one would run
    the session's after-commit hooks in the middle of the transaction that creates the community)."""
    room = ChatRoom(kind=COMMUNITY, community_id=community.id, slug=DEFAULT_SLUG, name="general", is_default=True)
    db.session.add(room)
    return room


def room_by_slug(community: Community, slug: str) -> ChatRoom | None:
    return db.session.scalar(select(ChatRoom).where(ChatRoom.community_id == community.id,
                                                    ChatRoom.slug == slug))


def create_room(community: Community, user: User, name: str, topic: str = "") -> ChatRoom:
    if not may_manage_rooms(user, community):
        raise ChatError(_l("Only the community's owners can add rooms."), "forbidden")
    name = " ".join((name or "").split())
    if not name:
        raise ChatError(_l("Give the room a name."), "name")
    if len(name) > NAME_MAX:
        raise ChatError(_l("A room name can be at most %(num)d characters.", num=NAME_MAX), "name")
    slug = slugify(name)
    default_room(community)
    if room_by_slug(community, slug) is not None:
        raise ChatError(_l("This community already has a room with that name."), "name")
    room = ChatRoom(kind=COMMUNITY, community_id=community.id, slug=slug, name=name,
                    topic=(topic or "").strip()[:300], created_by_id=user.id)
    db.session.add(room)
    db.session.flush()
    from collab import audit

    audit.record(user, "chat.room_create", target=f"chat_room:{room.id}", label=name, community=community,
                 after={"name": name, "topic": room.topic})
    return room


def direct_room(starter: User, others: list[User]) -> ChatRoom:
    """The conversation between ``starter`` and ``others`` (one group, one room)."""
    people = {u.id: u for u in [starter, *others] if u is not None and u.is_active}
    if len(people) < 2:
        raise ChatError(_l("Choose at least one other person."), "people")
    if len(people) > DIRECT_MAX:
        raise ChatError(_l("A conversation can have at most %(num)d people.", num=DIRECT_MAX), "people")
    key = ",".join(str(i) for i in sorted(people))
    room = db.session.scalar(select(ChatRoom).where(ChatRoom.direct_key == key))
    if room is not None:
        return room
    try:
        with db.session.begin_nested():
            room = ChatRoom(kind=DIRECT, direct_key=key, created_by_id=starter.id)
            db.session.add(room)
            db.session.flush()
            for uid in people:
                db.session.add(ChatParticipant(room_id=room.id, user_id=uid))
    except IntegrityError:
        room = db.session.scalar(select(ChatRoom).where(ChatRoom.direct_key == key))
    return room


def participants(room: ChatRoom) -> list[User]:
    return list(db.session.scalars(select(User).join(ChatParticipant, ChatParticipant.user_id == User.id)
                                   .where(ChatParticipant.room_id == room.id).order_by(User.username)))


def room_title(room: ChatRoom, viewer) -> str:
    if room.kind == COMMUNITY:
        return room.name
    names = [u.name for u in participants(room) if viewer is None or u.id != viewer.id]
    return ", ".join(names) or (viewer.name if viewer else "")


def room_url(room: ChatRoom) -> str:
    if room.kind == COMMUNITY:
        return url_for("chat.room", slug=room.community.slug, room_slug=room.slug)
    return url_for("chat.direct", room_id=room.id)


def history_url(room: ChatRoom, **kw) -> str:
    if room.kind == COMMUNITY:
        return url_for("chat.history", slug=room.community.slug, room_slug=room.slug, **kw)
    return url_for("chat.direct_history", room_id=room.id, **kw)


def message_urls(room: ChatRoom, messages: list[ChatMessage]) -> dict[int, str]:
    """{message id: where the message is shown}: the history page from the message on; for a thread
    reply from its root on (the page lists room messages, each with its thread), anchored at the reply."""
    roots = {m.parent_id for m in messages if m.parent_id is not None}
    root_seq = dict(db.session.execute(select(ChatMessage.id, ChatMessage.seq)
                                       .where(ChatMessage.id.in_(roots))).all()) if roots else {}
    return {m.id: history_url(room, at=root_seq.get(m.parent_id, m.seq)) + f"#m{m.seq}" for m in messages}


def message_url(msg: ChatMessage) -> str:
    return message_urls(msg.room, [msg])[msg.id]


# --------------------------------------------------------------------------- messages


def render(body: str) -> str:
    return render_inline(body, mention=mention_resolver(body))


def _notify_mentions(user: User, msg: ChatMessage, previous: str | None = None) -> None:
    """People newly @mentioned hear of it, if they may read the room: a community room's readers
    (the core filters by community), or a conversation's participants only."""
    named = mentioned_people(msg.body, previous)
    if not named:
        return
    room = msg.room
    ids = [uid for uid, _name in named.values()]
    community = room.community if room.kind == COMMUNITY else None
    if room.kind != COMMUNITY:
        members = set(db.session.scalars(select(ChatParticipant.user_id).where(ChatParticipant.room_id == room.id)))
        ids = [uid for uid in ids if uid in members]
    if not ids:
        return
    # url_for needs a request: sockets and views have one, commands and data generators do not.
    with nullcontext() if has_request_context() else current_app.test_request_context("/"):
        url = message_url(msg)
        title = f"#{room.name}" if room.kind == COMMUNITY else room_title(room, None)
    activity.notify(ids, "mention", actor=user, key=f"chat_message:{msg.id}", community=community,
                    title=title, url=url, group=f"chat_room:{room.id}")


def clean_body(body) -> str:
    if not isinstance(body, str):
        raise ChatError(_l("A message needs text."), "body")
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ChatError(_l("A message needs text."), "body")
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (text cut inside an emoji): no database keeps it
        raise ChatError(_l("The message has characters that are not valid text."), "body") from None
    if len(body) > BODY_MAX:
        raise ChatError(_l("A message can be at most %(num)d characters.", num=BODY_MAX), "too_long")
    return body


def clean_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not client_id or len(client_id) > CLIENT_ID_MAX \
            or not re.fullmatch(r"[A-Za-z0-9_.:-]+", client_id):
        raise ChatError(_l("The message has no valid client id."), "client_id")
    return client_id


def by_client_id(room: ChatRoom, user: User, client_id: str) -> ChatMessage | None:
    return db.session.scalar(select(ChatMessage).where(
        ChatMessage.room_id == room.id, ChatMessage.sender_id == user.id, ChatMessage.client_id == client_id))


# The send path's statements, built once (building them per message cost more than running them).
_NEXT_SEQ = (update(ChatRoom).where(ChatRoom.id == bindparam("b_room"))
             .values(last_seq=ChatRoom.last_seq + 1, last_message_at=bindparam("b_now"))
             .returning(ChatRoom.last_seq))
_MOVE_READ = (update(ChatParticipant)
              .where(ChatParticipant.room_id == bindparam("b_room"), ChatParticipant.user_id == bindparam("b_user"),
                     ChatParticipant.last_read_seq < bindparam("b_seq"))
              .values(last_read_seq=bindparam("b_seq")).execution_options(synchronize_session="fetch"))


def post_message(user: User, room: ChatRoom, body, client_id, parent_id=None) -> tuple[ChatMessage, bool]:
    """Store a message and commit; returns (message, created). A retry with the same client id
    returns the stored message and ``created`` False. Broadcast after this returns.

    The checks, the idempotency lookup and the rendering run first, in whatever (reading)
    transaction the session has; that one is then ended and the message is written in a
    transaction of its own, begun as a writer, that holds the write lock (SQLite) or the room's
    row lock (PostgreSQL) only for its few statements. Anything the caller had pending is
    committed with it."""
    client_id = clean_client_id(client_id)
    body = clean_body(body)
    if not may_post(user, room):
        if may_read(user, room):
            raise ChatError(_l("Join the community to write in its rooms."), "forbidden")
        raise ChatError(_l("There is no such room."), "no_room")
    # A retry (the same client id) is found by the unique index when the INSERT below fails: a
    # look-up first would cost a query on every message for the rare retry.
    if room.kind == COMMUNITY and moderation.must_wait(user, room.community):
        existing = by_client_id(room, user, client_id)
        if existing is not None:
            return existing, False
        # Pre-moderation: a chat message held for approval would appear long after the talk
        # moved on, so a new member reads the rooms and writes once a first post is approved.
        raise ChatError(_l("This community is pre-moderated: you can write in its chat once a moderator has "
                           "approved one of your posts."), "forbidden")
    parent = None
    if parent_id is not None:
        parent = db.session.get(ChatMessage, parent_id) if isinstance(parent_id, int) and not isinstance(parent_id, bool) else None
        if _open_thread(user, room, parent) and parent.parent_id is not None:
            parent = db.session.get(ChatMessage, parent.parent_id)  # a reply to a reply: in the root's thread
        if not _open_thread(user, room, parent):
            raise ChatError(_l("The message you reply to is gone."), "no_parent")
    html = render(body)
    room_id, user_id, parent_pk = room.id, user.id, parent.id if parent is not None else None
    now = utcnow()
    _commit_keeping()  # end the reading transaction: the write must begin as a writer
    with write_intent():
        try:
            seq = db.session.execute(_NEXT_SEQ, {"b_room": room_id, "b_now": now}).scalar_one()
            message = ChatMessage(room_id=room_id, seq=seq, sender_id=user_id, client_id=client_id,
                                  body=body, body_html=html, created_at=now, parent_id=parent_pk)
            db.session.add(message)
            if parent_pk is not None:
                db.session.execute(update(ChatMessage).where(ChatMessage.id == parent_pk)
                                   .values(reply_count=ChatMessage.reply_count + 1))
            db.session.flush()
        except IntegrityError:
            # The same client id was stored meanwhile (a retry racing the first send).
            db.session.rollback()
            existing = by_client_id(room, user, client_id)
            if existing is None:
                raise
            return existing, False
        _set_read_ids(user_id, room_id, seq)
        _notify_mentions(user, message)
        # The broadcast's payload, made from what is being stored (a new message has no reactions):
        # after the commit, reading it back would cost three more queries per message.
        message.payload = to_dict(message, [])
        # Nothing read here changed but the room's counter (written through a statement).
        _commit_keeping((room, ["last_seq", "last_message_at", "updated_at"]))
    return message, True


def may_reply(user, parent: ChatMessage) -> bool:
    """A reply under ``parent`` (in its thread) would be taken: the thread offers its composer only then."""
    room = parent.room
    root = parent.parent if parent.parent_id is not None else parent
    return may_post(user, room) and _open_thread(user, room, root)


def _open_thread(user, room: ChatRoom, parent: ChatMessage | None) -> bool:
    """A reply may go under ``parent``: it is in the room and shown there (the history shows no
    thread of a deleted message; a hidden one's takes replies from its moderators only)."""
    return (parent is not None and parent.room_id == room.id and not parent.is_deleted
            and (not parent.moderation or may_moderate(user, room)))


def _commit_keeping(*stale: tuple) -> None:
    """Commit without expiring what the session holds (the person, the room, the message were
    read or written in these transactions: reloading them would cost a query each, on every
    message), then expire only the ``(object, [attributes])`` that changed behind the ORM's back."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    for obj, attrs in stale:
        session.expire(obj, attrs)


def message_in(user, message_id) -> ChatMessage:
    msg = db.session.get(ChatMessage, message_id) if isinstance(message_id, int) and not isinstance(message_id, bool) else None
    if msg is None or not may_read(user, msg.room):
        raise ChatError(_l("That message is gone."), "no_message")
    return msg


def _may_change(user, msg: ChatMessage) -> bool:
    room = msg.room
    if not may_post(user, room):
        return False
    return msg.sender_id == user.id


def edit_message(user: User, msg: ChatMessage, body) -> ChatMessage:
    body = clean_body(body)
    if msg.is_deleted:
        raise ChatError(_l("That message is gone."), "no_message")
    if not _may_change(user, msg):
        raise ChatError(_l("You can only change your own messages."), "forbidden")
    if msg.moderation and not may_moderate(user, msg.room):
        # What a moderator would show again is what they reviewed (forums refuse the same).
        raise ChatError(_l("This message is hidden until a moderator reviews it: it cannot be changed meanwhile."),
                        "hidden")
    if body != msg.body:
        previous = msg.body
        msg.body, msg.body_html, msg.edited_at = body, render(body), utcnow()
        db.session.flush()
        _notify_mentions(user, msg, previous)
    db.session.flush()
    return msg


def delete_message(user: User, msg: ChatMessage) -> ChatMessage:
    if msg.is_deleted:
        return msg
    room = msg.room
    own = msg.sender_id == user.id and may_post(user, room)
    moderator = room.kind == COMMUNITY and may_read(user, room) and access.can_moderate(user, room.community)
    if not (own or moderator):
        raise ChatError(_l("You can only change your own messages."), "forbidden")
    if not own:
        from collab import audit

        audit.record(user, "chat.delete_message", target=f"chat_message:{msg.id}", label=room_title(room, None),
                     community=room.community)
    msg.is_deleted, msg.body, msg.body_html, msg.edited_at = True, "", "", utcnow()
    db.session.query(ChatReaction).filter(ChatReaction.message_id == msg.id).delete()
    activity.retract(thread_keys(msg))
    db.session.flush()
    return msg


def thread_keys(msg: ChatMessage) -> list[str]:
    """The activity keys a deleted message takes with it: its own and its replies' (the room shows
    no thread under a deleted message, so a mention in a reply would lead nowhere)."""
    return [f"chat_message:{i}" for i in (msg.id, *reply_ids(msg))]


def react(user: User, msg: ChatMessage, emoji, on) -> ChatMessage:
    if emoji not in REACTIONS or not isinstance(on, bool):
        raise ChatError(_l("That reaction is not available."), "emoji")
    if msg.is_deleted:
        raise ChatError(_l("That message is gone."), "no_message")
    if not may_post(user, msg.room):
        raise ChatError(_l("Join the community to write in its rooms."), "forbidden")
    row = db.session.get(ChatReaction, (msg.id, user.id, emoji))
    if on and row is None:
        try:
            with db.session.begin_nested():
                db.session.add(ChatReaction(message_id=msg.id, user_id=user.id, emoji=emoji))
        except IntegrityError:
            pass
    elif not on and row is not None:
        db.session.delete(row)
    db.session.flush()
    return msg


def reactions_of(message_ids: list[int]) -> dict[int, list[dict]]:
    """{message id: [{"emoji", "count", "users": [usernames]}]} in the order of REACTIONS."""
    if not message_ids:
        return {}
    rows = db.session.execute(
        select(ChatReaction.message_id, ChatReaction.emoji, User.username)
        .join(User, User.id == ChatReaction.user_id)
        .where(ChatReaction.message_id.in_(message_ids)).order_by(ChatReaction.created_at)).all()
    out: dict[int, dict[str, list[str]]] = {}
    for mid, emoji, username in rows:
        out.setdefault(mid, {}).setdefault(emoji, []).append(username)
    order = {e: i for i, e in enumerate(REACTIONS)}
    return {mid: [{"emoji": e, "count": len(us), "users": us} for e, us in sorted(d.items(), key=lambda kv: order.get(kv[0], 99))]
            for mid, d in out.items()}


def to_dict(msg: ChatMessage, reactions: list[dict] | None = None) -> dict:
    sender = msg.sender
    return {
        "id": msg.id, "room": msg.room_id, "seq": msg.seq, "client_id": msg.client_id,
        "parent": msg.parent_id, "replies": msg.reply_count,
        "sender": {"id": sender.id, "username": sender.username, "name": sender.name} if sender else None,
        "html": msg.body_html, "body": msg.body,
        "created": msg.created_at.isoformat(), "edited": msg.edited_at.isoformat() if msg.edited_at and not msg.is_deleted else None,
        "deleted": msg.is_deleted, "reactions": reactions or [],
    } | ({"html": "", "body": "", "hidden": True, "reactions": []} if msg.moderation else {})


def dicts(messages: list[ChatMessage]) -> list[dict]:
    reactions = reactions_of([m.id for m in messages])
    return [to_dict(m, reactions.get(m.id)) for m in messages]


# --------------------------------------------------------------------------- read positions


def _set_read(user: User, room: ChatRoom, seq: int) -> int:
    return _set_read_ids(user.id, room.id, seq)


def _set_read_ids(user_id: int, room_id: int, seq: int) -> int:
    # The common case (reading on, or sending: the position only grows) in one statement.
    moved = db.session.execute(_MOVE_READ, {"b_room": room_id, "b_user": user_id, "b_seq": seq}).rowcount
    if moved:
        return seq
    row = db.session.get(ChatParticipant, (room_id, user_id))
    if row is None:
        try:
            with db.session.begin_nested():
                row = ChatParticipant(room_id=room_id, user_id=user_id, last_read_seq=seq)
                db.session.add(row)
        except IntegrityError:
            row = db.session.get(ChatParticipant, (room_id, user_id))
    if row.last_read_seq < seq:
        row.last_read_seq = seq
    db.session.flush()
    return row.last_read_seq


def mark_read(user: User, room: ChatRoom, seq) -> int:
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ChatError(_l("The read position is not a number."), "seq")
    return _set_read(user, room, min(seq, room.last_seq))


def last_read(user: User, room: ChatRoom) -> int:
    return db.session.scalar(select(ChatParticipant.last_read_seq).where(
        ChatParticipant.room_id == room.id, ChatParticipant.user_id == user.id)) or 0


def first_unread(user: User, room: ChatRoom) -> int | None:
    read = last_read(user, room)
    return db.session.scalar(select(func.min(ChatMessage.seq)).where(
        ChatMessage.room_id == room.id, ChatMessage.seq > read, ChatMessage.parent_id.is_(None),
        or_(ChatMessage.sender_id.is_(None), ChatMessage.sender_id != user.id)))


@dataclass
class RoomEntry:
    room: ChatRoom
    title: str
    url: str
    unread: int
    community: Community | None


def my_rooms(user: User) -> list[RoomEntry]:
    """Rooms the person is in (conversations, and community rooms they opened and may still
    read), most recently active first, with unread counts."""
    rows = db.session.execute(
        select(ChatRoom, ChatParticipant.last_read_seq)
        .join(ChatParticipant, ChatParticipant.room_id == ChatRoom.id)
        .where(ChatParticipant.user_id == user.id)
        .order_by(ChatRoom.last_message_at.desc().nulls_last(), ChatRoom.id.desc())).all()
    out = []
    for room, read in rows:
        if room.kind == COMMUNITY and not may_read(user, room):
            continue
        out.append(RoomEntry(room, room_title(room, user), room_url(room), max(0, room.last_seq - read),
                             room.community))
    return out


def unread_total(user: User) -> int:
    """Unread messages over every room the person is in (for the navigation)."""
    rows = db.session.execute(
        select(ChatRoom.kind, ChatRoom.community_id, ChatRoom.last_seq - ChatParticipant.last_read_seq)
        .join(ChatParticipant, ChatParticipant.room_id == ChatRoom.id)
        .where(ChatParticipant.user_id == user.id, ChatRoom.last_seq > ChatParticipant.last_read_seq)).all()
    total = 0
    visible = None
    for kind, community_id, n in rows:
        if kind == COMMUNITY:
            if visible is None:
                visible = set(db.session.scalars(access.visible_community_ids(user)))
            if community_id not in visible:
                continue
        total += n
    return total


def unread_in(user: User, room: ChatRoom) -> int:
    return max(0, room.last_seq - last_read(user, room))


def rooms_of_community(community_id: int) -> list[int]:
    return list(db.session.scalars(select(ChatRoom.id).where(ChatRoom.community_id == community_id)))
