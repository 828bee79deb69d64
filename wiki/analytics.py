"""The wiki's side of collab.analytics: what a "wiki_page:<id>" key is (live pages only), the
batched view counter, and the pages most linked to ([[links]] from other pages everyone sees)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from collab import analytics
from collab.extensions import db
from communities.models import Community

from .models import WikiLink, WikiPage
from .social import add_views


def _pages(pks: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(
        select(WikiPage.id, WikiPage.title, WikiPage.path, Community.slug)
        .join(Community, Community.id == WikiPage.community_id)
        .where(WikiPage.id.in_(pks), WikiPage.is_deleted.is_(False))).all()
    return {pid: (title, url_for("wiki.page", slug=slug, path=path)) for pid, title, path, slug in rows}


def most_linked(community_id: int | None, limit: int) -> list[tuple[str, int]]:
    """The pages most linked to, counting the links from pages everyone sees (the report is the
    same for all its readers: a hidden or waiting page, or one under such, does not count)."""
    source = aliased(WikiPage)
    n = func.count(func.distinct(WikiLink.page_id))
    stmt = (select(WikiLink.target_page_id, n).join(source, source.id == WikiLink.page_id)
            .where(WikiLink.target_page_id.is_not(None), WikiLink.target_page_id != WikiLink.page_id,
                   source.is_deleted.is_(False), source.moderation.is_(None), source.hidden_above.is_(False))
            .group_by(WikiLink.target_page_id).order_by(n.desc(), WikiLink.target_page_id).limit(limit))
    if community_id is not None:
        stmt = stmt.where(WikiLink.community_id == community_id)
    return [(f"wiki_page:{pid}", int(count)) for pid, count in db.session.execute(stmt).all()]


def register() -> None:
    analytics.register_source(analytics.Source("wiki", lambda: _l("Wiki"), ("wiki_page", "wiki_revision", "wiki_comment"),
                                               order=10))
    analytics.register_content(analytics.Content("wiki_page", describe=_pages, apply_views=add_views))
    analytics.register_links(most_linked)
