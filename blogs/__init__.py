"""Blogs: a blog per community (the Blog tab) and one per person (on their profile), posts with
drafts, scheduling, tags, comments and likes, Atom feeds, announcements with read receipts, and
idea campaigns with votes. Plugs into the core through its registries only: the community tab
(collab.tools), the profile section (collab.accounts) and the search types (collab.search)."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from collab.search import SearchType, register_type
from collab.tools import Tool, register_tool

from . import indexing
from .models import BlogComment, BlogPost, Idea

bp = Blueprint("blogs", __name__, template_folder="templates")


def _waiting_for(user) -> list[tuple[str, str]]:
    """Announcements the person has not acknowledged yet, for the home page."""
    from flask_babel import gettext

    from .services import unacknowledged

    return [(gettext("Read and acknowledge “%(title)s” in %(community)s", title=p.title, community=p.community.name),
             indexing.post_url(p)) for p in unacknowledged(user)]


register_tool(Tool(name="blog", label=lambda: _l("Blog"), endpoint="blogs.index", order=20,
                   activity_keys=("blog_post", "blog_comment", "blog_like", "blog_announcement", "idea",
                                  "idea_campaign"),
                   demo_content="blogs.demo:demo_content", waiting_for=_waiting_for))
register_type(SearchType(
    name="blogs", model=BlogPost, label=lambda: _l("Blog posts"), one=lambda: _l("Blog post"), to_document=indexing.post_document,
    load_all=indexing.load_posts, aliases=("blog", "post", "posts"), dependents=indexing.POST_DEPENDENTS,
))
register_type(SearchType(
    name="blog_comments", model=BlogComment, label=lambda: _l("Blog comments"), one=lambda: _l("Blog comment"),
    to_document=indexing.comment_document, load_all=indexing.load_comments, aliases=("comment", "comments"),
    dependents=indexing.COMMENT_DEPENDENTS,
))
register_type(SearchType(
    name="ideas", model=Idea, label=lambda: _l("Ideas"), one=lambda: _l("Idea"), to_document=indexing.idea_document,
    load_all=indexing.load_ideas, aliases=("idea",), dependents=indexing.IDEA_DEPENDENTS,
))

from . import analytics as _analytics, feeds, flow_hooks, moderated, views, views_ideas  # noqa: E402,F401

moderated.register_types()
_analytics.register()

from collab import audit  # noqa: E402

audit.register_labels({
    "blogs.delete_post": _l("Blog post removed by a moderator"),
    "blogs.remove_comment": _l("Blog comment removed by a moderator"),
    "blogs.settings": _l("Blog settings changed"),
    "blogs.withdraw_idea": _l("Idea withdrawn by a moderator"),
    "blogs.idea_status": _l("Idea status changed"),
}, group=("blogs.", _l("Blogs: everything")))
