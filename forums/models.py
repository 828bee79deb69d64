"""Forum data: a community's forums, their topics and posts, likes, flags, subscriptions, each
person's read position, and the edit history of posts (shown to moderators)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from collab.accounts.models import User
from collab.db import TimestampMixin, UTCDateTime, utcnow
from collab.extensions import db
from communities.models import Community

NAME_MAX = 100
DESCRIPTION_MAX = 1000
TITLE_MAX = 200
BODY_MAX = 100_000  # characters of Markdown in one post
TAGS_MAX = 300
TOKEN_MAX = 64
POSTS_PER_PAGE = 20


class Forum(TimestampMixin, db.Model):
    __tablename__ = "forums"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    community: Mapped[Community] = relationship()

    __table_args__ = (Index("ix_forums_community_position", "community_id", "position"),)


class ForumTopic(TimestampMixin, db.Model):
    __tablename__ = "forum_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), nullable=False)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    tags: Mapped[str] = mapped_column(String(TAGS_MAX), nullable=False, default="")  # "a,b,c"
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_question: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_pinned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # "pending": its opening post waits for a moderator's approval (collab.moderation).
    moderation: Mapped[str | None] = mapped_column(String(16))
    # Posts reference topics; these point back without a foreign key (no cycle between tables).
    first_post_id: Mapped[int | None] = mapped_column(Integer)
    accepted_post_id: Mapped[int | None] = mapped_column(Integer)
    last_post_id: Mapped[int | None] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # highest post number
    reply_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # visible replies
    view_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    community: Mapped[Community] = relationship()
    forum: Mapped[Forum] = relationship()
    author: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_forum_topics_list", "forum_id", "is_deleted", "is_pinned", "last_post_at", "id"),
        Index("ix_forum_topics_community", "community_id", "is_question", "created_at"),
        # covering for the question figures of a period (collab.analytics, forums/analytics.py)
        Index("ix_forum_topics_questions", "community_id", "is_question", "created_at", "is_deleted",
              "accepted_post_id", "first_reply_at", "answered_at"),
        Index("ix_forum_topics_author", "author_id"),
    )

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]

    @property
    def is_answered(self) -> bool:
        return self.accepted_post_id is not None


class ForumTopicTag(db.Model):
    __tablename__ = "forum_topic_tags"

    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), nullable=False)

    __table_args__ = (Index("ix_forum_topic_tags_forum_tag", "forum_id", "tag"),)


class ForumPost(db.Model):
    __tablename__ = "forum_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id", ondelete="CASCADE"), nullable=False)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)  # 1 = the opening post
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("forum_posts.id", ondelete="SET NULL"))
    body: Mapped[str] = deferred(mapped_column(Text, nullable=False, default=""))
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # A fresh random value per form: a second submit of the same form finds the first post.
    client_token: Mapped[str | None] = mapped_column(String(TOKEN_MAX))
    like_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Hidden: by a moderator ("moderator"), by open flags until reviewed ("flags"), or waiting for
    # approval in a pre-moderated community ("pending").
    hidden_reason: Mapped[str | None] = mapped_column(String(16))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    topic: Mapped[ForumTopic] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="joined")
    reply_to: Mapped[ForumPost | None] = relationship(remote_side=[id])

    __table_args__ = (
        Index("ix_forum_posts_topic_number", "topic_id", "number"),
        Index("ix_forum_posts_community_created", "community_id", "created_at"),
        UniqueConstraint("author_id", "client_token", name="uq_forum_posts_author_token"),
        Index("ix_forum_posts_reply_to", "reply_to_id"),
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_reason is not None

    @property
    def is_visible(self) -> bool:
        return not self.is_deleted and self.hidden_reason is None


class ForumPostEdit(db.Model):
    """The text a post had before an edit (moderators read the history)."""

    __tablename__ = "forum_post_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"), nullable=False)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = deferred(mapped_column(Text, nullable=False, default=""))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    editor: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (Index("ix_forum_post_edits_post", "post_id", "id"),)


class ForumLike(db.Model):
    __tablename__ = "forum_likes"

    post_id: Mapped[int] = mapped_column(ForeignKey("forum_posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ForumSubscription(db.Model):
    """Someone follows a forum (new topics and replies) or one topic (its replies)."""

    __tablename__ = "forum_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    forum_id: Mapped[int | None] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("forum_topics.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "forum_id", "topic_id", name="uq_forum_subscriptions_target"),
        # One of forum_id and topic_id is always NULL, and NULLs differ in a unique key: the
        # constraint above lets two racing follows store two rows (an unfollow then removed one,
        # and the person kept following). These hold one follow per person and forum or topic.
        Index("uq_forum_subscriptions_forum", "user_id", "forum_id", unique=True,
              sqlite_where=text("topic_id IS NULL"), postgresql_where=text("topic_id IS NULL")),
        Index("uq_forum_subscriptions_topic", "user_id", "topic_id", unique=True,
              sqlite_where=text("forum_id IS NULL"), postgresql_where=text("forum_id IS NULL")),
        Index("ix_forum_subscriptions_forum", "forum_id"),
        Index("ix_forum_subscriptions_topic", "topic_id"),
    )


class ForumReadState(db.Model):
    """How far a person has read a topic (the highest post number they have seen)."""

    __tablename__ = "forum_read_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("forum_topics.id", ondelete="CASCADE"), primary_key=True)
    last_read: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
