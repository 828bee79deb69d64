"""Chat data: rooms (a community's named rooms, or a direct conversation between a few people),
the people in them with how far each has read, messages numbered per room, reactions.

Every message of a room has a sequence number ``seq`` (1, 2, 3 ...) taken from the room's
``last_seq`` counter in the transaction that stores it, so history pages and reconnect catch-up are
keyset scans on (room_id, seq), and (room_id, sender_id, client_id) is unique so a retried send is
stored once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collab.accounts.models import User
from collab.db import TimestampMixin, UTCDateTime, utcnow
from collab.extensions import db
from communities.models import Community

COMMUNITY, DIRECT = "community", "direct"
NAME_MAX = 80
SLUG_MAX = 64
BODY_MAX = 8000  # characters of one message
CLIENT_ID_MAX = 64
EMOJI_MAX = 16
DIRECT_MAX = 8  # people in a direct conversation, the starter included


class ChatRoom(TimestampMixin, db.Model):
    __tablename__ = "chat_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default=COMMUNITY)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    slug: Mapped[str | None] = mapped_column(String(SLUG_MAX))
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False, default="")
    topic: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Direct conversations: the sorted participant ids ("3,7,12"), so one group has one room.
    direct_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    community: Mapped[Community | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("community_id", "slug", name="uq_chat_rooms_community_slug"),
    )

    @property
    def is_direct(self) -> bool:
        return self.kind == DIRECT

    def __repr__(self) -> str:
        return f"<ChatRoom {self.id} {self.kind} {self.slug or self.direct_key}>"


class ChatParticipant(db.Model):
    """A person in a room: every member of a direct conversation, and anyone who has opened a
    community room (to remember how far they have read)."""

    __tablename__ = "chat_participants"

    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_read_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (Index("ix_chat_participants_user", "user_id", "room_id"),)


class ChatMessage(db.Model):
    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_id: Mapped[str] = mapped_column(String(CLIENT_ID_MAX), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"))
    reply_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # collab.moderation: "hidden" by a moderator (shown to everyone as hidden, its text withheld).
    moderation: Mapped[str | None] = mapped_column(String(16))

    sender: Mapped[User | None] = relationship(lazy="joined")
    room: Mapped[ChatRoom] = relationship()
    # A thread reply's root (its replies go with it when it is deleted: chat.indexing).
    parent: Mapped[ChatMessage | None] = relationship(remote_side=[id])

    __table_args__ = (
        UniqueConstraint("room_id", "seq", name="uq_chat_messages_room_seq"),
        UniqueConstraint("room_id", "sender_id", "client_id", name="uq_chat_messages_room_sender_client"),
        Index("ix_chat_messages_thread", "parent_id", "seq"),
    )


class ChatReaction(db.Model):
    __tablename__ = "chat_reactions"

    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(EMOJI_MAX), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
