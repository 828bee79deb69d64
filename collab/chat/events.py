"""The /chat Socket.IO namespace.

Client -> server events (each answers through its ack; a refusal also arrives as a
``chat_error`` event, nothing is stored and the connection stays open):

  join     {room, after?}          enter a room; ack: messages (the latest page, or everything
                                   after ``after`` for a reconnect), last_seq, first_unread, online
  watch    {rooms: [id]}           follow unread counts of other rooms; ack: {id: {last_seq, unread}}
  leave    {room}
  send     {room, body, client_id, parent?}  ack: {ok, seq, id, message}; the same client_id twice
                                   stores one message and acks it again
  history  {room, before?, limit?} older room messages
  catchup  {room, after}           everything after a sequence number (thread replies included)
  thread   {message}               a message's replies (none under a deleted one: the room shows
                                   none), and whether one may reply there (can_reply)
  edit     {message, body}  delete {message}  react {message, emoji, on}
  typing   {room, typing}   read {room, seq}

Server -> client: new_message, updated (edit, delete, reactions, reply counts), typing, presence,
unread (to the reader's own sockets), removed (left the community), chat_error.
"""
from __future__ import annotations

import functools
import logging
import threading
from contextlib import nullcontext

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import emit, join_room, leave_room
from limits import parse as parse_limit
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from collab.db import write_intent
from collab.extensions import db, socketio
from collab.realtime import AuthenticatedNamespace, user_room
from collab.ids import INT_MAX

from . import queries, services
from .services import ChatError

log = logging.getLogger(__name__)
NS = "/chat"


def room_key(room_id: int) -> str:
    return f"chat:{room_id}"


# --------------------------------------------------------------------------- presence (per process)


class Presence:
    """Which signed-in people have sockets in which rooms, in this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sids: dict[str, tuple[dict, set[int]]] = {}  # sid -> (user info, rooms)
        self.rooms: dict[int, dict[int, set[str]]] = {}  # room -> user id -> sids

    def connect(self, sid, user: dict):
        with self.lock:
            self.sids[sid] = (user, set())

    def enter(self, sid, room_id) -> bool:
        """True when this is the person's first socket in the room."""
        with self.lock:
            user, rooms = self.sids.get(sid, (None, None))
            if user is None:
                return False
            rooms.add(room_id)
            people = self.rooms.setdefault(room_id, {})
            first = user["id"] not in people
            people.setdefault(user["id"], set()).add(sid)
            return first

    def exit(self, sid, room_id) -> bool:
        """True when the person has no socket left in the room."""
        with self.lock:
            user, rooms = self.sids.get(sid, (None, None))
            if user is None or room_id not in rooms:
                return False
            rooms.discard(room_id)
            people = self.rooms.get(room_id, {})
            sids = people.get(user["id"], set())
            sids.discard(sid)
            if not sids:
                people.pop(user["id"], None)
                if not people:
                    self.rooms.pop(room_id, None)
                return True
            return False

    def rooms_of(self, sid) -> set[int]:
        with self.lock:
            return set(self.sids.get(sid, (None, set()))[1])

    def user_of(self, sid) -> dict | None:
        with self.lock:
            return self.sids.get(sid, (None, None))[0]

    def disconnect(self, sid):
        with self.lock:
            user, rooms = self.sids.get(sid, (None, set()))
        gone = [r for r in list(rooms) if self.exit(sid, r)]
        with self.lock:
            self.sids.pop(sid, None)
        return user, gone

    def online(self, room_id) -> list[dict]:
        with self.lock:
            people = self.rooms.get(room_id, {})
            out = []
            for sids in people.values():
                sid = next(iter(sids))
                out.append(self.sids[sid][0])
            return sorted(out, key=lambda u: u["username"])


presence = Presence()


def _me() -> dict:
    u = current_user
    return {"id": u.id, "username": u.username, "name": u.name}


# --------------------------------------------------------------------------- plumbing


def _fail(event: str, err: ChatError) -> dict:
    payload = {"ok": False, "event": event, "error": err.code, "message": str(err.message)}
    emit("chat_error", payload)
    return payload


def _rate_check():
    limiter = current_app.extensions.get("collab_chat_limiter")
    if limiter is None:
        return
    strategy, item = limiter
    try:
        allowed = strategy.hit(item, "chat", str(current_user.id))
    except Exception:  # the limit store (Redis) is away: chat keeps working, unlimited meanwhile
        logging.getLogger(__name__).warning("chat rate limit store unavailable; message let through")
        return
    if not allowed:
        raise ChatError(_("You are sending too fast. Wait a few seconds and try again."), "rate_limited")


