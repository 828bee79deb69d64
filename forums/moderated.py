"""The forums' side of the one moderation queue (collab.moderation): forum posts (a topic's
opening post stands for the topic) can be flagged, hidden, shown again, deleted, and wait for
approval in a pre-moderated community."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l


from collab.extensions import db
from collab.moderation import DELETED, HIDDEN, PENDING, VISIBLE, Item, ModeratedType, register
from collab.text import plain_excerpt

from . import hooks, services
from .models import ForumPost
from .services import refresh_topic, subscribers_of


def _post(pk: int) -> ForumPost | None:
    return db.session.get(ForumPost, pk)


def load(pk: int) -> Item | None:
    post = _post(pk)
    if post is None:
        return None
    topic = post.topic
    if post.is_deleted or topic.is_deleted:
        state = DELETED
    elif post.hidden_reason == "pending":
        state = PENDING
    elif post.hidden_reason:
        state = HIDDEN
    else:
        state = VISIBLE
    title = topic.title if post.number == 1 else f"{topic.title} #{post.number}"
    community = topic.community
    return Item(key=f"forum_post:{post.id}", community=community, author=post.author, title=title,
                excerpt=plain_excerpt(post.body, 300), url=hooks.post_url(post), state=state,
                auto_hidden=post.hidden_reason == "flags" and state == HIDDEN,
                # a reply shows its topic's title: only to those who may see the topic
                viewable_by=lambda user: services.may_view(user, community)
                and services.may_see_topic(user, topic, community))


def hide(pk: int, user) -> None:
    post = _post(pk)
    post.hidden_reason = "moderator" if user is not None else "flags"
    hooks.post_hidden(post)
    db.session.flush()
    refresh_topic(post.topic)


def unhide(pk: int, user) -> None:
    post = _post(pk)
    post.hidden_reason = None
    db.session.flush()
    refresh_topic(post.topic)
    _announce(post, again=True)


def delete(pk: int, user) -> None:
    services.delete_post(_post(pk), user)


def approve(pk: int, user) -> None:
    post = _post(pk)
    topic = post.topic
    post.hidden_reason = None
    if post.number == 1:
        topic.moderation = None
    db.session.flush()
    refresh_topic(topic)
    _announce(post, again=False)


def _announce(post: ForumPost, *, again: bool) -> None:
    """What posting it does (stream, notifications), now that it is public. Shown again after a
    hide: the stream event comes back with its first date; nobody is notified twice, and the
    community's webhooks are not sent it again."""
    topic, author = post.topic, post.author
    if author is None:
        return
    if again:
        key = f"forum_topic:{topic.id}" if post.number == 1 else f"forum_post:{post.id}"
        from collab import activity

        activity.record(author, "created" if post.number == 1 else "replied", key, community=topic.community,
                        title=topic.title, url=hooks.topic_url(topic) if post.number == 1 else hooks.post_url(post),
                        group=f"forum_topic:{topic.id}", summary=plain_excerpt(post.body, 200),
                        told_at=post.created_at)  # the webhooks told it once: not again
    elif post.number == 1:
        hooks.topic_created(topic, post, author)
    else:
        hooks.replied(topic, post, author, subscribers=subscribers_of(topic, exclude=author.id))


def reject(pk: int, user) -> None:
    services.delete_post(_post(pk), user)


def register_types() -> None:
    register(ModeratedType(name="forum_post", label=lambda: _l("Forum post"), load=load, hide=hide, unhide=unhide,
                           delete=delete, approve=approve, reject=reject))



