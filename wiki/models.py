"""Wiki data: a tree of pages per community, every revision of every page, redirects from the
addresses pages had before a rename or a move, and the [[links]] between pages (for backlinks and
for re-rendering linking pages when their targets appear, move or go)."""
from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship, validates

from collab.accounts.models import User
from collab.db import TimestampMixin, UTCDateTime, utcnow
from collab.extensions import db
from collab.files import StoredFile
from collab.text import SORT_KEY_LENGTH, sort_key, sort_key_default
from communities.models import Community

TITLE_MAX = 200  # characters of a title
KEY_MAX = 400  # a folded title can be longer than the title (ß -> ss)
SLUG_MAX = 64
PATH_MAX = 2000
SUMMARY_MAX = 300
BODY_MAX = 300_000  # characters of Markdown in one page

# Kinds of revision, shown in the history.
CREATE, EDIT, MERGE, RESTORE, RENAME = "create", "edit", "merge", "restore", "rename"


def title_key(title: str) -> str:
    """The form titles are compared in: Unicode-normalised, case-folded, single spaces."""
    return unicodedata.normalize("NFKC", " ".join((title or "").split())).casefold()[:KEY_MAX]


class Wiki(db.Model):
    """A community's wiki as a whole. ``tree_version`` goes up with every change to the page tree
    (in the transaction that makes it), so each server process can cache the tree until then.
    Wiki-wide settings belong here too."""

    __tablename__ = "wikis"

    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    tree_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Only owners and moderators (and admins) create and edit pages; members read and comment.
    edit_restricted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                  server_default=false())


class WikiPage(TimestampMixin, db.Model):
    __tablename__ = "wiki_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    title_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False)
    # Where the page goes in lists by title (collab.text.sort_key: 部署指南 sorts as "bu shu zhi nan").
    sort_title: Mapped[str] = mapped_column(String(SORT_KEY_LENGTH), nullable=False, server_default="",
                                            default=sort_key_default("title"), deferred=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), nullable=False)
    # The slugs of the ancestors and the page joined by "/": the page's address in its wiki.
    path: Mapped[str] = mapped_column(String(PATH_MAX), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The number of the current (latest) revision; revisions are numbered 1, 2, ... per page.
    revision_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The current revision's Markdown and its rendered, sanitised HTML (a cache of render_markdown).
    body: Mapped[str] = deferred(mapped_column(Text, nullable=False, default=""))
    body_html: Mapped[str] = deferred(mapped_column(Text, nullable=False, default=""))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Trash: a deleted page keeps everything; pages deleted along with an ancestor name it.
    is_deleted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_with_id: Mapped[int | None] = mapped_column(ForeignKey("wiki_pages.id", ondelete="SET NULL"))
    # A locked page is edited (renamed, restored) by moderators, owners and admins only.
    is_locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # collab.moderation: "hidden" by a moderator, or "pending" approval (pre-moderation); None: neither.
    moderation: Mapped[str | None] = mapped_column(String(16))
    # A page above it is hidden or waiting: it is out of sight with that page, for those who may not
    # see that one (services keep it as pages are hidden, shown, made, moved and restored).
    hidden_above: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())

    community: Mapped[Community] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])

    __table_args__ = (
        # Live pages have one address each; a page in the trash keeps its old one.
        Index("ix_wiki_pages_live_path", "community_id", "path", unique=True,
              sqlite_where=is_deleted == false(), postgresql_where=is_deleted == false()),
        Index("ix_wiki_pages_children", "community_id", "parent_id", "position"),
        Index("ix_wiki_pages_title", "community_id", "title_key"),
        Index("ix_wiki_pages_parent", "parent_id"),
    )

    @validates("title")
    def _keep_sort_title(self, _key: str, value: str) -> str:
        self.sort_title = sort_key(value)
        return value

    def __repr__(self) -> str:
        return f"<WikiPage {self.community_id}:{self.path}>"


class WikiRevision(db.Model):
    __tablename__ = "wiki_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), nullable=False)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    body: Mapped[str] = deferred(mapped_column(Text, nullable=False, default=""))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default=EDIT)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The revision the editor started from (a save on an older base was merged three-way).
    base_number: Mapped[int | None] = mapped_column(Integer)
    restored_from: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
    page: Mapped[WikiPage] = relationship()

    __table_args__ = (
        UniqueConstraint("page_id", "number", name="uq_wiki_revisions_page_number"),
        Index("ix_wiki_revisions_community_created", "community_id", "created_at"),
    )


