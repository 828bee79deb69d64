"""Activity data: stream events, notifications and each person's delivery preferences.

Events and notifications keep a snapshot (title, url) of what they are about, plus its key
("type:pk") and group key (the thing a reader sees: the topic of a reply), so the core can show
and retract them without importing the tool that made them. Who may read one is decided at read
time from its community, so leaving a community hides its events and notifications at once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from collab.db import UTCDateTime, utcnow
from collab.extensions import db

KEY_MAX = 80
TITLE_MAX = 300
URL_MAX = 500
SUMMARY_MAX = 300

# What a person did (stream events) ...
VERBS = ("created", "edited", "published", "replied", "answered", "commented", "liked", "joined",
         "submitted", "accepted")
# ... and why someone is told (notifications).
KINDS = ("mention", "reply", "comment", "answer_accepted", "watched_edit", "topic_reply",
         "join_request", "request_approved", "invitation", "idea_status", "moderation", "announcement")
# How a person wants each kind delivered: in the app only, also by email at once, also in the
# daily digest, or not at all.
APP, EMAIL, DIGEST, OFF = "app", "email", "digest", "off"
CHANNELS = (APP, EMAIL, DIGEST, OFF)
# Email state of a notification: nothing to send, send now, wait for the digest, sent.
MAIL_NONE, MAIL_NOW, MAIL_DIGEST, MAIL_SENT = "", "now", "digest", "sent"


class Event(db.Model):
    __tablename__ = "activity_events"
    __table_args__ = (
        Index("ix_activity_events_community_id_id", "community_id", "id"),
        # covering for a followed person's branch of the home stream, visibility filter included
        Index("ix_activity_events_actor_id_id_community_id", "actor_id", "id", "community_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    verb: Mapped[str] = mapped_column(String(20), nullable=False)
    key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False, index=True)
    group_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False, index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    url: Mapped[str] = mapped_column(String(URL_MAX), nullable=False)
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), nullable=False, default="")
    # Not stored: set by record(told_at=...) on a line that comes back (the webhooks told it once).
    told_before = False

    @property
    def object_type(self) -> str:
        return self.key.partition(":")[0]


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        Index("ix_notifications_mail", "mail"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False, index=True)
    group_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False, index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    url: Mapped[str] = mapped_column(String(URL_MAX), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mail: Mapped[str] = mapped_column(String(10), nullable=False, default=MAIL_NONE)
    # Set by the process that is mailing this row (several servers each run a sender); a claim
    # older than mail.CLAIM_LEASE is free again (its process died mid-send).
    mail_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationPreference(db.Model):
    """A person's channel for one kind; no row means the default (in the app only)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default=APP)
