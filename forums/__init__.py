"""Community forums: discussions and Q&A with accepted answers, likes, flags and a review queue,
subscriptions and read positions. Plugs into the core through its registries only: the Forums tab
of a community (collab.tools) and the "forums" search type (collab.search)."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from collab.search import SearchType, register_type
from collab.tools import Tool, register_tool

from . import indexing
from .models import ForumPost

bp = Blueprint("forums", __name__, template_folder="templates")

register_tool(Tool(name="forums", label=lambda: _l("Forums"), endpoint="forums.index", order=30,
                   activity_keys=("forum_topic", "forum_post", "forum_answer", "forum_like"),
                   demo_content="forums.demo:demo_content"))
register_type(SearchType(
    name="forums", model=ForumPost, label=lambda: _l("Forum posts"), one=lambda: _l("Forum post"), to_document=indexing.to_document,
    load_all=indexing.load_all, aliases=("forum", "topic", "topics"),
    dependents=indexing.DEPENDENTS,
))

from . import analytics as _analytics, flow_hooks, flow_views, moderated, views  # noqa: E402,F401

moderated.register_types()
_analytics.register()

from collab import audit  # noqa: E402

audit.register_labels({
    "forums.pin": _l("Topic pinned"),
    "forums.unpin": _l("Topic unpinned"),
    "forums.lock": _l("Topic locked"),
    "forums.unlock": _l("Topic unlocked"),
    "forums.move": _l("Topic moved"),
    "forums.split": _l("Replies split into a new topic"),
    "forums.delete_topic": _l("Topic deleted"),
    "forums.restore_topic": _l("Topic restored"),
    "forums.hide": _l("Forum post hidden"),
    "forums.restore": _l("Forum post restored"),
    "forums.delete": _l("Forum post deleted"),
    "forums.forum_create": _l("Forum created"),
    "forums.forum_update": _l("Forum changed"),
    "forums.forum_delete": _l("Forum deleted"),
}, group=("forums.", _l("Forums: everything")))
