"""Blog operations and their rules. Views call these; nothing here touches the request.

Who may do what (``may_*``, blogs.permissions) and the cleaning of what authors type (blogs.text)
live beside this module and are re-exported here, so callers keep asking ``services``.

Counters (likes, comments) change only by SQL arithmetic next to the row that justifies them, and
rows that may exist once per person (likes, read receipts) are inserted with ON CONFLICT DO
NOTHING, so double clicks and concurrent requests never count twice.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from collab import access, audit, moderation
from collab.accounts.models import User
from collab.db import insert_once, utcnow
from collab.extensions import db
from communities.models import Community

from .models import (
    BODY_MAX,
    COMMENT_MAX,
    DRAFT,
    POSTING_MEMBERS,
    POSTING_MODERATORS,
    PUBLISHED,
    SUMMARY_MAX,
    BlogAck,
    BlogComment,
    BlogFeedToken,
    BlogLike,
    BlogPost,
    BlogPostTag,
    BlogSettings,
)
from . import hooks
from .permissions import (  # noqa: F401  (re-exported: callers ask services)
    Blog,
    BlogError,
    _signed_in,
    may_comment,
    may_edit_post,
    may_manage,
    may_moderate,
    may_read,
    may_see_post,
    may_write,
    posting_rule,
    token_used_elsewhere,
)
from .text import clean_title, parse_tags, reading_minutes, render  # noqa: F401  (re-exported too)


def insert_ignore(model, **values) -> bool:
    """INSERT the row unless one with the same key exists; True when this call inserted it."""
    dialect = db.session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
    key = list(db.inspect(model).primary_key)
    stmt = ins.values(**values).on_conflict_do_nothing().returning(*key)
    return db.session.execute(stmt).first() is not None


# --------------------------------------------------------------------------- posts


@dataclass
class PostInput:
    title: str
    body: str
    summary: str = ""
    tags: str = ""
    action: str = "draft"  # draft | publish | schedule | save (keep the current state)
    publish_at: datetime | None = None  # aware; with action "schedule"
    client_token: str | None = None


def _apply(post: BlogPost, data: PostInput, now: datetime) -> None:
    post.title = clean_title(data.title)
    body = (data.body or "").replace("\r\n", "\n")
    if len(body) > BODY_MAX:
        raise BlogError(_l("The text is too long (at most %(max)d characters).", max=BODY_MAX), "body")
    summary = " ".join((data.summary or "").split())
    if len(summary) > SUMMARY_MAX:
        raise BlogError(_l("A summary has at most %(max)d characters.", max=SUMMARY_MAX), "summary")
    tags = parse_tags(data.tags)
    if data.action == "schedule":
        if data.publish_at is None:
            raise BlogError(_l("Give the date and time to publish at."), "publish_at")
        if data.publish_at <= now:
            raise BlogError(_l("The scheduled time is in the past. Choose a later time, or publish now."),
                            "publish_at")
    if body != (post.body or "") or not post.body_html:
        post.body = body
        post.body_html = render(body)
        post.reading_minutes = reading_minutes(body)
    post.summary = summary
    current = {t.tag: t for t in post.tag_rows}
    post.tag_rows = [current.get(t) or BlogPostTag(tag=t) for t in tags]
    post.tags_text = ",".join(tags)
    if data.action == "draft":
        post.status, post.published_at = DRAFT, None
    elif data.action == "publish":
        post.status = PUBLISHED
        if post.published_at is None or post.published_at > now:
            post.published_at = now
    elif data.action == "schedule":
        post.status, post.published_at = PUBLISHED, data.publish_at


def find_by_token(author: User, token: str | None) -> BlogPost | None:
    if not token:
        return None
    return db.session.scalar(select(BlogPost).where(BlogPost.author_id == author.id, BlogPost.client_token == token))


def _earlier_post(blog: Blog, author: User, token: str | None) -> BlogPost | None:
    earlier = find_by_token(author, token)
    if earlier is not None and earlier.community_id != (blog.community.id if blog.community else None):
        raise token_used_elsewhere()
    return earlier  # a second submit of the same form


def create_post(blog: Blog, author: User, data: PostInput) -> BlogPost:
    if not may_write(author, blog):
        raise BlogError(_l("You may not write posts in this blog."))
    earlier = _earlier_post(blog, author, data.client_token)
    if earlier is not None:
        return earlier
    now = utcnow()
    post = BlogPost(community_id=blog.community.id if blog.community else None, author_id=author.id,
                    author=author, community=blog.community, client_token=data.client_token or None, body="")
    _apply(post, data, now)
    stored = insert_once(post, lambda: _earlier_post(blog, author, data.client_token))
    if stored is not post:
        return stored
    _release_if_live(post, now)
    return post


def post_version(post: BlogPost) -> str:
    """A short fingerprint of what an editor changes (title, text, summary, tags, status, publishing
    time): an edit started from another version would overwrite someone's change."""
    when = post.published_at.isoformat() if post.published_at else ""
    state = "\x1f".join([post.title or "", post.body or "", post.summary or "", post.tags_text or "",
                          post.status or "", when])
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def edit_post(blog: Blog, post: BlogPost, editor: User, data: PostInput) -> BlogPost:
    if not may_edit_post(editor, blog, post):
        raise BlogError(_l("You may not edit this post."))
    if post.is_deleted:
        raise BlogError(_l("This post was deleted while you were editing it, so your edit was not saved."), "body")
    now = utcnow()
    was_live, previous = post.is_live(now), post.body
    _apply(post, data, now)
    if was_live and post.is_live(now):
        post.edited_at = now
    db.session.flush()
    if post.released_at is not None and post.is_live(now) and post.body != previous:
        hooks.edited(post, previous, editor)
    if was_live and not post.is_live(now) and post.released_at is not None:
        # Back to a draft, or moved to a later time: out of the streams and notifications until
        # it is live again, when it is released anew.
        post.released_at = None
        hooks.hidden(post)
    _release_if_live(post, now)
    return post


