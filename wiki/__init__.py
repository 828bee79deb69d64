"""Community wikis: a tree of Markdown pages with full history, three-way merged saves, links and
backlinks, trash. Plugs into the core through its registries only: the Wiki tab of a community
(collab.tools) and the "wiki" search type (collab.search)."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from collab.search import SearchType, register_type
from collab.tools import Tool, register_tool

from . import indexing
from .models import WikiPage

bp = Blueprint("wiki", __name__, template_folder="templates")

register_tool(Tool(name="wiki", label=lambda: _l("Wiki"), endpoint="wiki.home", order=10,
                   activity_keys=("wiki_page", "wiki_comment", "wiki_revision"), demo_content="wiki.demo:demo_content"))
register_type(SearchType(
    name="wiki", model=WikiPage, label=lambda: _l("Wiki pages"), one=lambda: _l("Wiki page"), to_document=indexing.to_document,
    load_all=indexing.load_all, aliases=("page", "pages", "wikis"), dependents=indexing.DEPENDENTS,
))

from . import analytics as _analytics, attachment_views, flow_hooks, moderated, social_views, tree, views  # noqa: E402,F401

moderated.register_types()
_analytics.register()

from collab import audit  # noqa: E402

audit.register_labels({
    "wiki.lock": _l("Wiki page locked"),
    "wiki.unlock": _l("Wiki page unlocked"),
    "wiki.delete": _l("Wiki page moved to the trash"),
    "wiki.restore": _l("Wiki page restored from the trash"),
    "wiki.settings": _l("Wiki settings changed"),
}, group=("wiki.", _l("Wiki: everything")))
