"""Knowledge flows between tools: a chat conversation becomes a forum topic, an answered topic a
wiki page, a post or topic is copied to another community, each with its provenance kept and
shown both ways; and related content beside each item.

The tools never import each other: each registers what it can receive and what it can be the
source of (``register_receiver``, ``register_source``, see registry.py) and calls ``start`` to
prepare a draft the person edits (services.py). Templates show an item's provenance and related
items with one line each: ``{{ flow_provenance("forum_topic:12") }}`` and
``{{ flow_related("forum_topic:12") }}``.
"""
from __future__ import annotations

from flask import Blueprint
from jinja2 import pass_context

from .registry import (  # noqa: F401  (the interface tools use)
    FlowError, Incoming, Item, Outgoing, Receiver, Source, register_receiver, register_source,
)
from .services import actions, can_receive, has_links, provenance, record_link, start  # noqa: F401

bp = Blueprint("flows", __name__, template_folder="templates")


@bp.app_template_global()
@pass_context
def flow_provenance(context, key: str, group: str | None = None, links: bool = True, actions: bool = True):
    """The "from ... / turned into ... / copied to ..." lines and flow actions of an item (the
    community of the page it is on is not named again). ``links=False`` when the page already
    knows the item has no flow link (``has_links`` in its own statement); ``actions=False`` when
    the page lists the actions in its own menu (``flow_actions``)."""
    from flask_login import current_user
    from markupsafe import Markup

    shown = provenance(current_user._get_current_object(), key, group=group, links=links, with_actions=actions)
    if not shown:
        return Markup("")
    here = context.get("community")
    return Markup(_render(context, "flows/_provenance.html", prov=shown, flow_key=key,
                          here_id=getattr(here, "id", None)))


@bp.app_template_global()
@pass_context
def flow_related(context, key: str):
    """The related-content list of an item (or the way to show it again, when hidden). A list
    that would take a search is left to the browser: a hidden slot that static/js/collab.js
    fills from ``flows.related_part`` once the page has loaded."""
    from flask import request, url_for
    from flask_login import current_user
    from markupsafe import Markup

    from .related import related_for

    back = request.full_path.rstrip("?")
    found = related_for(current_user._get_current_object(), key, search=False)
    if found is None:
        return Markup('<div class="flow-related-slot" data-related="{}" hidden></div>').format(
            url_for("flows.related_part", key=key, next=back))
    if not found.hidden and not found.items:
        return Markup("")
    return Markup(_render(context, "flows/_related.html", related=found, flow_key=key, back=back))


def _render(context, name: str, **values) -> str:
    """A part of the page it is called from: rendered with the page's environment and globals,
    without running the context processors again (each costs queries)."""
    return context.environment.get_template(name).render(**values)



@bp.app_template_global()
def flow_actions(key: str) -> list[tuple[str, str]]:
    """The flow actions (label, address) the reader may take on ``key``, for a page's own menu."""
    from flask_login import current_user

    return actions(current_user._get_current_object(), key)


@bp.app_template_global()
def flow_can_receive(receiver: str, community) -> bool:
    from flask_login import current_user

    return can_receive(receiver, current_user._get_current_object(), community)


from . import views  # noqa: E402,F401