def _run(self, fn, data, limited):
    event = fn.__name__.removeprefix("on_")
    if not current_user.is_authenticated or not current_user.is_active:
        return _fail(event, ChatError(_("Sign in first."), "signed_out"))
    if not isinstance(data, dict):
        return _fail(event, ChatError(_("The event needs an object with its fields."), "invalid"))
    try:
        if limited:
            _rate_check()
        return fn(self, data)
    except ChatError as e:
        db.session.rollback()
        return _fail(event, e)
    except Exception:  # never drop the socket for one bad event
        db.session.rollback()
        log.exception("chat event %s failed", event)
        return _fail(event, ChatError(_("Something went wrong. Try again."), "server"))


def handler(*, write=False, limited=False):
    """Validate the payload shape, turn refusals into an error event, keep the connection."""

    def wrap(fn):
        @functools.wraps(fn)
        def run(self, data=None, *rest):
            # A writing event is a writer from its first statement (loading the signed-in user
            # included): on SQLite a transaction begun as a reader cannot safely become a writer.
            with write_intent() if write else nullcontext():
                return _run(self, fn, data, limited)

        return run

    return wrap


def _int(data: dict, name: str, *, required=True, minimum=0):
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum or value > INT_MAX:
        raise ChatError(_("The field “%(name)s” must be a whole number.", name=name), "invalid")
    return value


def _room(data: dict):
    return services.readable_room(current_user, _int(data, "room", minimum=1))


def _commit_and_announce(msg) -> dict:
    """Commit a change to a message, then tell the room (the payload is read before the commit)."""
    [payload] = services.dicts([msg])
    db.session.commit()
    socketio.emit("updated", payload, to=room_key(payload["room"]), namespace=NS)
    return payload


def announce(room, msg, created: bool, sender_id: int) -> dict:
    """Broadcast a message ``services.post_message`` stored (and committed) to the room's sockets,
    the parent's new reply count, and the unread mark of a conversation's other participants.
    A retry (``created`` False) is not broadcast again. Returns the message's payload. Used by the
    socket's send and by the REST API alike, so both reach live clients the same way."""
    payload = msg.__dict__.get("payload") if created else None  # made just before the commit
    if payload is None:
        [payload] = services.dicts([msg])  # stored (committed) before it is broadcast
    if created:
        parent_row = db.session.get(services.ChatMessage, msg.parent_id) if msg.parent_id else None
        room_id = room.id
        reply_update = {"id": parent_row.id, "room": room_id, "replies": parent_row.reply_count,
                        "reply_only": True} if parent_row is not None else None
        others = [p.id for p in services.participants(room) if p.id != sender_id] if room.is_direct else []
        db.session.rollback()  # end the reading transaction before the network work
        socketio.emit("new_message", payload, to=room_key(room_id), namespace=NS)
        if reply_update:
            socketio.emit("updated", reply_update, to=room_key(room_id), namespace=NS)
        for uid in others:
            socketio.emit("unread", {"room": room_id, "last_seq": payload["seq"]}, to=user_room(uid),
                          namespace=NS)
    return payload


# --------------------------------------------------------------------------- the namespace


