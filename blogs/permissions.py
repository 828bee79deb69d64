"""Whose blog it is (``Blog``: a community's or a person's), the error its operations raise, and
who may do what there, decided through collab.access for the two kinds of blog: a community's blog
(the community's access and roles, plus the blog's own "who may post" setting) and a person's blog
on their profile (readable by every signed-in person, written by its owner). blogs.services
re-exports these names for its callers."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from collab import access
from collab.accounts.models import User
from collab.extensions import db
from communities.models import Community

from .models import POSTING_MEMBERS, BlogPost, BlogSettings


class BlogError(ValueError):
    def __init__(self, message, field: str | None = None, status: int = 400):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.status = status


def token_used_elsewhere() -> BlogError:
    """A duplicate-submit token already stored with something else than what this form makes."""
    return BlogError(_l("This form was already sent for something else. Reload the page and send it again."),
                     status=409)


@dataclass(frozen=True)
class Blog:
    """Whose blog: a community's (``community``) or a person's (``owner``)."""

    community: Community | None = None
    owner: User | None = None

    @property
    def key(self) -> dict:
        """The URL arguments of this blog's pages."""
        return {"slug": self.community.slug} if self.community else {"username": self.owner.username}

    @property
    def name(self) -> str:
        return self.community.name if self.community else self.owner.name

    def owns(self, post: BlogPost) -> bool:
        if self.community is not None:
            return post.community_id == self.community.id
        return post.community_id is None and post.author_id == self.owner.id

    def posts_clause(self):
        if self.community is not None:
            return BlogPost.community_id == self.community.id
        return (BlogPost.community_id.is_(None)) & (BlogPost.author_id == self.owner.id)


# --------------------------------------------------------------------------- who may


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def posting_rule(community: Community) -> str:
    row = db.session.get(BlogSettings, community.id)
    return row.posting if row else POSTING_MEMBERS


def may_read(user, blog: Blog) -> bool:
    if blog.community is not None:
        return access.can_view(user, blog.community) and blog.community.has_tool("blog")
    return _signed_in(user)


def may_write(user, blog: Blog) -> bool:
    if blog.community is not None:
        c = blog.community
        if not access.can_post(user, c):
            return False
        return posting_rule(c) == POSTING_MEMBERS or access.can_moderate(user, c)
    return _signed_in(user) and user.id == blog.owner.id


def may_comment(user, blog: Blog) -> bool:
    if blog.community is not None:
        return access.can_post(user, blog.community)
    return _signed_in(user)


def may_moderate(user, blog: Blog) -> bool:
    if blog.community is not None:
        return access.can_moderate(user, blog.community)
    return access.is_admin(user) or (_signed_in(user) and user.id == blog.owner.id)


def may_manage(user, blog: Blog) -> bool:
    """Blog settings, announcements, idea campaigns: community owners and admins."""
    return blog.community is not None and access.can_manage(user, blog.community)


def may_edit_post(user, blog: Blog, post: BlogPost) -> bool:
    if blog.community is not None:
        return access.can_edit_owned(user, post.author_id, blog.community)
    return _signed_in(user) and (user.id == post.author_id or user.is_admin)


def may_see_post(user, blog: Blog, post: BlogPost) -> bool:
    """Readers see live posts; drafts and scheduled posts are their author's alone; a deleted post
    stays visible (with a restore button) to whoever may restore it, and one that was never
    published (a deleted draft) to its author alone; one that waited for approval also to the
    moderators who saw it wait (rejected by one of them, it can be restored to wait again)."""
    if post.is_deleted:
        if post.released_at is None and post.moderation != "pending":
            return _signed_in(user) and user.id == post.author_id
        return may_edit_post(user, blog, post)
    if post.is_live():
        return True
    if post.moderation and may_moderate(user, blog):
        return True
    return _signed_in(user) and user.id == post.author_id
