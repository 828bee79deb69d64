"""Provenance links between items of different tools, the drafts a flow prepares for the person
to edit before saving, and what each person hid from related content."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from collab.db import UTCDateTime, utcnow
from collab.extensions import db

KEY_MAX = 80
TITLE_MAX = 300
TAGS_MAX = 300
BODY_MAX = 300_000
URL_MAX = 500

# Kinds of link.
FROM_CHAT, TO_WIKI, COPY = "chat", "wiki", "copy"
KINDS = (FROM_CHAT, TO_WIKI, COPY)
LIST_HIDDEN = "*"  # RelatedHide.key: the person hid the whole related list


class FlowLink(db.Model):
    """``target_key`` was made from ``source_key`` (both "type:pk"). ``source_group`` is the key
    the source is shown under (a chat message's room: "chat_room:5"; otherwise the source key)."""

    __tablename__ = "flow_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    source_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False)
    source_group: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False)
    target_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_flow_links_source_group", "source_group", "id"),
        Index("ix_flow_links_target_key", "target_key"),
        UniqueConstraint("source_key", "target_key", name="uq_flow_links_source_target"),
    )


class FlowDraft(db.Model):
    """What a flow prepared (title, Markdown) for one person to edit and save as a new item.
    Saving records the result, so sending the form again leads to the same item."""

    __tablename__ = "flow_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    receiver: Mapped[str] = mapped_column(String(40), nullable=False)
    # None: the person still chooses the community (a copy).
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    source_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False)
    source_group: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False, default="")
    body: Mapped[str] = deferred(mapped_column(Text, nullable=False, default=""))
    tags: Mapped[str] = mapped_column(String(TAGS_MAX), nullable=False, default="")
    place: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    result_key: Mapped[str | None] = mapped_column(String(KEY_MAX))
    result_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_flow_drafts_user_created", "user_id", "created_at"),)


class RelatedHide(db.Model):
    """An item a person does not want among related content (its search id, "wiki:12"), or
    LIST_HIDDEN for the whole list."""

    __tablename__ = "related_hides"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


