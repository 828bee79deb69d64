"""Around the pages: comments, watching, tags, view counts, the wiki's settings and page locks.
Operations and their rules; nothing here touches the request."""
from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from collab import access
from collab.accounts.services import normalise_tags
from collab.db import utcnow
from collab.extensions import db, read
from collab.flows import has_links
from communities.models import Community

from . import links
from .models import (
    COMMENT_MAX,
    TAGS_PER_PAGE,
    Wiki,
    WikiAttachment,
    WikiComment,
    WikiPage,
    WikiPageTag,
    WikiPageViews,
    WikiWatch,
)
from .queries import _live
from .services import WikiError

TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


# --------------------------------------------------------------------------- settings and locks


def settings(community_id: int) -> Wiki | None:
    return db.session.get(Wiki, community_id)


def edit_restricted(community_id: int) -> bool:
    row = settings(community_id)
    return bool(row and row.edit_restricted)


def set_edit_restricted(community: Community, restricted: bool) -> None:
    row = db.session.get(Wiki, community.id, with_for_update=True)
    if row is None:
        db.session.add(Wiki(community_id=community.id, tree_version=0, edit_restricted=restricted))
    else:
        row.edit_restricted = restricted
    db.session.flush()


def set_locked(page: WikiPage, user, locked: bool) -> None:
    page.is_locked = locked
    page.locked_by_id = getattr(user, "id", None) if locked else None
    db.session.flush()


# --------------------------------------------------------------------------- tags


_TAGS_OF = select(WikiPageTag.tag).where(WikiPageTag.page_id == bindparam("page_id")).order_by(WikiPageTag.tag)


def tags_of(page_id: int) -> list[str]:
    return list(db.session.scalars(_TAGS_OF, {"page_id": page_id}))


def set_tags(page: WikiPage, raw: str) -> list[str]:
    """Replace the page's tags with those in ``raw`` (comma separated, Chinese commas too)."""
    wanted = normalise_tags(raw, limit=TAGS_PER_PAGE + 1)
    if len(wanted) > TAGS_PER_PAGE:
        raise WikiError(_l("A page can have at most %(max)d tags.", max=TAGS_PER_PAGE), "tags")
    rows = {t.tag: t for t in db.session.scalars(select(WikiPageTag).where(WikiPageTag.page_id == page.id))}
    for tag, row in rows.items():
        if tag not in wanted:
            db.session.delete(row)  # through the ORM: the search outbox re-indexes the page
    for tag in wanted:
        if tag not in rows:
            db.session.add(WikiPageTag(page_id=page.id, tag=tag, community_id=page.community_id))
    db.session.flush()
    return sorted(wanted)


def community_tags(community_id: int, limit: int = 60) -> list[tuple[str, int]]:
    """The tags of the pages everyone sees (not in the trash, not hidden, not waiting for approval,
    nor under such a page) with how many pages have each, most used first."""
    return db.session.execute(
        select(WikiPageTag.tag, func.count()).join(WikiPage, WikiPage.id == WikiPageTag.page_id)
        .where(WikiPageTag.community_id == community_id, *_live(community_id))
        .group_by(WikiPageTag.tag).order_by(func.count().desc(), WikiPageTag.tag).limit(limit)).all()


def pages_tagged_query(community_id: int, tag: str):
    return (select(WikiPage).join(WikiPageTag, WikiPageTag.page_id == WikiPage.id)
            .where(WikiPageTag.community_id == community_id, WikiPageTag.tag == tag, *_live(community_id))
            .order_by(WikiPage.sort_title, WikiPage.id))


# --------------------------------------------------------------------------- views


def add_views(counts: dict[int, int]) -> None:
    """Add batched page views to the pages' counts (collab.analytics calls this on flush; an
    upsert; the caller commits). Pages deleted since are skipped."""
    live = set(db.session.scalars(select(WikiPage.id).where(WikiPage.id.in_(list(counts)))))
    rows = [{"page_id": page_id, "count": n} for page_id, n in sorted(counts.items()) if page_id in live]
    if not rows:
        return
    db.session.execute(_add_views_statement(db.engine.dialect.name), rows)


@lru_cache(maxsize=2)
def _add_views_statement(dialect: str):
    """Built once: the flush that runs it holds the gevent hub."""
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(WikiPageViews.__table__)
    return stmt.on_conflict_do_update(index_elements=["page_id"],
                                      set_={"count": WikiPageViews.__table__.c.count + stmt.excluded.count})