class ChatNamespace(AuthenticatedNamespace):
    def on_connect(self, auth=None):
        super().on_connect(auth)
        presence.connect(request.sid, _me())

    def on_disconnect(self, *args):
        user, gone = presence.disconnect(request.sid)
        for room_id in gone:
            socketio.emit("presence", {"room": room_id, "user": user, "online": False},
                          to=room_key(room_id), namespace=NS)

    @handler()
    def on_join(self, data):
        room = _room(data)
        after = _int(data, "after", required=False)
        join_room(room_key(room.id))
        if presence.enter(request.sid, room.id):
            emit("presence", {"room": room.id, "user": _me(), "online": True}, to=room_key(room.id),
                 include_self=False)
        if after is not None:
            messages, more = queries.after(room, after)
        else:
            messages, more = queries.before(room)
        return {
            "ok": True, "room": room.id, "last_seq": room.last_seq, "messages": services.dicts(messages),
            "more": more, "catchup": after is not None,
            "last_read": services.last_read(current_user, room),
            "first_unread": services.first_unread(current_user, room),
            "online": presence.online(room.id), "can_post": services.may_post(current_user, room),
        }

    @handler()
    def on_watch(self, data):
        ids = data.get("rooms")
        if not isinstance(ids, list) or len(ids) > 200:
            raise ChatError(_("The field “%(name)s” must be a list.", name="rooms"), "invalid")
        out = {}
        for rid in ids:
            try:
                room = services.readable_room(current_user, rid)
            except ChatError:
                continue
            join_room(room_key(room.id))
            out[str(room.id)] = {"last_seq": room.last_seq, "unread": services.unread_in(current_user, room)}
        return {"ok": True, "rooms": out}

    @handler()
    def on_leave(self, data):
        room_id = _int(data, "room", minimum=1)
        leave_room(room_key(room_id))
        if presence.exit(request.sid, room_id):
            emit("presence", {"room": room_id, "user": _me(), "online": False}, to=room_key(room_id))
        return {"ok": True}

    @handler(limited=True)  # post_message writes in a short transaction of its own
    def on_send(self, data):
        room = _room(data)
        parent = _int(data, "parent", required=False, minimum=1)
        msg, created = services.post_message(current_user, room, data.get("body"), data.get("client_id"),
                                             parent)
        payload = announce(room, msg, created, current_user.id)
        return {"ok": True, "seq": payload["seq"], "id": payload["id"], "duplicate": not created, "message": payload}

    @handler()
    def on_history(self, data):
        room = _room(data)
        before = _int(data, "before", required=False, minimum=1)
        messages, more = queries.before(room, before, data.get("limit", queries.PAGE))
        return {"ok": True, "room": room.id, "messages": services.dicts(messages), "more": more}

    @handler()
    def on_catchup(self, data):
        room = _room(data)
        messages, more = queries.after(room, _int(data, "after"))
        return {"ok": True, "room": room.id, "messages": services.dicts(messages), "more": more,
                "last_seq": room.last_seq}

    @handler()
    def on_thread(self, data):
        parent = services.message_in(current_user, _int(data, "message", minimum=1))
        replies = [] if parent.is_deleted else queries.thread(parent)
        return {"ok": True, "parent": services.dicts([parent])[0], "messages": services.dicts(replies),
                "can_reply": services.may_reply(current_user, parent)}

    @handler(write=True, limited=True)
    def on_edit(self, data):
        msg = services.message_in(current_user, _int(data, "message", minimum=1))
        services.edit_message(current_user, msg, data.get("body"))
        return {"ok": True, "message": _commit_and_announce(msg)}

    @handler(write=True, limited=True)
    def on_delete(self, data):
        msg = services.message_in(current_user, _int(data, "message", minimum=1))
        services.delete_message(current_user, msg)
        _commit_and_announce(msg)
        return {"ok": True}

    @handler(write=True, limited=True)
    def on_react(self, data):
        msg = services.message_in(current_user, _int(data, "message", minimum=1))
        services.react(current_user, msg, data.get("emoji"), data.get("on"))
        _commit_and_announce(msg)
        return {"ok": True}

    @handler()
    def on_typing(self, data):
        room_id = _int(data, "room", minimum=1)
        if room_id not in presence.rooms_of(request.sid):
            raise ChatError(_("Join the room first."), "not_joined")
        typing = data.get("typing")
        if not isinstance(typing, bool):
            raise ChatError(_("The field “%(name)s” must be true or false.", name="typing"), "invalid")
        emit("typing", {"room": room_id, "user": _me(), "typing": typing}, to=room_key(room_id),
             include_self=False)
        return {"ok": True}

    @handler(write=True)
    def on_read(self, data):
        room = _room(data)
        seq = services.mark_read(current_user, room, _int(data, "seq"))
        unread = services.unread_in(current_user, room)
        total = services.unread_total(current_user)
        room_id, me = room.id, current_user.id
        db.session.commit()
        socketio.emit("unread", {"room": room_id, "unread": unread, "total": total, "last_read": seq},
                      to=user_room(me), namespace=NS)
        return {"ok": True, "last_read": seq, "unread": unread, "total": total}


def init_chat(app) -> None:
    """Register the namespace on the server init_app just built, and the rate limiter."""
    socketio.on_namespace(ChatNamespace(NS))
    rate = app.config.get("CHAT_RATE_LIMIT")
    if rate:
        storage = storage_from_string(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
        app.extensions["collab_chat_limiter"] = (MovingWindowRateLimiter(storage), parse_limit(rate))
    else:
        app.extensions.pop("collab_chat_limiter", None)
    from collab import access_events

    from .live_access import access_changed

    access_events.on_access_changed(access_changed)
