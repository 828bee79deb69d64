"""The wiki in knowledge flows (collab.flows calls these; no other tool is imported): a page is a
source (its provenance and related content are shown) and the wiki receives new pages, e.g. an
answered forum topic the person edited into a page."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from collab import access, flows
from collab.extensions import db
from collab.ids import parse_id
from communities.models import Community

from . import hooks, services, tree
from .models import WikiPage


def _url(page: WikiPage) -> str:
    return url_for("wiki.page", slug=page.community.slug, path=page.path)


def _readable(page: WikiPage, community: Community):
    return lambda user: community.has_tool("wiki") and access.can_view(user, community) \
        and services.may_see_page(user, page, community)


def resolve(pk: int) -> flows.Item | None:
    page = db.session.get(WikiPage, pk)
    if page is None or page.is_deleted:
        return None
    community = page.community
    return flows.Item(title=page.title, url=_url(page), community=community, readable=_readable(page, community),
                      load_text=lambda: Markup(page.body_html or "").striptags()[:600])


def create(user, community: Community, data: flows.Incoming) -> tuple[str, str]:
    parent_id = parse_id(data.place)
    try:
        page = services.create_page(community, user, title=data.title, parent_id=parent_id, body=data.body,
                                    summary=str(_l("From the forum")))
    except services.WikiError as e:
        field = {"parent": "place", "parent_id": "place"}.get(e.field or "", e.field)
        raise flows.FlowError(e.message, field) from e
    hooks.created(page, user)  # the stream, the author's watch; or held for approval
    return f"wiki_page:{page.id}", _url(page)


def places(community: Community) -> list[tuple[str, str]]:
    return [(str(i), label) for i, label in tree.parent_choices(community.id)]


flows.register_source(flows.Source(type="wiki_page", resolve=resolve, label=lambda: _l("Wiki page")))
flows.register_receiver(flows.Receiver(
    name="wiki.page", tool="wiki", label=lambda: _l("wiki page"), may_receive=services.may_edit, create=create,
    places=places, places_label=lambda: _l("Under the page")))
