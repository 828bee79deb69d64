"""Live chat and lost access: after a commit that changed who may read a community (someone left
or was removed, a role changed, the community turned restricted or lost its chat), the core
(collab.access_events) calls ``access_changed`` in every server process. Each process takes its own
sockets of the people concerned out of the community's rooms they may no longer read (the same
question every chat event asks: services.may_read), and out of every room of a community they
left (a public one they may join again to read). Those sockets are told with ``removed``; the
others in a joined room see the person go offline. Sockets of people whose sessions ended are
disconnected by the core (collab.realtime.end_sockets).
"""
from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import select

from collab.extensions import db, socketio
from communities.models import Membership

from . import services
from .models import ChatRoom


def access_changed(community_id: int, user_ids: set[int] | None) -> None:
    if not has_app_context() or socketio.server is None:
        return
    from .events import NS, presence, room_key

    server = socketio.server
    # A context of our own: a fresh session (the committing one may not be used after its commit).
    with current_app._get_current_object().app_context():
        try:
            rooms = db.session.scalars(select(ChatRoom).where(ChatRoom.community_id == community_id)).all()
            holders: dict[int, set[str]] = {}  # person -> this process's sockets in or watching a room
            for room in rooms:
                for sid, _eio_sid in list(server.manager.get_participants(NS, room_key(room.id))):
                    user = presence.user_of(sid)
                    if user is not None and (user_ids is None or user["id"] in user_ids):
                        holders.setdefault(user["id"], set()).add(sid)
            if holders:
                for user_id in _losing(community_id, rooms, set(holders), left_possible=user_ids is not None):
                    _leave(holders[user_id], [room.id for room in rooms])
        finally:
            db.session.rollback()


def _losing(community_id: int, rooms, user_ids: set[int], *, left_possible: bool) -> list[int]:
    """Of these people, those who may no longer read the community's rooms (one question per
    person: every room of a community is read by the same people), or who left it. Two reads for
    everyone, not two a person."""
    from collab.accounts.models import User

    people = db.session.scalars(select(User).where(User.id.in_(user_ids))).all()
    members = set(db.session.scalars(select(Membership.user_id).where(
        Membership.community_id == community_id, Membership.user_id.in_(user_ids)))) if left_possible else set()
    return [u.id for u in people if (left_possible and u.id not in members) or not services.may_read(u, rooms[0])] \
        + sorted(user_ids - {u.id for u in people})  # gone from the database altogether


def _leave(sids: set[str], room_ids: list[int]) -> None:
    from .events import NS, presence, room_key

    server = socketio.server
    for sid in sorted(sids):
        user = presence.user_of(sid)
        for room_id in room_ids:
            if presence.exit(sid, room_id):  # the person's last socket in the room
                socketio.emit("presence", {"room": room_id, "user": user, "online": False},
                              to=room_key(room_id), namespace=NS)
            server.leave_room(sid, room_key(room_id), namespace=NS)
        socketio.emit("removed", {"rooms": room_ids}, to=sid, namespace=NS)
