"""The wiki's side of the one moderation queue (collab.moderation): wiki pages can be flagged,
hidden, shown again, moved to the trash, and new pages wait for approval in a pre-moderated
community."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from collab import access, moderation
from collab.db import utcnow
from collab.extensions import db
from collab.moderation import DELETED, HIDDEN, PENDING, VISIBLE, Item, ModeratedType, register
from collab.text import plain_excerpt
from communities.models import Community

from . import hooks, queries, services
from .models import WikiPage


def load(pk: int) -> Item | None:
    page = db.session.get(WikiPage, pk)
    if page is None:
        return None
    community = db.session.get(Community, page.community_id)
    state = DELETED if page.is_deleted else {"pending": PENDING, "hidden": HIDDEN, "flags": HIDDEN}.get(
        page.moderation or "", VISIBLE)
    return Item(key=hooks.page_key(page.id), community=community, author=page.created_by, title=page.title,
                excerpt=plain_excerpt(page.body, 300), url=url_for("wiki.page", slug=community.slug, path=page.path),
                state=state, auto_hidden=page.moderation == "flags" and state == HIDDEN,
                viewable_by=lambda user: community.has_tool("wiki") and access.can_view(user, community))


def _set(page: WikiPage, value: str | None) -> list[WikiPage]:
    return services.set_moderation(page, value)  # the tree and the links in other pages follow
    # (its live editors leave it through collab.access_events: the moderation core declares the hide)


def hide(pk: int, user) -> None:
    page = db.session.get(WikiPage, pk)
    below = _set(page, "hidden" if user is not None else "flags")
    hooks.trashed([page.id] + [p.id for p in below])  # the pages under it went out of sight with it


def unhide(pk: int, user) -> None:
    page = db.session.get(WikiPage, pk)
    hidden_at = moderation.hidden_since(hooks.page_key(page.id)) or utcnow()
    hooks.created_again([page] + _set(page, None), told_until=hidden_at)


def delete(pk: int, user) -> None:
    page = db.session.get(WikiPage, pk)
    if not page.is_deleted:
        services.delete_page(page, user)
        hooks.deleted([page.id] + queries.deleted_with_ids(page.id))


def approve(pk: int, user) -> None:
    page = db.session.get(WikiPage, pk)
    below = _set(page, None)
    if page.created_by is not None:
        hooks.published(page, page.created_by)
    hooks.created_again(below)


def register_types() -> None:
    register(ModeratedType(name="wiki_page", label=lambda: _l("Wiki page"), load=load, hide=hide, unhide=unhide,
                           delete=delete, approve=approve, reject=delete))