_PAGE = bindparam("page_id")
_PAGE_FACTS = select(  # built once: every page view runs it
    select(WikiPageViews.count).where(WikiPageViews.page_id == _PAGE).scalar_subquery(),
    exists().where(WikiWatch.page_id == _PAGE, WikiWatch.user_id == bindparam("user_id")),
    exists().where(WikiComment.page_id == _PAGE),
    exists().where(WikiAttachment.page_id == _PAGE),
    select(func.aggregate_strings(WikiPageTag.tag, "\n")).where(WikiPageTag.page_id == _PAGE).scalar_subquery(),
    has_links(bindparam("flow_key")),
)


def page_facts(page_id: int, user) -> tuple[int, bool, bool, bool, list[str], bool]:
    """(views counted so far, the reader watches it, it has comments, it has attachments, its
    tags in order, it has knowledge-flow links) in one statement: a page view shows them all,
    and most pages have no comments, files nor flow links."""
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    views, watching, comments, files, tags, flows = read(
        _PAGE_FACTS, {"page_id": page_id, "user_id": user_id, "flow_key": f"wiki_page:{page_id}"}).one()
    return (views or 0, bool(watching), bool(comments), bool(files), sorted(tags.split("\n")) if tags else [],
            bool(flows))


# --------------------------------------------------------------------------- watching


def watch(page: WikiPage, user, on: bool = True) -> None:
    row = db.session.get(WikiWatch, (page.id, user.id))
    if on and row is None:
        db.session.add(WikiWatch(page_id=page.id, user_id=user.id))
    elif not on and row is not None:
        db.session.delete(row)
    db.session.flush()


def watcher_ids(page_id: int) -> list[int]:
    return list(db.session.scalars(select(WikiWatch.user_id).where(WikiWatch.page_id == page_id)))


# --------------------------------------------------------------------------- comments


def may_comment(user, community: Community) -> bool:
    """Members comment, even where editing is kept to owners and moderators."""
    return access.can_post(user, community)


def may_change_comment(user, comment: WikiComment, community: Community) -> bool:
    """Edit: the author only. Delete: the author, moderators, owners, admins."""
    return (access.can_post(user, community) and comment.author_id is not None
            and comment.author_id == getattr(user, "id", None))


def may_delete_comment(user, comment: WikiComment, community: Community) -> bool:
    return access.can_edit_owned(user, comment.author_id, community)


def _clean_comment(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise WikiError(_l("Write something before you send the comment."), "body")
    if len(text) > COMMENT_MAX:
        raise WikiError(_l("A comment can have at most %(max)d characters; this one has %(n)d.",
                           max=COMMENT_MAX, n=len(text)), "body")
    return text


def comments_of(page_id: int) -> list[WikiComment]:
    return list(db.session.scalars(select(WikiComment).where(WikiComment.page_id == page_id)
                                   .order_by(WikiComment.created_at, WikiComment.id)))


def add_comment(page: WikiPage, user, body: str, *, token: str | None = None) -> tuple[WikiComment, bool]:
    """A new comment (and True), or the one this form's token already made (and False)."""
    text = _clean_comment(body)
    token = token if token and TOKEN.match(token) else None
    if token:
        existing = db.session.scalar(select(WikiComment).where(
            WikiComment.author_id == user.id, WikiComment.client_token == token))
        if existing is not None:
            return existing, False
    community = db.session.get(Community, page.community_id)
    comment = WikiComment(page_id=page.id, community_id=page.community_id, author_id=user.id, body=text,
                          body_html=links.render(community, text, page_id=page.id)[0], client_token=token)
    db.session.add(comment)
    db.session.flush()
    return comment, True


def edit_comment(comment: WikiComment, body: str) -> WikiComment:
    text = _clean_comment(body)
    if text != comment.body:
        community = db.session.get(Community, comment.community_id)
        comment.body = text
        comment.body_html = links.render(community, text, page_id=comment.page_id)[0]
        comment.edited_at = utcnow()
        db.session.flush()
    return comment


def delete_comment(comment: WikiComment) -> None:
    db.session.delete(comment)
    db.session.flush()


def comment_count(page_id: int) -> int:
    return db.session.scalar(select(func.count(WikiComment.id)).where(WikiComment.page_id == page_id)) or 0

