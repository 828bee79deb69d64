"""Reading the wiki: pages by address, the home page, neighbours, backlinks, revisions, lists.
Nothing here writes; the operations and their rules are in services."""
from __future__ import annotations

import functools

from sqlalchemy import bindparam, false, func, select
from sqlalchemy.orm import undefer

from collab.extensions import db, read
from communities.models import Community

from .models import Wiki, WikiLink, WikiPage, WikiRedirect, WikiRevision


def wiki_row(community_id: int) -> Wiki | None:
    """The wiki's row (settings, tree version), read once per session: the session's identity map
    holds rows only weakly, so each permission check of a page view would read it again."""
    held = db.session.info.setdefault("wiki_rows", {})
    row = held.get(community_id)
    if row is None or row not in db.session:  # (a closed or cleared session let it go)
        row = db.session.get(Wiki, community_id)
        if row is not None:  # a wiki made later in this session is read then
            held[community_id] = row
    return row


def _live(community_id: int):
    """Pages everyone sees: not in the trash, not hidden or waiting for approval, nor under such a
    page (those are reached by their address alone, by those who may see them; see views._load)."""
    return (WikiPage.community_id == community_id, WikiPage.is_deleted == false(), WikiPage.moderation.is_(None),
            WikiPage.hidden_above == false())


def _in_tree(community_id: int):
    """Pages that hold an address: not in the trash; hidden and waiting ones, and those under them,
    included (they are reached by their address and move with their parents)."""
    return WikiPage.community_id == community_id, WikiPage.is_deleted == false()


@functools.cache
def _find_page_stmt(for_view: bool):
    """Built once per process: building a SELECT costs as much Python as running a small one, and
    every page view runs this. For a view, the page comes with its text, its wiki's row and its
    current revision (with the author), in one statement."""
    where = (WikiPage.community_id == bindparam("community_id"), WikiPage.is_deleted == false(),
             WikiPage.path == bindparam("path"))
    if not for_view:
        return select(WikiPage).where(*where)
    return (select(WikiPage, Wiki, WikiRevision).options(undefer(WikiPage.body_html))
            .outerjoin(Wiki, Wiki.community_id == WikiPage.community_id)
            .outerjoin(WikiRevision, (WikiRevision.page_id == WikiPage.id)
                       & (WikiRevision.number == WikiPage.revision_number))
            .where(*where))


def find_page(community: Community, path: str, *, with_body_html: bool = False) -> WikiPage | None:
    params = {"community_id": community.id, "path": path}
    if not with_body_html:
        return db.session.scalar(_find_page_stmt(False), params)
    row = db.session.execute(_find_page_stmt(True), params).first()
    if row is None:
        return None
    page, wiki, current = row
    if wiki is not None:
        db.session.info.setdefault("wiki_rows", {})[community.id] = wiki
    if current is not None:
        db.session.info.setdefault("wiki_revisions", {})[(page.id, current.number)] = current
    return page


def find_redirect(community: Community, path: str) -> WikiPage | None:
    """The live page that used to be at ``path``."""
    return db.session.scalar(
        select(WikiPage).join(WikiRedirect, WikiRedirect.page_id == WikiPage.id)
        .where(WikiRedirect.community_id == community.id, WikiRedirect.path == path,
               WikiPage.is_deleted == false())
    )


def find_deleted(community: Community, path: str) -> WikiPage | None:
    return db.session.scalar(
        select(WikiPage).where(WikiPage.community_id == community.id, WikiPage.path == path,
                               WikiPage.is_deleted.is_(True))
        .order_by(WikiPage.deleted_at.desc()).limit(1)
    )


def get_page(community: Community, page_id: int | None) -> WikiPage | None:
    if not page_id:
        return None
    page = db.session.get(WikiPage, page_id)
    return page if page is not None and page.community_id == community.id else None


def home_page(community: Community) -> WikiPage | None:
    """The wiki's home: the first top-level page (the first page made in a wiki is its Home)."""
    return db.session.scalar(
        select(WikiPage).where(*_live(community.id), WikiPage.parent_id.is_(None))
        .order_by(WikiPage.position, WikiPage.id).limit(1)
    )