def _release_if_live(post: BlogPost, now: datetime) -> None:
    if post.released_at is None and post.is_live(now) and not _held(post):
        post.released_at = now
        hooks.published(post)


def _held(post: BlogPost) -> bool:
    """Pre-moderation: a new member's post waits for approval, seen by its author and moderators."""
    if post.community is None or not moderation.must_wait(post.author, post.community):
        return False
    post.moderation = "pending"
    moderation.hold(f"blog_post:{post.id}", post.community, post.author)
    return True


def release_now(post: BlogPost) -> None:
    """Approved, or shown again: a live post not yet released gets its publication side effects."""
    now = utcnow()
    if post.released_at is None and post.is_live(now):
        post.released_at = now
        hooks.published(post)


def release_due(blog: Blog | None = None) -> int:
    """Give scheduled posts whose time has come their publication side effects (search, activity).
    Visibility never waits for this: readers see a post from its time on by the query alone."""
    now = utcnow()
    stmt = select(BlogPost).where(BlogPost.released_at.is_(None), BlogPost.live_clause(now))
    if blog is not None:
        stmt = stmt.where(blog.posts_clause())
    posts = db.session.scalars(stmt.limit(100)).all()
    for post in posts:
        if _held(post):
            continue
        post.released_at = now
        hooks.published(post)
    return len(posts)


def due_exists(blog: Blog) -> bool:
    return db.session.scalar(select(BlogPost.id).where(
        blog.posts_clause(), BlogPost.released_at.is_(None), BlogPost.live_clause()).limit(1)) is not None


def delete_post(blog: Blog, post: BlogPost, user: User) -> None:
    if not may_edit_post(user, blog, post):
        raise BlogError(_l("You may not delete this post."))
    post.is_deleted = True
    post.deleted_at = utcnow()
    post.deleted_by_id = user.id
    if user.id != post.author_id:  # a moderator's (or admin's) removal
        audit.record(user, "blogs.delete_post", target=f"blog_post:{post.id}", label=post.title,
                     community=post.community)
    queue_waiting(post, waiting=False)
    hooks.hidden(post)


def queue_waiting(post: BlogPost, *, waiting: bool) -> None:
    """What waits for approval on a post (the post itself, comments on it) leaves the moderation
    queue while the post is deleted, and waits there again once it is restored: a restore neither
    publishes nor loses it."""
    if post.community is None:
        return
    held = [(f"blog_post:{post.id}", post.author)] if post.moderation == "pending" else []
    held += [(f"blog_comment:{c.id}", c.author) for c in db.session.scalars(select(BlogComment).where(
        BlogComment.post_id == post.id, BlogComment.moderation == "pending", BlogComment.is_deleted.is_(False)))]
    for key, author in held:
        if not waiting:
            moderation.forget(key)
        elif author is not None:
            moderation.hold(key, post.community, author)


