"""The blogs' side of collab.analytics: what a "blog_post:<id>" key is (live posts only) and the
batched view counter."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from collab import analytics
from collab.extensions import db

from .indexing import post_url
from .models import BlogPost
from .services import add_views


def _posts(pks: list[int]) -> dict[int, tuple[str, str]]:
    posts = db.session.scalars(select(BlogPost).where(BlogPost.id.in_(pks), BlogPost.is_deleted.is_(False)))
    return {p.id: (p.title, post_url(p)) for p in posts if p.is_live()}


def register() -> None:
    analytics.register_source(analytics.Source("blogs", lambda: _l("Blogs"), ("blog_post", "blog_comment", "idea"),
                                               order=20))
    analytics.register_content(analytics.Content("blog_post", describe=_posts, apply_views=add_views))
