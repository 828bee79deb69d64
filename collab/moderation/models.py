"""Moderation data: flags, each community's pre-moderation switch, items waiting for approval,
the people whose posts no longer wait, and the decisions told to authors."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collab.db import UTCDateTime, utcnow
from collab.extensions import db

KEY_MAX = 80
TITLE_MAX = 300
DETAILS_MAX = 500
REASON_MAX = 1000

REASONS = ("spam", "offensive", "off_topic", "confidential", "other")
OPEN, RESOLVED = "open", "resolved"
# What a moderator decided.
KEEP, HIDE, DELETE, UNHIDE, APPROVE, REJECT = "keep", "hide", "delete", "unhide", "approve", "reject"
DECISIONS = (KEEP, HIDE, DELETE, UNHIDE, APPROVE, REJECT)


class ModerationFlag(db.Model):
    """One person's report about one item. At most one open flag per reporter and item."""

    __tablename__ = "moderation_flags"
    __table_args__ = (
        Index("ix_moderation_flags_queue", "community_id", "status", "created_at"),
        Index("ix_moderation_flags_key", "item_key", "status"),
        Index("uq_moderation_flags_open", "item_key", "reporter_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False)
    # None: personal content (a personal blog post, a direct conversation): the site queue only
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    details: Mapped[str] = mapped_column(String(DETAILS_MAX), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str | None] = mapped_column(String(10))

    reporter = relationship("User", foreign_keys=[reporter_id], lazy="joined")


class ModerationSettings(db.Model):
    """A community's pre-moderation switch; no row means off."""

    __tablename__ = "moderation_settings"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    premoderation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Members who joined at or after this moment are "new" until one of their posts is approved.
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ModerationPending(db.Model):
    """An item that waits for a moderator's approval (pre-moderation)."""

    __tablename__ = "moderation_pending"
    __table_args__ = (Index("ix_moderation_pending_queue", "community_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False, unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    author = relationship("User", lazy="joined")


class ModerationTrust(db.Model):
    """A member whose posts no longer wait: a moderator approved one of them."""

    __tablename__ = "moderation_trust"
    __table_args__ = (UniqueConstraint("community_id", "user_id", name="uq_moderation_trust"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ModerationDecision(db.Model):
    """What a moderator decided about an item, with the reason: what its author is told."""

    __tablename__ = "moderation_decisions"
    __table_args__ = (Index("ix_moderation_decisions_author", "author_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False, index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(String(10), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False, default="")
    url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    moderator = relationship("User", foreign_keys=[moderator_id], lazy="joined")
    community = relationship("Community")
