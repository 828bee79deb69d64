"""The forums' side of the core's activity stream and notifications (collab.activity).

Every call goes through here so the services read as rules, not plumbing. When the platform runs
without the activity core (it lands separately), events and notifications are skipped; the
subscriptions they would be sent to are recorded either way."""
from __future__ import annotations

from flask import url_for

try:  # the activity core (collab.activity) is a shared service; tools never require it
    from collab import activity as _activity
except ImportError:  # pragma: no cover - depends on which core services are installed
    _activity = None


def available() -> bool:
    return _activity is not None


def topic_url(topic) -> str:
    return url_for("forums.topic", slug=topic.community.slug, topic_id=topic.id)


def post_url(post) -> str:
    return url_for("forums.post", slug=post.topic.community.slug, post_id=post.id)


def topic_created(topic, post, user) -> None:
    if _activity is None:
        return
    _activity.record(user, "created", f"forum_topic:{topic.id}", community=topic.community, title=topic.title,
                     url=topic_url(topic), group=f"forum_topic:{topic.id}", summary=_summary(post))
    _activity.notify_mentions(post.body, actor=user, key=f"forum_post:{post.id}", community=topic.community,
                              title=topic.title, url=post_url(post))
    from .services import subscribers_of  # forum followers hear of new topics

    followers = [uid for uid in subscribers_of(topic, exclude=user.id) if uid != topic.author_id]
    if followers:
        _activity.notify(followers, "topic_reply", actor=user, key=f"forum_topic:{topic.id}",
                         community=topic.community, title=topic.title, url=topic_url(topic))


def replied(topic, post, user, *, subscribers) -> None:
    if _activity is None:
        return
    key = f"forum_post:{post.id}"
    _activity.record(user, "replied", key, community=topic.community, title=topic.title, url=post_url(post),
                     group=f"forum_topic:{topic.id}", summary=_summary(post))
    if subscribers:
        _activity.notify(subscribers, "topic_reply", actor=user, key=key, community=topic.community,
                         title=topic.title, url=post_url(post))
    if post.reply_to is not None and post.reply_to.author_id and post.reply_to.author_id not in subscribers:
        _activity.notify([post.reply_to.author_id], "reply", actor=user, key=key, community=topic.community,
                         title=topic.title, url=post_url(post))
    _activity.notify_mentions(post.body, actor=user, key=key, community=topic.community, title=topic.title,
                              url=post_url(post))


def answered(topic, post, user) -> None:
    if _activity is None:
        return
    _activity.record(user, "answered", f"forum_answer:{topic.id}", community=topic.community, title=topic.title,
                     url=post_url(post), group=f"forum_topic:{topic.id}")
    if post.author_id and post.author_id != user.id:
        _activity.notify([post.author_id], "answer_accepted", actor=user, key=f"forum_answer:{topic.id}",
                         community=topic.community, title=topic.title, url=post_url(post))


def retract_answer(topic) -> None:
    if _activity is not None:
        _activity.retract(f"forum_answer:{topic.id}")


def liked(post, user) -> None:
    if _activity is None:
        return
    topic = post.topic
    _activity.record(user, "liked", f"forum_like:{post.id}:{user.id}", community=topic.community,
                     title=topic.title, url=post_url(post), group=f"forum_post:{post.id}")


def retract(key: str) -> None:
    if _activity is not None:
        _activity.retract(key)


def _summary(post) -> str:
    from collab.text import plain_excerpt

    return plain_excerpt(post.body, 200)
