"""Moderation: pin, lock, move, hide/restore/delete posts, split a thread. Every action is in the
audit log (collab.audit). Flags and the review queue are the platform's (collab.moderation; this
package plugs in through forums.moderated)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from collab import audit
from collab.extensions import db

from . import hooks
from .models import TITLE_MAX, Forum, ForumPost, ForumTopic
from .services import (
    ForumError, clean_text, may_moderate, queue_waiting, refresh_topic, topic_post_ids, waiting_posts,
)


def _require(user, community) -> None:
    if not may_moderate(user, community):
        raise ForumError(_l("Only moderators can do this."), status=403)


def _log(user, action: str, *, topic: ForumTopic, post: ForumPost | None = None, before=None, after=None) -> None:
    target = f"forum_post:{post.id}" if post is not None else f"forum_topic:{topic.id}"
    label = topic.title if post is None or post.number == 1 else f"{topic.title} #{post.number}"
    audit.record(user, f"forums.{action}", target=target, label=label, community=topic.community,
                 before=before, after=after)


def set_pinned(topic: ForumTopic, user, pinned: bool) -> None:
    _require(user, topic.community)
    if topic.is_pinned != pinned:
        _log(user, "pin" if pinned else "unpin", topic=topic)
    topic.is_pinned = pinned


def set_locked(topic: ForumTopic, user, locked: bool) -> None:
    _require(user, topic.community)
    if topic.is_locked != locked:
        _log(user, "lock" if locked else "unlock", topic=topic)
    topic.is_locked = locked


def move_topic(topic: ForumTopic, user, forum_id: int) -> Forum:
    _require(user, topic.community)
    forum = db.session.get(Forum, forum_id)
    if forum is None or forum.community_id != topic.community_id:
        raise ForumError(_l("Choose a forum of this community."), "forum")
    if forum.id != topic.forum_id:
        from .models import ForumTopicTag

        _log(user, "move", topic=topic, before={"forum": topic.forum_id}, after={"forum": forum.id})
        topic.forum_id = forum.id
        db.session.execute(update(ForumTopicTag).where(ForumTopicTag.topic_id == topic.id).values(forum_id=forum.id))
    return forum


def delete_topic(topic: ForumTopic, user) -> None:
    _require(user, topic.community)
    _log(user, "delete_topic", topic=topic)
    queue_waiting(waiting_posts(topic), waiting=False)
    topic.is_deleted = True
    hooks.retract_topics([topic.id], topic_post_ids(topic))
    _reindex_topic(topic)


def restore_topic(topic: ForumTopic, user) -> None:
    _require(user, topic.community)
    _log(user, "restore_topic", topic=topic)
    topic.is_deleted = False
    first = db.session.get(ForumPost, topic.first_post_id) if topic.first_post_id else None
    if first is not None and first.is_deleted:
        first.is_deleted, first.deleted_by_id = False, None
    db.session.flush()
    queue_waiting(waiting_posts(topic), waiting=True)
    _reindex_topic(topic)


def _reindex_topic(topic: ForumTopic) -> None:
    from collab.search.outbox import enqueue

    enqueue("forums", db.session.scalars(select(ForumPost.id).where(ForumPost.topic_id == topic.id)).all())


def hide_post(post: ForumPost, user) -> None:
    _require(user, post.topic.community)
    _log(user, "hide", topic=post.topic, post=post)
    post.hidden_reason = "moderator"
    hooks.post_hidden(post)
    db.session.flush()
    refresh_topic(post.topic)


def restore_post(post: ForumPost, user) -> None:
    """Undo a hide or a delete. A post that waited for approval when it was deleted waits again."""
    topic = post.topic
    _require(user, topic.community)
    pending = post.hidden_reason == "pending"
    if pending and not post.is_deleted:
        raise ForumError(_l("This post waits for approval: approve or reject it in the moderation queue."),
                         status=409)
    _log(user, "restore", topic=topic, post=post)
    if not pending:
        post.hidden_reason = None
    post.is_deleted, post.deleted_by_id = False, None
    waiting = [post] if pending else []
    if post.number == 1 and topic.is_deleted:
        topic.is_deleted = False
        waiting = None  # the replies waiting in it too
        _reindex_topic(topic)
    db.session.flush()
    queue_waiting(waiting_posts(topic) if waiting is None else waiting, waiting=True)
    refresh_topic(topic)


def moderator_delete(post: ForumPost, user) -> None:
    _require(user, post.topic.community)
    from .services import delete_post

    _log(user, "delete", topic=post.topic, post=post)
    delete_post(post, user)


def split_topic(topic: ForumTopic, user, post_ids: list[int], title: str, forum_id: int | None = None) -> ForumTopic:
    """Move the chosen replies into a new topic (same forum unless another is chosen)."""
    _require(user, topic.community)
    title = clean_text(title, TITLE_MAX, "title", what=_l("Give the new topic a title."))
    posts = list(db.session.scalars(select(ForumPost).where(ForumPost.id.in_(post_ids or [-1]),
                                                            ForumPost.topic_id == topic.id,
                                                            ForumPost.number > 1).order_by(ForumPost.number)))
    if not posts:
        raise ForumError(_l("Choose the replies to move into the new topic."), "posts")
    if posts[0].is_deleted or posts[0].hidden_reason:
        raise ForumError(_l("The first reply you move opens the new topic: choose one that is shown (not deleted, "
                            "hidden or waiting)."), "posts")
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
    _log(user, "split", topic=topic, after={"topic": new.id, "posts": sorted(moved)})
    return new
