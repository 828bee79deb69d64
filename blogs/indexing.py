"""How blog posts, comments and ideas become search documents (collab.search calls these)."""
from __future__ import annotations

from flask import url_for
from markupsafe import Markup
from sqlalchemy import inspect, select
from sqlalchemy.orm import undefer

from collab.extensions import db
from communities.models import Community

from .models import BlogComment, BlogPost, Idea


def _scope(community_id: int | None) -> str:
    # Personal blogs are read by every signed-in person.
    return f"community:{community_id}" if community_id else "site"


def post_url(post: BlogPost, **kw) -> str:
    if post.community_id:
        return url_for("blogs.post", slug=post.community.slug, post_id=post.id, **kw)
    return url_for("blogs.post", username=post.author.username, post_id=post.id, **kw)


def _blog_off(community_id: int | None, community) -> bool:
    """The community's blog switched off: its posts, comments and ideas are 404, and not found."""
    return community_id is not None and not community.has_tool("blog")


def post_document(post: BlogPost) -> dict | None:
    if not post.is_live() or post.released_at is None or _blog_off(post.community_id, post.community):
        return None
    return {
        "title": post.title,
        "body": " ".join([post.summary, Markup(post.body_html or "").striptags()]),
        "community": post.community_id,
        "scope": _scope(post.community_id),
        "author": post.author.username,
        "tags": post.tags,
        "created": post.published_at,
        "updated": post.edited_at or post.published_at,
        "url": post_url(post),
    }


def comment_document(comment: BlogComment) -> dict | None:
    post = comment.post
    if comment.is_deleted or comment.moderation or not post.is_live() or post.released_at is None \
            or _blog_off(post.community_id, post.community):
        return None
    return {
        "title": post.title,
        "body": Markup(comment.body_html or "").striptags(),
        "community": post.community_id,
        "scope": _scope(post.community_id),
        "author": comment.author.username if comment.author else "",
        "tags": [],
        "created": comment.created_at,
        "updated": comment.edited_at or comment.created_at,
        "url": post_url(post, _anchor=f"comment-{comment.id}"),
    }


def idea_document(idea: Idea) -> dict | None:
    if idea.is_deleted or _blog_off(idea.community_id, idea.community):
        return None
    return {
        "title": idea.title,
        "body": Markup(idea.body_html or "").striptags(),
        "community": idea.community_id,
        "scope": _scope(idea.community_id),
        "author": idea.author.username if idea.author else "",
        "tags": [idea.status],
        "created": idea.created_at,
        "updated": idea.updated_at,
        "url": url_for("blogs.idea", slug=idea.community.slug, idea_id=idea.id),
    }


def load_posts():
    yield from db.session.scalars(select(BlogPost).where(BlogPost.live_clause()).order_by(BlogPost.id)
                                  .options(undefer(BlogPost.body_html)).execution_options(yield_per=500))


def load_comments():
    yield from db.session.scalars(select(BlogComment).where(BlogComment.is_deleted.is_(False))
                                  .order_by(BlogComment.id).execution_options(yield_per=500))


def load_ideas():
    yield from db.session.scalars(select(Idea).where(Idea.is_deleted.is_(False)).order_by(Idea.id)
                                  .execution_options(yield_per=500))


def _changed(obj, *names) -> bool:
    state = inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


def _readdressed(community: Community) -> bool:
    """A new web address (every URL changes), or the blog switched off or on."""
    state = inspect(community)
    return not (state.deleted or state.was_deleted) and (state.attrs.slug.history.has_changes()
                                                         or state.attrs.tools.history.has_changes())


def _posts_of_readdressed(community: Community):
    if not _readdressed(community):
        return []
    return db.session.scalars(select(BlogPost.id).where(BlogPost.community_id == community.id)).all()


def _comments_of_readdressed(community: Community):
    if not _readdressed(community):
        return []
    return db.session.scalars(select(BlogComment.id).join(BlogPost, BlogPost.id == BlogComment.post_id)
                              .where(BlogPost.community_id == community.id)).all()


def _ideas_of_readdressed(community: Community):
    if not _readdressed(community):
        return []
    return db.session.scalars(select(Idea.id).where(Idea.community_id == community.id)).all()


def _comments_of_post(post: BlogPost):
    """A post deleted, restored, retitled or released: its comments' documents follow."""
    state = inspect(post)
    if state.deleted or state.was_deleted or state.pending:
        return []
    if not _changed(post, "is_deleted", "status", "published_at", "released_at", "title", "moderation"):
        return []
    return db.session.scalars(select(BlogComment.id).where(BlogComment.post_id == post.id)).all()


POST_DEPENDENTS = ((Community, _posts_of_readdressed),)
COMMENT_DEPENDENTS = ((Community, _comments_of_readdressed), (BlogPost, _comments_of_post))
IDEA_DEPENDENTS = ((Community, _ideas_of_readdressed),)
