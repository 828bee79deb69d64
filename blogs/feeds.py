"""Atom feeds per blog and per tag. A feed reader carries no session cookie, so a feed address
holds the reader's personal feed token; the feed shows exactly what that person may read, and a
community they may not see answers 404 like every other address of it."""
from __future__ import annotations

from datetime import timezone

from feedgen.feed import FeedGenerator
from flask import Response, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, select
from sqlalchemy.orm import undefer

from collab.accounts.models import User
from collab.db import utcnow
from collab.extensions import db
from communities.models import Community

from . import bp, services
from .indexing import post_url
from .models import BlogPost, BlogPostTag
from .services import Blog

FEED_SIZE = 30


def _reader():
    user = current_user._get_current_object()
    if user.is_authenticated:
        return user
    return services.user_for_token(request.args.get("token"))


def _blog(reader, slug, username) -> Blog:
    if reader is None:
        abort(404)
    if slug is not None:
        community = db.session.scalar(select(Community).where(Community.slug == slug))
        if community is None:
            abort(404)
        blog = Blog(community=community)
    else:
        owner = db.session.scalar(select(User).where(User.username == username))
        if owner is None or not owner.is_active:
            abort(404)
        blog = Blog(owner=owner)
    if not services.may_read(reader, blog):
        abort(404)
    return blog


def _render(blog: Blog, tag: str | None) -> Response:
    now = utcnow()
    stmt = (select(BlogPost).where(blog.posts_clause(), BlogPost.live_clause(now))
            .options(undefer(BlogPost.body_html)).order_by(BlogPost.published_at.desc(), BlogPost.id.desc()))
    if tag:
        stmt = stmt.where(exists().where(BlogPostTag.post_id == BlogPost.id, BlogPostTag.tag == tag))
    posts = db.session.scalars(stmt.limit(FEED_SIZE)).all()
    home = url_for("blogs.index", **blog.key, _external=True) + (f"?tag={tag}" if tag else "")
    fg = FeedGenerator()
    fg.id(home)
    title = _("%(name)s: blog", name=blog.name)
    fg.title(f"{title} · #{tag}" if tag else title)
    fg.link(href=home, rel="alternate")
    fg.link(href=request.base_url, rel="self")
    fg.updated(max((p.edited_at or p.published_at for p in posts), default=now))
    fg.generator("collab")
    for p in reversed(posts):  # feedgen prepends: add oldest first
        entry = fg.add_entry()
        link = post_url(p, _external=True)
        entry.id(link)
        entry.title(p.title)
        entry.link(href=link, rel="alternate")
        entry.author(name=p.author.name)
        entry.published(p.published_at.astimezone(timezone.utc))
        entry.updated((p.edited_at or p.published_at).astimezone(timezone.utc))
        if p.summary:
            entry.summary(p.summary)
        entry.content(p.body_html or "", type="html")
        for t in p.tags:
            entry.category(term=t)
    response = Response(fg.atom_str(pretty=False), mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/c/<slug>/blog/feed.atom", defaults={"username": None})
@bp.route("/u/<username>/blog/feed.atom", defaults={"slug": None})
def feed(slug, username):
    reader = _reader()
    return _render(_blog(reader, slug, username), None)


@bp.route("/c/<slug>/blog/tags/<tag>/feed.atom", defaults={"username": None})
@bp.route("/u/<username>/blog/tags/<tag>/feed.atom", defaults={"slug": None})
def tag_feed(slug, username, tag: str):
    reader = _reader()
    return _render(_blog(reader, slug, username), tag.strip().lower()[:40])
