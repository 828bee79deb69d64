"""Moderation: pin, lock, move, hide/restore/delete posts, split a thread, and flags with the
per-community review queue. A post with FLAGS_TO_HIDE open flags is hidden until reviewed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from collab.db import utcnow
from collab.extensions import db

from . import hooks
from .models import FLAGS_TO_HIDE, HIDDEN, KEPT, OPEN, REASON_MAX, REASONS, Forum, ForumFlag, ForumPost, ForumTopic
from .services import ForumError, clean_text, may_moderate, may_view, refresh_topic
from .models import TITLE_MAX


def _require(user, community) -> None:
    if not may_moderate(user, community):
        raise ForumError(_l("Only moderators can do this."), status=403)


def set_pinned(topic: ForumTopic, user, pinned: bool) -> None:
    _require(user, topic.community)
    topic.is_pinned = pinned


def set_locked(topic: ForumTopic, user, locked: bool) -> None:
    _require(user, topic.community)
    topic.is_locked = locked


def move_topic(topic: ForumTopic, user, forum_id: int) -> Forum:
    _require(user, topic.community)
    forum = db.session.get(Forum, forum_id)
    if forum is None or forum.community_id != topic.community_id:
        raise ForumError(_l("Choose a forum of this community."), "forum")
    if forum.id != topic.forum_id:
        from .models import ForumTopicTag

        topic.forum_id = forum.id
        db.session.execute(update(ForumTopicTag).where(ForumTopicTag.topic_id == topic.id).values(forum_id=forum.id))
    return forum


def delete_topic(topic: ForumTopic, user) -> None:
    _require(user, topic.community)
    topic.is_deleted = True
    hooks.retract(f"forum_topic:{topic.id}")
    _reindex_topic(topic)


def restore_topic(topic: ForumTopic, user) -> None:
    _require(user, topic.community)
    topic.is_deleted = False
    first = db.session.get(ForumPost, topic.first_post_id) if topic.first_post_id else None
    if first is not None and first.is_deleted:
        first.is_deleted, first.deleted_by_id = False, None
    _reindex_topic(topic)


def _reindex_topic(topic: ForumTopic) -> None:
    from collab.search.outbox import enqueue

    enqueue("forums", db.session.scalars(select(ForumPost.id).where(ForumPost.topic_id == topic.id)).all())


def hide_post(post: ForumPost, user) -> None:
    _require(user, post.topic.community)
    post.hidden_reason = "moderator"
    hooks.retract(f"forum_post:{post.id}")
    db.session.flush()
    refresh_topic(post.topic)


def restore_post(post: ForumPost, user) -> None:
    """Undo a hide or a delete."""
    topic = post.topic
    _require(user, topic.community)
    post.hidden_reason = None
    post.is_deleted, post.deleted_by_id = False, None
    if post.number == 1 and topic.is_deleted:
        topic.is_deleted = False
        _reindex_topic(topic)
    _close_flags(post, user, KEPT)
    db.session.flush()
    refresh_topic(topic)


def moderator_delete(post: ForumPost, user) -> None:
    _require(user, post.topic.community)
    from .services import delete_post

    delete_post(post, user)
    _close_flags(post, user, HIDDEN)


def split_topic(topic: ForumTopic, user, post_ids: list[int], title: str, forum_id: int | None = None) -> ForumTopic:
    """Move the chosen replies into a new topic (same forum unless another is chosen)."""
    _require(user, topic.community)
    title = clean_text(title, TITLE_MAX, "title", what=_l("Give the new topic a title."))
    posts = list(db.session.scalars(select(ForumPost).where(ForumPost.id.in_(post_ids or [-1]),
                                                            ForumPost.topic_id == topic.id,
                                                            ForumPost.number > 1).order_by(ForumPost.number)))
    if not posts:
        raise ForumError(_l("Choose the replies to move into the new topic."), "posts")
    forum = db.session.get(Forum, forum_id) if forum_id else topic.forum
    if forum is None or forum.community_id != topic.community_id:
        raise ForumError(_l("Choose a forum of this community."), "forum")
    first = posts[0]
    new = ForumTopic(community_id=topic.community_id, forum_id=forum.id, title=title, author_id=first.author_id,
                     created_at=first.created_at, last_post_at=posts[-1].created_at)
    db.session.add(new)
    db.session.flush()
    moved = {p.id for p in posts}
    for n, post in enumerate(posts, start=1):
        post.topic_id, post.number = new.id, n
        if post.reply_to_id and post.reply_to_id not in moved:
            post.reply_to_id = None
        if topic.accepted_post_id == post.id:
            topic.accepted_post_id, topic.answered_at = None, None
    new.first_post_id = first.id
    db.session.flush()
    refresh_topic(new)
    refresh_topic(topic)
    return new


# --------------------------------------------------------------------------- flags


def flag(post: ForumPost, user, reason: str, details: str = "") -> ForumFlag:
    community = post.topic.community
    if not may_view(user, community):
        raise ForumError(_l("You cannot flag this post."), status=403)
    if reason not in REASONS:
        raise ForumError(_l("Choose a reason."), "reason")
    details = " ".join((details or "").split())
    if reason == "other" and not details:
        raise ForumError(_l("Say what is wrong with this post."), "details")
    if len(details) > REASON_MAX:
        raise ForumError(_l("Use at most %(n)d characters.", n=REASON_MAX), "details")
    if post.author_id == user.id:
        raise ForumError(_l("You cannot flag your own post."), status=400)
    if post.is_deleted:
        raise ForumError(_l("This post was deleted."), status=409)
    existing = db.session.scalar(select(ForumFlag).where(ForumFlag.post_id == post.id, ForumFlag.user_id == user.id))
    if existing is not None:
        if existing.status == OPEN:
            existing.reason, existing.details = reason, details
            return existing
        raise ForumError(_l("You flagged this post before and a moderator has reviewed it."), status=409)
    item = ForumFlag(post_id=post.id, community_id=post.community_id, user_id=user.id, reason=reason, details=details)
    db.session.add(item)
    db.session.flush()
    _count_flags(post)
    if post.open_flags >= FLAGS_TO_HIDE and post.hidden_reason is None:
        post.hidden_reason = "flags"
        hooks.retract(f"forum_post:{post.id}")
        db.session.flush()
        refresh_topic(post.topic)
    return item


def _count_flags(post: ForumPost) -> None:
    post.open_flags = db.session.scalar(select(func.count(ForumFlag.id)).where(
        ForumFlag.post_id == post.id, ForumFlag.status == OPEN)) or 0


def _close_flags(post: ForumPost, user, status: str) -> None:
    db.session.execute(update(ForumFlag).where(ForumFlag.post_id == post.id, ForumFlag.status == OPEN)
                       .values(status=status, resolved_by_id=user.id, resolved_at=utcnow()))
    post.open_flags = 0


def resolve(post: ForumPost, user, decision: str) -> None:
    """Review a flagged post: "keep" it (shown again if flags hid it) or "hide" it."""
    _require(user, post.topic.community)
    if decision == "keep":
        if post.hidden_reason == "flags":
            post.hidden_reason = None
        _close_flags(post, user, KEPT)
    elif decision == "hide":
        post.hidden_reason = "moderator"
        hooks.retract(f"forum_post:{post.id}")
        _close_flags(post, user, HIDDEN)
    else:
        raise ForumError(_l("Choose keep or hide."), status=400)
    db.session.flush()
    refresh_topic(post.topic)


def queue(community) -> list[tuple[ForumPost, list[ForumFlag]]]:
    """Posts with open flags in this community, most flagged first, each with its flags."""
    flags = list(db.session.scalars(select(ForumFlag).where(ForumFlag.community_id == community.id,
                                                            ForumFlag.status == OPEN)
                                    .order_by(ForumFlag.created_at).limit(1000)))
    by_post: dict[int, list[ForumFlag]] = {}
    for f in flags:
        by_post.setdefault(f.post_id, []).append(f)
    posts = {p.id: p for p in db.session.scalars(select(ForumPost).where(ForumPost.id.in_(list(by_post) or [-1])))}
    rows = [(posts[pid], fl) for pid, fl in by_post.items() if pid in posts]
    rows.sort(key=lambda r: (-len(r[1]), r[1][0].created_at))
    return rows


def open_flag_count(community) -> int:
    return db.session.scalar(select(func.count(func.distinct(ForumFlag.post_id))).where(
        ForumFlag.community_id == community.id, ForumFlag.status == OPEN)) or 0
