"""Personal access tokens: a person's keys for the REST API (/api/v1).

Only a SHA-256 digest of a token is stored (tokens are 256 random bits, so a fast digest is as
safe as a slow one and keeps every API request to one indexed lookup); the token itself is shown
once, when it is made. ``prefix`` (the first characters) lets its owner recognise it in the list.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collab.db import UTCDateTime, utcnow
from collab.extensions import db

NAME_MAX = 80
READ, WRITE = "read", "write"
SCOPES = (READ, WRITE)


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (
        Index("ix_api_tokens_user_id", "user_id"),
        # The form's one-time value: a double submit makes one token.
        UniqueConstraint("user_id", "client_token", name="uq_api_tokens_user_id_client_token"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    prefix: Mapped[str] = mapped_column(String(24), nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    scopes: Mapped[str] = mapped_column(String(40), nullable=False, default=READ)  # "read" | "read write"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    client_token: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User", lazy="joined")

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def allows(self, scope: str) -> bool:
        return scope in self.scope_list

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or utcnow())

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired()
