"""The forums' side of the core's activity stream and notifications (collab.activity).

Every call goes through here so the services read as rules, not plumbing. Keys: a topic is
"forum_topic:<id>" (the group of everything in it), a post "forum_post:<id>", an accepted answer
"forum_answer:<topic id>", a like "forum_like:<post id>:<user id>" (grouped under its post), so
retracting a topic or a post removes what was said about it and under it."""
from __future__ import annotations

from flask import url_for

from collab import activity as _activity


def topic_url(topic) -> str:
    return url_for("forums.topic", slug=topic.community.slug, topic_id=topic.id)


def post_url(post) -> str:
    return url_for("forums.post", slug=post.topic.community.slug, post_id=post.id)


def topic_created(topic, post, user) -> None:
    _activity.record(user, "created", f"forum_topic:{topic.id}", community=topic.community, title=topic.title,
                     url=topic_url(topic), group=f"forum_topic:{topic.id}", summary=_summary(post))
    _activity.notify_mentions(post.body, actor=user, key=f"forum_post:{post.id}", community=topic.community,
                              title=topic.title, url=post_url(post), group=f"forum_topic:{topic.id}")
    from .services import subscribers_of  # forum followers hear of new topics

    followers = [uid for uid in subscribers_of(topic, exclude=user.id) if uid != topic.author_id]
    if followers:
        _activity.notify(followers, "topic_reply", actor=user, key=f"forum_topic:{topic.id}",
                         community=topic.community, title=topic.title, url=topic_url(topic))


def _quiet(topic, post=None) -> bool:
    """Nobody hears of what happens in a topic waiting for approval, nor of a hidden or deleted post."""
    return bool(topic.moderation or (post is not None and (post.hidden_reason or post.is_deleted)))


def replied(topic, post, user, *, subscribers) -> None:
    if _quiet(topic):
        return
    key = f"forum_post:{post.id}"
    _activity.record(user, "replied", key, community=topic.community, title=topic.title, url=post_url(post),
                     group=f"forum_topic:{topic.id}", summary=_summary(post))
    if subscribers:
        _activity.notify(subscribers, "topic_reply", actor=user, key=key, community=topic.community,
                         title=topic.title, url=post_url(post), group=f"forum_topic:{topic.id}")
    if post.reply_to is not None and post.reply_to.author_id and post.reply_to.author_id not in subscribers:
        _activity.notify([post.reply_to.author_id], "reply", actor=user, key=key, community=topic.community,
                         title=topic.title, url=post_url(post), group=f"forum_topic:{topic.id}")
    _activity.notify_mentions(post.body, actor=user, key=key, community=topic.community, title=topic.title,
                              url=post_url(post), group=f"forum_topic:{topic.id}")


def answered(topic, post, user) -> None:
    if _quiet(topic):
        return
    _activity.record(user, "answered", f"forum_answer:{topic.id}", community=topic.community, title=topic.title,
                     url=post_url(post), group=f"forum_topic:{topic.id}")
    if post.author_id and post.author_id != user.id:
        _activity.notify([post.author_id], "answer_accepted", actor=user, key=f"forum_answer:{topic.id}",
                         community=topic.community, title=topic.title, url=post_url(post),
                         group=f"forum_topic:{topic.id}")


def retract_answer(topic) -> None:
    _activity.retract(f"forum_answer:{topic.id}")


def liked(post, user) -> None:
    topic = post.topic
    if _quiet(topic, post):
        return
    _activity.record(user, "liked", f"forum_like:{post.id}:{user.id}", community=topic.community,
                     title=topic.title, url=post_url(post), group=f"forum_post:{post.id}")


def retract(key: str) -> None:
    _activity.retract(key)


def retract_topics(topic_ids, post_ids) -> None:
    """Topics deleted: what was said about them, and about each of their posts by key too (a
    post split off from another topic keeps its lines grouped under that one; likes are grouped
    under their post)."""
    _activity.retract([f"forum_topic:{i}" for i in topic_ids] + [f"forum_post:{i}" for i in post_ids])


def post_hidden(post) -> None:
    """A moderator (or enough flags) hid the post: what was said about it goes; for the opening
    post also the topic's "created" line, which quotes it (the replies' lines stay)."""
    _activity.retract(f"forum_post:{post.id}")
    if post.number == 1:
        _activity.retract(f"forum_topic:{post.topic_id}", grouped=False)


def unliked(post, user) -> None:
    _activity.retract(f"forum_like:{post.id}:{user.id}")


def edited(post, user, previous: str) -> None:
    """Only people newly @mentioned by an edit hear of it (see _quiet)."""
    topic = post.topic
    if _quiet(topic, post):
        return
    _activity.notify_mentions(post.body, actor=user, key=f"forum_post:{post.id}", community=topic.community,
                              title=topic.title, url=post_url(post), previous=previous,
                              group=f"forum_topic:{topic.id}")


def _summary(post) -> str:
    from collab.text import plain_excerpt

    return plain_excerpt(post.body, 200)