class WikiRedirect(db.Model):
    """An address (and for renames, a title) a page had before: old links keep working."""

    __tablename__ = "wiki_redirects"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), nullable=False)
    path: Mapped[str | None] = mapped_column(String(PATH_MAX))
    title_key: Mapped[str | None] = mapped_column(String(KEY_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_wiki_redirects_path", "community_id", "path", unique=True),
        Index("ix_wiki_redirects_title", "community_id", "title_key"),
        Index("ix_wiki_redirects_page", "page_id"),
    )


class WikiLink(db.Model):
    """A [[link]] in the current text of a page, and the page it resolves to (None: missing)."""

    __tablename__ = "wiki_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), nullable=False)
    target: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)  # as written
    target_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False)  # folded, "a/b" for paths
    leaf_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False)  # folded last segment
    target_page_id: Mapped[int | None] = mapped_column(ForeignKey("wiki_pages.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("page_id", "target_key", name="uq_wiki_links_page_target"),
        Index("ix_wiki_links_leaf", "community_id", "leaf_key"),
        Index("ix_wiki_links_target_page", "target_page_id"),
    )


TAG_MAX = 40
TAGS_PER_PAGE = 20
COMMENT_MAX = 10_000


class WikiPageTag(db.Model):
    __tablename__ = "wiki_page_tags"

    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(TAG_MAX), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)

    __table_args__ = (Index("ix_wiki_page_tags_community_tag", "community_id", "tag"),)


class WikiPageViews(db.Model):
    """How often a page was viewed: its own row, so counting never touches (or waits for) the
    page row a save holds locked."""

    __tablename__ = "wiki_page_views"

    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class WikiWatch(db.Model):
    """A person who wants to hear about edits and comments on a page."""

    __tablename__ = "wiki_watches"

    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_wiki_watches_user", "user_id"),)


class WikiComment(TimestampMixin, db.Model):
    __tablename__ = "wiki_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), nullable=False)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The form's one-time token: a double submit finds the comment the first one made.
    client_token: Mapped[str | None] = mapped_column(String(64))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        Index("ix_wiki_comments_page", "page_id", "created_at"),
        Index("ix_wiki_comments_token", "author_id", "client_token", unique=True),
    )


class WikiAttachment(db.Model):
    """A file attached to a page (the bytes and their checks are collab.files's)."""

    __tablename__ = "wiki_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), nullable=False)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), nullable=False)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"), nullable=False)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    file: Mapped[StoredFile] = relationship(lazy="joined")
    uploader: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_wiki_attachments_page", "page_id", "created_at"),
        Index("ix_wiki_attachments_file", "file_id"),
    )


# --------------------------------------------------------------------------- live co-editing


class WikiLiveDoc(db.Model):
    """The shared (CRDT) text of a page while people co-edit it: a compacted Yjs state plus the
    updates appended since (WikiLiveUpdate). The database is the truth; each server process only
    caches the document. ``generation`` names this document: a browser's copy belongs to one
    generation, and a document dropped and seeded again from the page gets a new one."""

    __tablename__ = "wiki_live_docs"

    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_pages.id", ondelete="CASCADE"), primary_key=True)
    generation: Mapped[str] = mapped_column(String(32), nullable=False)
    state: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    # Goes up each time the updates are folded into ``state`` (caches then reload the state).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The revision whose text the document held when it was seeded or last saved.
    synced_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Edits not yet saved as a revision, and when the last one came.
    dirty: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    last_edit_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Authors of edits folded into ``state`` since the last revision ("3,17"): the revision's
    # contributors are these and the authors of the updates still appended.
    contributor_ids: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_wiki_live_docs_dirty", "dirty", "last_edit_at"),)


class WikiLiveUpdate(db.Model):
    """One acknowledged Yjs update of a live document (append-only until folded into the state)."""

    __tablename__ = "wiki_live_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("wiki_live_docs.page_id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_wiki_live_updates_page", "page_id", "id"),)


class WikiRevisionContributor(db.Model):
    """The people whose live edits went into a revision (its author among them)."""

    __tablename__ = "wiki_revision_contributors"

    revision_id: Mapped[int] = mapped_column(ForeignKey("wiki_revisions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (Index("ix_wiki_revision_contributors_user", "user_id"),)
