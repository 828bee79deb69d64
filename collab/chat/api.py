"""Chat's REST endpoints (on the core's /api/v1 blueprint): a community's rooms, a room's
messages in sequence order, and posting a message.

Posting follows the delivery contract of the socket's send: the message is stored (with its
per-room sequence number) before it is broadcast, ``client_id`` makes a retry return the stored
message instead of a second one, and the broadcast goes to the live Socket.IO clients in the room
exactly as a message sent from the page (events.announce)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from pydantic import Field
from sqlalchemy import select

from collab import access
from collab.api import ApiError, endpoint
from collab.api.core import decode_cursor, encode_cursor, not_found
from collab.api.endpoints import absolute
from collab.api.schemas import Input, ListQuery, Output, Page, Person, Text, person
from collab.extensions import db

from . import queries, services
from .models import BODY_MAX, CLIENT_ID_MAX, COMMUNITY, ChatRoom
from .services import ChatError


class ChatRoomOut(Output):
    id: int
    slug: str | None
    name: str
    topic: str
    is_default: bool
    last_seq: int = Field(description="The sequence number of the room's latest message.")
    url: str


class ChatMessageOut(Output):
    id: int
    room_id: int
    seq: int = Field(description="The message's place in its room: 1, 2, 3 ...")
    client_id: str | None
    parent_id: int | None
    sender: Person | None
    body: str | None = Field(description="None when the message is deleted or hidden.")
    html: str | None
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    hidden: bool = Field(description="Hidden by a moderator: the room shows it as hidden, its text withheld.")


class ChatPostedMessage(ChatMessageOut):
    duplicate: bool = Field(description="True when this client_id was already stored: nothing new was posted.")


class ChatMessageCreate(Input):
    body: Text(BODY_MAX, min_length=1)
    client_id: str = Field(min_length=1, max_length=CLIENT_ID_MAX, pattern=r"^[A-Za-z0-9_.:-]+$",
                           description="A unique id the client chooses: retrying with it never posts twice.")
    parent_id: int | None = Field(None, ge=1, le=2**31 - 1, description="Reply in the thread of this message.")


class ChatMessageQuery(ListQuery):
    after: int = Field(0, ge=0, le=2**31 - 1, description="Only messages after this sequence number (catch-up).")


def _community(slug: str, user):
    community = access.get_community_or_404(slug, user)
    if not community.has_tool("chat"):
        raise not_found()
    return community


def _room(community, room_id: int, user) -> ChatRoom:
    room = db.session.get(ChatRoom, room_id)
    if room is None or room.kind != COMMUNITY or room.community_id != community.id or not services.may_read(user, room):
        raise not_found()
    return room


def _room_out(room: ChatRoom) -> ChatRoomOut:
    return ChatRoomOut(id=room.id, slug=room.slug, name=room.name, topic=room.topic, is_default=room.is_default,
                   last_seq=room.last_seq, url=absolute(services.room_url(room)))


def _message(d: dict) -> dict:
    withheld = d["deleted"] or d.get("hidden", False)  # as the room shows it: in its place, no text
    return dict(id=d["id"], room_id=d["room"], seq=d["seq"], client_id=d["client_id"], parent_id=d["parent"],
                sender=d["sender"], body=None if withheld else d["body"], html=None if withheld else d["html"],
                created_at=d["created"], edited_at=d["edited"], deleted=d["deleted"], hidden=d.get("hidden", False))


@endpoint("/communities/<slug>/chat/rooms", summary="List a community's chat rooms", tag="Chat",
          response=Page[ChatRoomOut], errors=(404,))
def list_rooms(user, slug: str):
    # Only reads: the default room comes with the community (or its chat page makes it).
    rooms = services.community_rooms(_community(slug, user))
    return Page[ChatRoomOut](items=[_room_out(r) for r in rooms])


@endpoint("/communities/<slug>/chat/rooms/<int:room_id>/messages", summary="A room's messages in order",
          tag="Chat", query=ChatMessageQuery, response=Page[ChatMessageOut], errors=(404,),
          description="Every message after ?after= (thread replies included), oldest first: the same catch-up a "
                      "reconnecting client does, as the room shows it (no replies under a deleted message). "
                      "Follow next_cursor for more.")
def list_messages(user, slug: str, room_id: int, query: ChatMessageQuery):
    room = _room(_community(slug, user), room_id, user)
    cursor = decode_cursor(query.cursor, "after")
    after = cursor["after"] if cursor else query.after
    messages, more = queries.after(room, after, query.limit, as_shown=True)
    items = [ChatMessageOut(**_message(d)) for d in services.dicts(messages)]
    return Page[ChatMessageOut](items=items, next_cursor=encode_cursor({"after": items[-1].seq}) if more and items else None)


_STATUS = {"forbidden": (403, "forbidden"), "no_room": (404, "not_found"), "no_parent": (422, "invalid")}


@endpoint("/communities/<slug>/chat/rooms/<int:room_id>/messages", methods=["POST"], summary="Post a message",
          tag="Chat", body=ChatMessageCreate, response=ChatPostedMessage, status=201, errors=(404,),
          description="Stored with the room's next sequence number, then broadcast to the people in the room live. "
                      "Retrying with the same client_id returns the stored message (duplicate: true).")
def post_message(user, slug: str, room_id: int, body: ChatMessageCreate):
    from .events import announce

    room = _room(_community(slug, user), room_id, user)
    try:
        msg, created = services.post_message(user, room, body.body, body.client_id, body.parent_id)
    except ChatError as e:
        status, code = _STATUS.get(e.code, (422, "invalid"))
        raise ApiError(status, code, e.message, field="body" if e.code in ("body", "too_long") else None) from None
    payload = announce(room, msg, created, user.id)
    return ChatPostedMessage(**_message(payload), duplicate=not created), 201
