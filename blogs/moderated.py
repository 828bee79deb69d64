"""The blogs' side of the one moderation queue (collab.moderation): blog posts and comments can
be flagged, hidden, shown again, deleted, and wait for approval in a pre-moderated community."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from collab.db import utcnow
from collab.extensions import db
from collab.moderation import DELETED, HIDDEN, PENDING, VISIBLE, Item, ModeratedType, register
from collab.text import plain_excerpt

from . import hooks, services
from .indexing import post_url
from .models import BlogComment, BlogPost


def _state(obj) -> str:
    if obj.is_deleted:
        return DELETED
    return {"pending": PENDING, "hidden": HIDDEN, "flags": HIDDEN}.get(obj.moderation or "", VISIBLE)


# --------------------------------------------------------------------------- posts


def _may_see(post: BlogPost):
    """Who may read the post (a scheduled one: its author; a hidden one: also the moderators),
    and so its comments: the blog's own rule, also for what the flag form shows of it."""
    blog = services.Blog(community=post.community) if post.community_id else services.Blog(owner=post.author)
    return lambda user: services.may_read(user, blog) and services.may_see_post(user, blog, post)



def load_post(pk: int) -> Item | None:
    post = db.session.get(BlogPost, pk)
    if post is None or (post.status != "published" and not post.is_deleted):
        return None  # drafts are their author's alone
    return Item(key=f"blog_post:{post.id}", community=post.community, author=post.author, title=post.title,
                excerpt=post.summary or plain_excerpt(post.body, 300), url=post_url(post), state=_state(post),
                auto_hidden=post.moderation == "flags" and not post.is_deleted, viewable_by=_may_see(post))


def hide_post(pk: int, user) -> None:
    post = db.session.get(BlogPost, pk)
    post.moderation = "hidden" if user is not None else "flags"
    hooks.hidden(post)


def unhide_post(pk: int, user) -> None:
    post = db.session.get(BlogPost, pk)
    post.moderation = None
    if post.released_at is None:
        services.release_now(post)
    elif post.is_live():  # its lines come back with their first dates; nobody is told twice
        hooks.shown_again(post)


def delete_post(pk: int, user) -> None:
    """Soft delete (restorable from the post page), as the blog's own delete does; the audit
    entry is the moderation decision's."""
    post = db.session.get(BlogPost, pk)
    post.is_deleted, post.deleted_at, post.deleted_by_id = True, utcnow(), user.id
    services.queue_waiting(post, waiting=False)
    hooks.hidden(post)


def approve_post(pk: int, user) -> None:
    post = db.session.get(BlogPost, pk)
    post.moderation = None
    db.session.flush()
    services.release_now(post)


# --------------------------------------------------------------------------- comments


def load_comment(pk: int) -> Item | None:
    comment = db.session.get(BlogComment, pk)
    if comment is None:
        return None
    post = comment.post
    state = DELETED if post.is_deleted else _state(comment)
    return Item(key=f"blog_comment:{comment.id}", community=post.community, author=comment.author,
                title=post.title, excerpt=plain_excerpt(comment.body, 300),
                url=post_url(post, _anchor=f"comment-{comment.id}"), state=state,
                auto_hidden=comment.moderation == "flags" and state == HIDDEN, viewable_by=_may_see(post))


def _count(comment: BlogComment, delta: int) -> None:
    db.session.execute(update(BlogPost).where(BlogPost.id == comment.post_id)
                       .values(comment_count=BlogPost.comment_count + delta).execution_options(synchronize_session=False))


def hide_comment(pk: int, user) -> None:
    comment = db.session.get(BlogComment, pk)
    if comment.moderation is None:
        _count(comment, -1)
    comment.moderation = "hidden" if user is not None else "flags"
    hooks.hidden_comment(comment)


def unhide_comment(pk: int, user) -> None:
    comment = db.session.get(BlogComment, pk)
    comment.moderation = None
    _count(comment, 1)
    hooks.comment_shown_again(comment)


def delete_comment(pk: int, user) -> None:
    comment = db.session.get(BlogComment, pk)
    if comment.is_deleted:
        return
    if comment.moderation is None:
        _count(comment, -1)
    comment.is_deleted, comment.removed_by_moderator = True, True
    hooks.hidden_comment(comment)


def approve_comment(pk: int, user) -> None:
    comment = db.session.get(BlogComment, pk)
    comment.moderation = None
    _count(comment, 1)
    db.session.flush()
    parent = db.session.get(BlogComment, comment.parent_id) if comment.parent_id else None
    if comment.post.is_live():
        hooks.commented(comment.post, comment, parent)


def register_types() -> None:
    register(ModeratedType(name="blog_post", label=lambda: _l("Blog post"), load=load_post, hide=hide_post,
                           unhide=unhide_post, delete=delete_post, approve=approve_post, reject=delete_post))
    register(ModeratedType(name="blog_comment", label=lambda: _l("Blog comment"), load=load_comment,
                           hide=hide_comment, unhide=unhide_comment, delete=delete_comment,
                           approve=approve_comment, reject=delete_comment))
