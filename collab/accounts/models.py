from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, String, Text, func, text, update
from sqlalchemy.orm import Mapped, mapped_column, validates
from werkzeug.security import check_password_hash, generate_password_hash

from collab.concurrency import offload
from collab.db import TimestampMixin, UTCDateTime, utcnow
from collab.extensions import db
from collab.text import SORT_KEY_LENGTH, sort_key, sort_key_default


def _nonce() -> str:
    return secrets.token_hex(8)


class PersonDisplay:
    """How a person is shown (name, initials); shared by User and the light Face rows."""

    id: int
    username: str
    display_name: str

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def initials(self) -> str:
        parts = self.name.split()
        if len(parts) >= 2 and parts[0][:1].isascii():
            return (parts[0][:1] + parts[-1][:1]).upper()
        return self.name[:2].upper() if self.name[:1].isascii() else self.name[:1]


class Face(PersonDisplay):
    """A person as a list shows them, from a plain row (no ORM object per person)."""

    __slots__ = ("id", "username", "display_name", "avatar")

    def __init__(self, id: int, username: str, display_name: str, avatar: str | None):  # noqa: A002
        self.id, self.username, self.display_name, self.avatar = id, username, display_name, avatar

    @classmethod
    def columns(cls):
        return (User.id, User.username, User.display_name, User.avatar)


class User(PersonDisplay, UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    # Where the person goes in alphabetical lists (collab.text.sort_key: 张伟 sorts as "zhang wei");
    # kept by the validator below, and by the default for rows inserted without the model.
    sort_name: Mapped[str] = mapped_column(String(SORT_KEY_LENGTH), nullable=False, server_default="",
                                           default=sort_key_default("display_name", "username"), deferred=True)
    title: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    department: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    location: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    # Loaded on first use: the user loader runs on every request and rarely needs them.
    bio: Mapped[str] = mapped_column(Text, nullable=False, default="", deferred=True)
    bio_html: Mapped[str] = mapped_column(Text, nullable=False, default="", deferred=True)
    expertise: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    avatar: Mapped[str | None] = mapped_column(String(80))
    locale: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_deactivated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Part of the session id: rotating it ends every session and remember-me cookie.
    session_nonce: Mapped[str] = mapped_column(String(32), nullable=False, default=_nonce)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_users_department", "department"),
        # Names are looked up without regard to case (sign-in, @mentions, chat, search's author
        # facet, the audit log): an index on the lower-cased name, not a scan of every account.
        Index("ix_users_username_lower", func.lower(text("username"))),
        Index("ix_users_email_lower", func.lower(text("email"))),  # sign-in takes a name or an email
        Index("ix_users_sort_name", "sort_name", "id"),
    )

    @validates("display_name", "username")
    def _keep_sort_name(self, key: str, value: str) -> str:
        names = {"display_name": getattr(self, "display_name", None), "username": getattr(self, "username", None),
                 key: value}
        self.sort_name = sort_key(names["display_name"] or names["username"])
        return value

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return not self.is_deactivated

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def end_sessions(self) -> None:
        self.session_nonce = _nonce()

    def set_password(self, password: str) -> None:
        from flask import current_app, has_app_context

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        # scrypt takes a CPU for a while: under the gevent worker, in a native thread, not on the hub.
        self.password_hash = offload(generate_password_hash, password, method=method)
        self.end_sessions()
        if self.id is not None:  # a reset link made before stops working: the password it was for is gone
            db.session.execute(update(PasswordReset).where(PasswordReset.user_id == self.id,
                                                           PasswordReset.used_at.is_(None))
                               .values(used_at=utcnow()).execution_options(synchronize_session=False))

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and offload(check_password_hash, self.password_hash, password)

    @property
    def expertise_tags(self) -> list[str]:
        return [t for t in (x.strip() for x in self.expertise.split(",")) if t]

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class SiteInvite(TimestampMixin, db.Model):
    """An invitation to register while registration is invite-only."""

    __tablename__ = "site_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, nullable=False, default=lambda: secrets.token_urlsafe(24))
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    def mark_used(self, user: User) -> None:
        self.used_by_id = user.id
        self.used_at = utcnow()


class PasswordReset(db.Model):
    """A one-time link to set a new password, made by an admin. Only a hash of the token is kept;
    a link works once, until it expires, and a newer link for the same person replaces it."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Follow(db.Model):
    """One person follows another: the follower's home stream shows what the followed person does
    (in the places the follower may see)."""

    __tablename__ = "follows"

    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    followed_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    __table_args__ = (Index("ix_follows_followed", "followed_id", "follower_id"),)
