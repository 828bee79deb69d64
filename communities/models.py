from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from collab.accounts.models import User
from collab.db import TimestampMixin, utcnow, UTCDateTime
from collab.extensions import db
from collab.text import SORT_KEY_LENGTH, sort_key, sort_key_default

PUBLIC, MODERATED, RESTRICTED = "public", "moderated", "restricted"
ACCESS_LEVELS = (PUBLIC, MODERATED, RESTRICTED)
OWNER, MODERATOR, MEMBER = "owner", "moderator", "member"
ROLES = (OWNER, MODERATOR, MEMBER)
ROLE_RANK = {MEMBER: 1, MODERATOR: 2, OWNER: 3}
ALL_TOOLS = ("wiki", "blog", "forums", "chat")
# Posting rules (who may contribute content in every tool; collab.access.can_post applies them)
POSTING_MEMBERS, POSTING_MODERATORS = "members", "moderators"
POSTING_RULES = (POSTING_MEMBERS, POSTING_MODERATORS)


class Community(TimestampMixin, db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    sort_name: Mapped[str] = mapped_column(String(SORT_KEY_LENGTH), nullable=False, server_default="",
                                           default=sort_key_default("name"), deferred=True)  # collab.text.sort_key
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    access: Mapped[str] = mapped_column(String(16), nullable=False, default=PUBLIC)
    tools: Mapped[str] = mapped_column(String(100), nullable=False, default=",".join(ALL_TOOLS))
    is_archived: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    posting: Mapped[str] = mapped_column(String(16), nullable=False, default=POSTING_MEMBERS,
                                         server_default=POSTING_MEMBERS)
    member_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    tag_rows: Mapped[list[CommunityTag]] = relationship(
        back_populates="community", cascade="all, delete-orphan", order_by="CommunityTag.tag", lazy="select"
    )  # loaded when read: most pages that load a community never show its tags (lists ask selectinload)

    __table_args__ = (Index("ix_communities_access", "access"), Index("ix_communities_sort_name", "sort_name", "id"))

    @validates("name")
    def _keep_sort_name(self, _key: str, value: str) -> str:
        self.sort_name = sort_key(value)
        return value

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    def set_tags(self, tags: list[str]) -> None:
        current = {t.tag: t for t in self.tag_rows}
        rows = [current.get(t) or CommunityTag(tag=t) for t in tags]
        if [t.tag for t in rows] != self.tags:
            self.tag_rows = rows
            self.updated_at = utcnow()  # cached renderings of the community key on this

    @property
    def enabled_tools(self) -> set[str]:
        return {t for t in self.tools.split(",") if t}

    def has_tool(self, name: str) -> bool:
        return name in self.enabled_tools

    def __repr__(self) -> str:
        return f"<Community {self.slug}>"


class CommunityTag(db.Model):
    __tablename__ = "community_tags"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    community: Mapped[Community] = relationship(back_populates="tag_rows")

    __table_args__ = (Index("ix_community_tags_tag", "tag"),)


class Membership(TimestampMixin, db.Model):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=MEMBER)

    community: Mapped[Community] = relationship()
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        UniqueConstraint("community_id", "user_id", name="uq_memberships_community_user"),
        Index("ix_memberships_user", "user_id", "community_id"),
        Index("ix_memberships_community_role", "community_id", "role", "id"),
    )


class JoinRequest(TimestampMixin, db.Model):
    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    message: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")  # pending|approved|declined
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    community: Mapped[Community] = relationship(lazy="joined")

    __table_args__ = (Index("ix_join_requests_community_status", "community_id", "status"),)


class Invitation(TimestampMixin, db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")  # pending|accepted|declined

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id], lazy="joined")
    community: Mapped[Community] = relationship(lazy="joined")

    __table_args__ = (Index("ix_invitations_user_status", "user_id", "status"),)


class CommunityEmailInvite(db.Model):
    """An invitation to a community sent to an email address with no account yet: when someone
    registers with that address, it becomes an ordinary pending Invitation."""

    __tablename__ = "community_email_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    __table_args__ = (
        UniqueConstraint("community_id", "email", name="uq_community_email_invites_community_email"),
        Index("ix_community_email_invites_email", "email"),
    )