def ancestors(page: WikiPage, *, hidden: bool = False) -> list[WikiPage]:
    """The live pages above a live page, top first (for breadcrumbs: whoever sees a page sees the
    pages above it); ``hidden``: only those hidden or waiting for approval."""
    parts = page.path.split("/")[:-1]
    if not parts or page.is_deleted:
        return []
    paths = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    stmt = select(WikiPage).where(*_in_tree(page.community_id), WikiPage.path.in_(paths))
    if hidden:
        stmt = stmt.where(WikiPage.moderation.is_not(None))
    found = {p.path: p for p in db.session.scalars(stmt)}
    return [found[p] for p in paths if p in found]


def children(page: WikiPage) -> list[WikiPage]:
    """The pages right under a page, in order: hidden and waiting ones too (the caller keeps those
    the reader may see)."""
    return list(db.session.scalars(
        select(WikiPage).where(*_in_tree(page.community_id), WikiPage.parent_id == page.id)
        .order_by(WikiPage.position, WikiPage.id)))


def siblings(page: WikiPage) -> list[WikiPage]:
    """The page and its siblings, in order: hidden and waiting ones too (as children)."""
    cond = WikiPage.parent_id == page.parent_id if page.parent_id else WikiPage.parent_id.is_(None)
    return list(db.session.scalars(
        select(WikiPage).where(*_in_tree(page.community_id), cond).order_by(WikiPage.position, WikiPage.id)))


@functools.cache
def _backlinks_stmt():
    # Driven from the links (a handful of rows through ix_wiki_links_target_page), never from the
    # community's pages: ``id IN (...)`` let SQLite walk all 2,000 pages of a big wiki (0.6 ms).
    page_id = bindparam("page_id")
    sources = (select(WikiLink.page_id).where(WikiLink.target_page_id == page_id, WikiLink.page_id != page_id)
               .distinct().subquery())
    return (select(WikiPage.id, WikiPage.title, WikiPage.path)
            .join_from(sources, WikiPage, WikiPage.id == sources.c.page_id)
            .where(*_live(bindparam("community_id")))
            .order_by(WikiPage.sort_title, WikiPage.id).limit(200))


def backlinks(page: WikiPage) -> list:
    """Live pages whose text links to this one: rows of (id, title, path)."""
    return read(_backlinks_stmt(), {"page_id": page.id, "community_id": page.community_id}).all()


@functools.cache
def _revision_stmt(body: bool):
    stmt = select(WikiRevision).where(WikiRevision.page_id == bindparam("page_id"),
                                      WikiRevision.number == bindparam("number"))
    return stmt.options(undefer(WikiRevision.body)) if body else stmt


def revision(page: WikiPage, number: int, *, body: bool = True) -> WikiRevision | None:
    if not body:  # read with the page (find_page for a view), in this session
        held = db.session.info.get("wiki_revisions", {}).get((page.id, number))
        if held is not None and held in db.session:
            return held
    return db.session.scalar(_revision_stmt(body), {"page_id": page.id, "number": number})


def revisions_query(page: WikiPage):
    return select(WikiRevision).where(WikiRevision.page_id == page.id).order_by(WikiRevision.number.desc())


def recent_changes_query(community: Community):
    return (
        select(WikiRevision, WikiPage).join(WikiPage, WikiPage.id == WikiRevision.page_id)
        .where(WikiRevision.community_id == community.id, *_live(community.id)[1:])
        .order_by(WikiRevision.created_at.desc(), WikiRevision.id.desc())
    )


def trash_query(community: Community):
    """Pages deleted on their own (their subpages went with them and come back with them)."""
    return (
        select(WikiPage).where(WikiPage.community_id == community.id, WikiPage.is_deleted.is_(True),
                               WikiPage.deleted_with_id.is_(None))
        .order_by(WikiPage.deleted_at.desc(), WikiPage.id.desc())
    )


def deleted_with_counts(page_ids: list[int]) -> dict[int, int]:
    if not page_ids:
        return {}
    return dict(db.session.execute(
        select(WikiPage.deleted_with_id, func.count(WikiPage.id))
        .where(WikiPage.deleted_with_id.in_(page_ids), WikiPage.is_deleted.is_(True))
        .group_by(WikiPage.deleted_with_id)).all())


def deleted_with_ids(page_id: int) -> list[int]:
    """The subpages that went to the trash along with a page."""
    return list(db.session.scalars(select(WikiPage.id).where(WikiPage.deleted_with_id == page_id,
                                                             WikiPage.is_deleted.is_(True))))
