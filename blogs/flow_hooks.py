"""Blogs in knowledge flows (collab.flows calls these; no other tool is imported): a post is a
source (provenance, related content, copies to another community) and a community blog receives
copies."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from collab import flows
from collab.extensions import db
from communities.models import Community

from . import services
from .indexing import post_url
from .models import BlogPost
from .services import Blog, PostInput


def _blog(post: BlogPost) -> Blog:
    return Blog(community=post.community) if post.community_id else Blog(owner=post.author)


def _may_see(user, post: BlogPost) -> bool:
    blog = _blog(post)
    return services.may_read(user, blog) and not post.is_deleted and services.may_see_post(user, blog, post)


def resolve(pk: int) -> flows.Item | None:
    post = db.session.get(BlogPost, pk)
    if post is None or post.is_deleted:
        return None
    return flows.Item(title=post.title, url=post_url(post), community=post.community,
                      readable=lambda user: _may_see(user, post), tags=[t for t in post.tags_text.split(",") if t],
                      load_text=lambda: Markup(post.body_html or "").striptags()[:600])


def export(user, pk: int) -> flows.Outgoing | None:
    post = db.session.get(BlogPost, pk)
    if post is None or not _may_see(user, post) or not post.is_live():
        return None
    return flows.Outgoing(title=post.title, body=post.body, tags=post.tags_text.replace(",", ", "))


def create(user, community: Community, data: flows.Incoming) -> tuple[str, str]:
    try:
        post = services.create_post(Blog(community=community), user, PostInput(
            title=data.title, body=data.body, tags=data.tags, action="publish", client_token=data.token))
    except services.BlogError as e:
        raise flows.FlowError(e.message, e.field) from e
    return f"blog_post:{post.id}", post_url(post)


flows.register_source(flows.Source(type="blog_post", resolve=resolve, label=lambda: _l("Blog post"),
                                   export=export, copy_to="blogs.post"))
flows.register_receiver(flows.Receiver(
    name="blogs.post", tool="blog", label=lambda: _l("blog post"),
    may_receive=lambda user, community: services.may_write(user, Blog(community=community)), create=create))
