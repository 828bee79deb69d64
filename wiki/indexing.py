"""How a wiki page becomes a search document (collab.search calls these; it never imports us)."""
from __future__ import annotations

from flask import url_for
from markupsafe import Markup
from sqlalchemy import false, inspect, select
from sqlalchemy.orm import undefer

from collab.extensions import db
from communities.models import Community

from .models import WikiPage, WikiPageTag


def to_document(page: WikiPage) -> dict | None:
    if page.is_deleted or page.moderation or page.hidden_above:
        return None  # pages in the trash, hidden or waiting for approval (or under such) are not found
    community = page.community
    if not community.has_tool("wiki"):
        return None  # the wiki switched off: its pages are 404, and not found either
    return {
        "title": page.title,
        # The rendered text: link labels and code included, Markdown syntax left out.
        "body": Markup(page.body_html or "").striptags(),
        "community": community.id,
        "scope": f"community:{community.id}",
        "author": page.created_by.username if page.created_by else "",
        "tags": sorted(t.tag for t in db.session.scalars(
            select(WikiPageTag).where(WikiPageTag.page_id == page.id))),
        "created": page.created_at,
        "updated": page.updated_at,
        "url": url_for("wiki.page", slug=community.slug, path=page.path),
    }


def load_all():
    yield from db.session.scalars(
        select(WikiPage).where(WikiPage.is_deleted == false()).order_by(WikiPage.id)
        .options(undefer(WikiPage.body_html)).execution_options(yield_per=500))


def _pages_of_readdressed(community: Community):
    """A community's new web address changes every page URL in its documents; the wiki switched
    off or on takes them out of the index or back."""
    state = inspect(community)
    if state.deleted or state.was_deleted or not (state.attrs.slug.history.has_changes()
                                                  or state.attrs.tools.history.has_changes()):
        return []
    return db.session.scalars(select(WikiPage.id).where(WikiPage.community_id == community.id,
                                                        WikiPage.is_deleted == false())).all()


DEPENDENTS = ((Community, _pages_of_readdressed), (WikiPageTag, lambda tag: [tag.page_id]))