def restore_post(blog: Blog, post: BlogPost, user: User) -> None:
    if not may_edit_post(user, blog, post):
        raise BlogError(_l("You may not restore this post."))
    # Only the restore that finds the post deleted brings its lines back: a second one (a double
    # click, another tab, or two at once: the row's lock makes the later one see the first) is a
    # no-op, so no line is told twice.
    restored = db.session.execute(
        update(BlogPost).where(BlogPost.id == post.id, BlogPost.is_deleted.is_(True))
        .values(is_deleted=False, deleted_at=None, deleted_by_id=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(post, ["is_deleted", "deleted_at", "deleted_by_id"])
    if not restored:
        return
    queue_waiting(post, waiting=True)
    if post.released_at is not None and post.is_live():  # what deleting it took out of the streams
        hooks.shown_again(post)


def add_views(counts: dict[int, int]) -> None:
    """Add batched page views to the posts' counters (collab.analytics calls this on flush)."""
    t = BlogPost.__table__  # one executemany
    db.session.execute(update(t).where(t.c.id == bindparam("b_id")).values(view_count=t.c.view_count + bindparam("b_n")),
                       [{"b_id": post_id, "b_n": n} for post_id, n in sorted(counts.items())])


def like(blog: Blog, post: BlogPost, user: User) -> bool:
    if not may_comment(user, blog) or not post.is_live():
        raise BlogError(_l("You may not like this post."))
    if not insert_ignore(BlogLike, post_id=post.id, user_id=user.id, created_at=utcnow()):
        return False
    db.session.execute(update(BlogPost).where(BlogPost.id == post.id)
                       .values(like_count=BlogPost.like_count + 1).execution_options(synchronize_session=False))
    hooks.liked(post, user)
    return True


def unlike(post: BlogPost, user: User) -> bool:
    gone = db.session.execute(delete(BlogLike).where(BlogLike.post_id == post.id, BlogLike.user_id == user.id))
    if gone.rowcount != 1:
        return False
    db.session.execute(update(BlogPost).where(BlogPost.id == post.id)
                       .values(like_count=BlogPost.like_count - 1).execution_options(synchronize_session=False))
    hooks.unliked(post, user)
    return True


def has_liked(post: BlogPost, user) -> bool:
    if not _signed_in(user):
        return False
    return db.session.scalar(select(BlogLike.post_id).where(BlogLike.post_id == post.id,
                                                            BlogLike.user_id == user.id)) is not None


# --------------------------------------------------------------------------- comments


def _clean_comment(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise BlogError(_l("Write something first."), "body")
    if len(body) > COMMENT_MAX:
        raise BlogError(_l("A comment has at most %(max)d characters.", max=COMMENT_MAX), "body")
    return body


def comment_closed(user, blog: Blog, post: BlogPost):
    """Why a comment the person typed on ``post`` cannot be posted when only a change made since
    they read it stops it (deleted, hidden, unpublished): the message the views show with their
    text. None when comments are open, or when the person may not comment here at all."""
    if not may_comment(user, blog) or post.is_live():
        return None
    return _l("This post is not published now, so your comment was not posted.")


def edit_closed(user, blog: Blog, post: BlogPost):
    """Why an edit the person typed cannot be saved when the author took the post out of their
    sight since they opened it (back to a draft, scheduled for later): the message the views show
    with their text. None when the person may not edit the post at all."""
    if not may_edit_post(user, blog, post) or post.is_live():
        return None
    return _l("This post is not published now, so your edit was not saved.")


def saw_post(user, blog: Blog, post: BlogPost) -> bool:
    """Could the person read the post before it was taken away? Deleted or hidden after it was
    published: everyone who reads the blog (a draft or a post waiting for approval: its author)."""
    return may_see_post(user, blog, post) or (post.released_at is not None and may_read(user, blog))


def _earlier_comment(post: BlogPost, author: User, token: str | None) -> BlogComment | None:
    if not token:
        return None
    earlier = db.session.scalar(select(BlogComment).where(BlogComment.author_id == author.id,
                                                          BlogComment.client_token == token))
    if earlier is not None and earlier.post_id != post.id:
        raise token_used_elsewhere()
    return earlier  # a second submit of the same form


def add_comment(blog: Blog, post: BlogPost, author: User, body: str, parent_id: int | None = None,
                client_token: str | None = None) -> BlogComment:
    if not may_comment(author, blog):
        raise BlogError(_l("You may not comment on this post."))
    if not post.is_live():
        raise BlogError(comment_closed(author, blog, post), "body")
    earlier = _earlier_comment(post, author, client_token)
    if earlier is not None:
        return earlier
    body = _clean_comment(body)
    parent = None
    if parent_id:
        parent = db.session.get(BlogComment, parent_id)
        if parent is None or parent.post_id != post.id or parent.is_deleted:
            raise BlogError(_l("The comment you replied to is gone."))
        if parent.parent_id is not None:  # one level of replies: answer the thread
            parent = db.session.get(BlogComment, parent.parent_id)
    comment = BlogComment(post_id=post.id, post=post, parent_id=parent.id if parent else None, author_id=author.id,
                          author=author, body=body, body_html=render(body), client_token=client_token or None)
    stored = insert_once(comment, lambda: _earlier_comment(post, author, client_token))
    if stored is not comment:
        return stored
    if post.community is not None and moderation.must_wait(author, post.community):
        comment.moderation = "pending"  # no count, event or notification until approved
        db.session.flush()
        moderation.hold(f"blog_comment:{comment.id}", post.community, author)
        return comment
    db.session.execute(update(BlogPost).where(BlogPost.id == post.id)
                       .values(comment_count=BlogPost.comment_count + 1).execution_options(synchronize_session=False))
    db.session.flush()
    hooks.commented(post, comment, parent)
    return comment


def edit_comment(blog: Blog, comment: BlogComment, user: User, body: str) -> None:
    if comment.is_deleted or not _signed_in(user) or comment.author_id != user.id:
        raise BlogError(_l("You can only edit your own comments."))
    if not may_comment(user, blog):  # e.g. the community is archived, or one has left it
        raise BlogError(_l("You may not comment on this post."))
    body = _clean_comment(body)
    if body != comment.body:
        comment.body, comment.body_html, comment.edited_at = body, render(body), utcnow()


def delete_comment(blog: Blog, comment: BlogComment, user: User) -> None:
    own = _signed_in(user) and comment.author_id == user.id and may_comment(user, blog)
    if comment.is_deleted:
        return
    if not own and not may_moderate(user, blog):
        raise BlogError(_l("You may not remove this comment."))
    comment.is_deleted = True
    comment.removed_by_moderator = not own
    if not own:
        audit.record(user, "blogs.remove_comment", target=f"blog_comment:{comment.id}",
                     label=comment.post.title, community=comment.post.community)
    if comment.moderation is None:  # hidden and waiting comments are not counted
        db.session.execute(update(BlogPost).where(BlogPost.id == comment.post_id)
                           .values(comment_count=BlogPost.comment_count - 1).execution_options(synchronize_session=False))
    else:
        moderation.forget(f"blog_comment:{comment.id}")
    hooks.hidden_comment(comment)


def comment_threads(post: BlogPost, viewer=None, moderator: bool = False) -> list[tuple[BlogComment, list[BlogComment]]]:
    """Top-level comments in order, each with its replies; removed comments stay as a placeholder
    only where replies hang under them. Hidden and waiting comments: their author and moderators."""
    rows = [c for c in db.session.scalars(select(BlogComment).where(BlogComment.post_id == post.id)
                                          .order_by(BlogComment.id)).all()
            if c.moderation is None or moderator or (viewer is not None and c.author_id == getattr(viewer, "id", None))]
    replies: dict[int, list[BlogComment]] = {}
    for c in rows:
        if c.parent_id is not None and not c.is_deleted:
            replies.setdefault(c.parent_id, []).append(c)
    threads = []
    for c in rows:
        if c.parent_id is None and (not c.is_deleted or replies.get(c.id)):
            threads.append((c, replies.get(c.id, [])))
    return threads


# --------------------------------------------------------------------------- settings, feeds, announcements


def set_posting(blog: Blog, user: User, rule: str) -> None:
    if not may_manage(user, blog):
        raise BlogError(_l("Only owners change the blog settings."))
    if rule not in (POSTING_MEMBERS, POSTING_MODERATORS):
        raise BlogError(_l("Choose who may post."), "posting")
    row = db.session.get(BlogSettings, blog.community.id)
    before = row.posting if row is not None else POSTING_MEMBERS
    if row is None:
        db.session.add(BlogSettings(community_id=blog.community.id, posting=rule))
    else:
        row.posting = rule
    if before != rule:
        audit.record(user, "blogs.settings", target=f"community:{blog.community.id}", label=blog.community.name,
                     community=blog.community, before={"posting": before}, after={"posting": rule})


def feed_token(user: User) -> str:
    token = db.session.scalar(select(BlogFeedToken.token).where(BlogFeedToken.user_id == user.id))
    if token:
        return token
    insert_ignore(BlogFeedToken, user_id=user.id, token=secrets.token_urlsafe(24), created_at=utcnow())
    return db.session.scalar(select(BlogFeedToken.token).where(BlogFeedToken.user_id == user.id))


def user_for_token(token: str | None) -> User | None:
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(select(User).join(BlogFeedToken, BlogFeedToken.user_id == User.id)
                             .where(BlogFeedToken.token == token))
    return user if user is not None and user.is_active else None


def reset_feed_token(user: User) -> None:
    db.session.execute(delete(BlogFeedToken).where(BlogFeedToken.user_id == user.id))


def set_announcement(blog: Blog, post: BlogPost, user: User, on: bool) -> None:
    if not may_manage(user, blog) or blog.community is None:
        raise BlogError(_l("Only owners mark announcements."))
    was, post.is_announcement = post.is_announcement, on
    if on and not was and post.released_at is not None and post.is_live():
        hooks.announced(post, user)  # one not released yet is announced when it is (hooks.published)
    elif was and not on:
        hooks.unannounced(post)


def acknowledge(blog: Blog, post: BlogPost, user: User) -> bool:
    if not post.is_announcement or not post.is_live() or not access.is_member(user, blog.community):
        raise BlogError(_l("Only members acknowledge announcements."))
    hooks.acknowledged(post, user)
    return insert_ignore(BlogAck, post_id=post.id, user_id=user.id, created_at=utcnow())


def unacknowledged(user, limit: int = 10) -> list[BlogPost]:
    """The live announcements of ``user``'s communities (with the blog on) that they have not
    acknowledged yet, newest first: the home page lists them until they are."""
    from communities.models import Membership

    if not _signed_in(user):
        return []
    return list(db.session.scalars(
        select(BlogPost).join(Membership, (Membership.community_id == BlogPost.community_id)
                              & (Membership.user_id == user.id))
        .join(Community, Community.id == BlogPost.community_id)
        .where(BlogPost.is_announcement.is_(True), BlogPost.live_clause(), BlogPost.author_id != user.id,
               Community.tools.contains("blog"), Community.is_archived.is_(False),
               ~select(BlogAck.post_id).where(BlogAck.post_id == BlogPost.id, BlogAck.user_id == user.id).exists())
        .order_by(BlogPost.published_at.desc()).limit(limit)))


def has_acknowledged(post: BlogPost, user) -> bool:
    if not _signed_in(user):
        return False
    return db.session.scalar(select(BlogAck.post_id).where(BlogAck.post_id == post.id,
                                                           BlogAck.user_id == user.id)) is not None


def read_receipts(post: BlogPost, community: Community) -> tuple[list[tuple[User, datetime]], list[User]]:
    """(members who acknowledged with when, members who have not yet), by name; the author has
    read their own announcement and is in neither list."""
    from communities.models import Membership

    read = db.session.execute(
        select(User, BlogAck.created_at).join(BlogAck, BlogAck.user_id == User.id)
        .join(Membership, (Membership.user_id == User.id) & (Membership.community_id == community.id))
        .where(BlogAck.post_id == post.id, User.id != post.author_id).order_by(User.display_name)).all()
    acked = select(BlogAck.user_id).where(BlogAck.post_id == post.id)
    unread = db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id, User.id.not_in(acked), User.id != post.author_id,
               User.is_deactivated.is_(False))
        .order_by(User.display_name)).all()
    return [(u, t) for u, t in read], list(unread)
