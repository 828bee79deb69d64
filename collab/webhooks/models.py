"""Outgoing webhooks: a community's hooks (URL, events, secret) and the delivery queue.

Deliveries are rows written in the same transaction as the activity event they announce, so a
hook hears of exactly the committed changes; a background worker claims due rows (a conditional
UPDATE, so several server processes never send one twice), sends them, and records each attempt."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collab.db import TimestampMixin, UTCDateTime, utcnow
from collab.extensions import db

URL_MAX = 2000
SECRET_MAX = 128
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class Webhook(TimestampMixin, db.Model):
    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_community_id", "community_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    url: Mapped[str] = mapped_column(String(URL_MAX), nullable=False)
    secret: Mapped[str] = mapped_column(String(SECRET_MAX), nullable=False)
    events: Mapped[str] = mapped_column(String(300), nullable=False, default="")  # "created,edited"
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def event_list(self) -> list[str]:
        return [e for e in self.events.split(",") if e]


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False)
    event: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A worker's claim: until this time the row is its own (a crashed worker's claim runs out).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim: Mapped[str | None] = mapped_column(String(32))
    response_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    webhook: Mapped[Webhook] = relationship()
