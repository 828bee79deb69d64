"""Blog data: posts (community or personal), their tags, comments (one level of replies), likes,
announcement read receipts, per-user feed tokens, per-community blog settings, and idea campaigns
with ideas and votes.

A post is visible to readers when it is published, not deleted and its ``published_at`` is not in
the future: a scheduled post appears at its time without any background job. Counters
(likes, comments, votes) are kept in columns and only ever changed by SQL arithmetic in the same
transaction as the row that justifies them, so they stay exact under concurrency.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    false,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from collab.accounts.models import User
from collab.db import TimestampMixin, UTCDateTime, utcnow
from collab.extensions import db
from collab.files import StoredFile
from communities.models import Community

TITLE_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 200_000
COMMENT_MAX = 10_000
TAG_MAX = 40
TAGS_PER_POST = 10
TOKEN_MAX = 64

DRAFT, PUBLISHED = "draft", "published"
POSTING_MEMBERS, POSTING_MODERATORS = "members", "moderators"

# Idea statuses, in the order the owner moves them along.
NEW, UNDER_REVIEW, ACCEPTED, IMPLEMENTED, DECLINED = "new", "under_review", "accepted", "implemented", "declined"
IDEA_STATUSES = (NEW, UNDER_REVIEW, ACCEPTED, IMPLEMENTED, DECLINED)


class BlogSettings(db.Model):
    """A community's blog settings (a missing row means the defaults)."""

    __tablename__ = "blog_settings"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    posting: Mapped[str] = mapped_column(String(16), nullable=False, default=POSTING_MEMBERS)


class BlogPost(TimestampMixin, db.Model):
    __tablename__ = "blog_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a personal post, on its author's profile blog.
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), nullable=False, default="")
    body: Mapped[str] = deferred(mapped_column(Text, nullable=False, default=""))
    body_html: Mapped[str] = deferred(mapped_column(Text, nullable=False, default=""))
    tags_text: Mapped[str] = mapped_column(String(500), nullable=False, default="")  # "a,b,c" for display
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set once the publication's side effects (activity, search) ran; a scheduled post gets them
    # the first time someone opens a blog page after its time.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the "updated" mark
    reading_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    view_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    like_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_announcement: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_token: Mapped[str | None] = mapped_column(String(TOKEN_MAX))
    # collab.moderation: "hidden" by a moderator, or "pending" approval (pre-moderation); None: neither.
    moderation: Mapped[str | None] = mapped_column(String(16))

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined", innerjoin=True)
    community: Mapped[Community | None] = relationship()
    tag_rows: Mapped[list[BlogPostTag]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="BlogPostTag.tag", lazy="selectin")

    __table_args__ = (
        Index("ix_blog_posts_community_published", "community_id", "published_at"),
        Index("ix_blog_posts_author_published", "author_id", "published_at"),
        Index("ix_blog_posts_client_token", "author_id", "client_token", unique=True),
    )

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (not self.is_deleted and self.status == PUBLISHED and self.published_at is not None
                and self.published_at <= now and self.moderation is None)

    @property
    def is_scheduled(self) -> bool:
        return self.status == PUBLISHED and self.published_at is not None and self.published_at > utcnow()

    @classmethod
    def live_clause(cls, now: datetime | None = None):
        return and_(cls.is_deleted == false(), cls.status == PUBLISHED, cls.published_at <= (now or utcnow()),
                    cls.moderation.is_(None))


class BlogPostTag(db.Model):
    __tablename__ = "blog_post_tags"

    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(TAG_MAX), primary_key=True)
    post: Mapped[BlogPost] = relationship(back_populates="tag_rows")

    __table_args__ = (Index("ix_blog_post_tags_tag", "tag", "post_id"),)


class BlogComment(TimestampMixin, db.Model):
    __tablename__ = "blog_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id", ondelete="CASCADE"), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("blog_comments.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    removed_by_moderator: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    client_token: Mapped[str | None] = mapped_column(String(TOKEN_MAX))
    # collab.moderation: "hidden" or "pending" (shown to its author and the moderators only).
    moderation: Mapped[str | None] = mapped_column(String(16))

    author: Mapped[User | None] = relationship(lazy="joined")
    post: Mapped[BlogPost] = relationship()

    __table_args__ = (
        Index("ix_blog_comments_post", "post_id", "id"),
        Index("ix_blog_comments_client_token", "author_id", "client_token", unique=True),
    )


class BlogLike(db.Model):
    __tablename__ = "blog_likes"

    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class BlogAck(db.Model):
    """A member acknowledged (read) an announcement."""

    __tablename__ = "blog_acks"

    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class BlogFeedToken(db.Model):
    """The secret in a person's feed addresses: a feed reader carries no session."""

    __tablename__ = "blog_feed_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(TOKEN_MAX), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class IdeaCampaign(TimestampMixin, db.Model):
    __tablename__ = "idea_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    is_open: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    idea_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    community: Mapped[Community] = relationship()

    __table_args__ = (Index("ix_idea_campaigns_community", "community_id", "id"),)


class Idea(TimestampMixin, db.Model):
    __tablename__ = "ideas"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("idea_campaigns.id", ondelete="CASCADE"), nullable=False)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=NEW)
    status_comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status_comment_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    vote_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    client_token: Mapped[str | None] = mapped_column(String(TOKEN_MAX))

    author: Mapped[User | None] = relationship(lazy="joined")
    campaign: Mapped[IdeaCampaign] = relationship()
    community: Mapped[Community] = relationship()

    __table_args__ = (
        Index("ix_ideas_campaign_votes", "campaign_id", "vote_count"),
        Index("ix_ideas_client_token", "author_id", "client_token", unique=True),
    )


class IdeaVote(db.Model):
    __tablename__ = "idea_votes"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class BlogImage(db.Model):
    """An image uploaded to a blog (through collab.files), served by the blog's own route to
    whoever may read that blog."""

    __tablename__ = "blog_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"), nullable=False)
    # None: an image of its uploader's personal blog.
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    file: Mapped[StoredFile] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (Index("ix_blog_images_community", "community_id", "id"),
                      Index("ix_blog_images_uploader", "uploader_id"))
