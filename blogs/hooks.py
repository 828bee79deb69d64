"""The blog's side effects in the core: activity stream events and notifications
(collab.activity). Search needs no call here: the outbox sees every change to a registered model.

Keys: "blog_post:<id>", "blog_comment:<id>", "idea:<id>"; comments and likes are grouped under
their post, so deleting a post retracts everything said about it."""
from __future__ import annotations

from flask import url_for

from sqlalchemy import select

from collab import activity
from collab.accounts.models import User
from collab.extensions import db

from .indexing import post_url
from .models import BlogComment, BlogLike


def _post_key(post) -> str:
    return f"blog_post:{post.id}"


def _published_line(post, told_at=None):
    return activity.record(post.author, "published", _post_key(post), community=post.community, title=post.title,
                           url=post_url(post), summary=post.summary, told_at=told_at)


def _commented_line(post, comment, told_at=None):
    return activity.record(comment.author, "commented", f"blog_comment:{comment.id}", group=_post_key(post),
                           community=post.community, title=post.title,
                           url=post_url(post, _anchor=f"comment-{comment.id}"), told_at=told_at)


def _liked_line(post, user, told_at=None):
    return activity.record(user, "liked", f"blog_like:{post.id}.{user.id}", group=_post_key(post),
                           community=post.community, title=post.title, url=post_url(post), told_at=told_at)


def published(post) -> None:
    _published_line(post)
    activity.notify_mentions(post.body, actor=post.author, key=_post_key(post), community=post.community,
                             title=post.title, url=post_url(post))
    if post.is_announcement:  # marked before its time came (a draft, a scheduled post)
        announced(post, post.author)


def _announcement_key(post) -> str:
    return f"blog_announcement:{post.id}"


def announced(post, actor) -> None:
    """A live post became an announcement: every member who may read it is asked to (the actor and
    the author have)."""
    from communities.models import Membership

    members = db.session.scalars(select(Membership.user_id).where(Membership.community_id == post.community_id,
                                                                  Membership.user_id != post.author_id))
    activity.notify(list(members), "announcement", actor=actor, key=_announcement_key(post), group=_post_key(post),
                    community=post.community, title=post.title, url=post_url(post))


def unannounced(post) -> None:
    activity.retract(_announcement_key(post))


def acknowledged(post, user) -> None:
    activity.mark_read_about(user.id, _announcement_key(post))


def shown_again(post) -> None:
    """A released post live again (restored after a delete, shown again after a hide): the lines
    that hidden() took out come back with their first dates (its own, its shown comments' and its
    likes'); nobody is notified twice, the webhooks neither."""
    _published_line(post, post.released_at)
    comments = db.session.scalars(select(BlogComment).where(
        BlogComment.post_id == post.id, BlogComment.is_deleted.is_(False), BlogComment.moderation.is_(None),
        BlogComment.author_id.is_not(None)))
    likes = db.session.execute(select(User, BlogLike.created_at).join(BlogLike, BlogLike.user_id == User.id)
                               .where(BlogLike.post_id == post.id))
    lines = [(c.created_at, lambda c=c: _commented_line(post, c, c.created_at)) for c in comments]
    lines += [(when, lambda u=user, when=when: _liked_line(post, u, when)) for user, when in likes]
    for _when, line in sorted(lines, key=lambda pair: pair[0]):  # the stream's order is the events' ids
        line()


def comment_shown_again(comment) -> None:
    """A comment shown again on a live post: its line comes back with its first date."""
    post = comment.post
    if comment.author is not None and post.is_live():  # a draft's or hidden post's title stays out
        _commented_line(post, comment, comment.created_at)


def edited(post, previous_body: str, editor) -> None:
    """A live post's text changed: only people newly @mentioned hear of it, from whoever wrote the
    mention (a moderator's edit: the moderator; the author hears of it too)."""
    activity.notify_mentions(post.body, actor=editor, key=_post_key(post), community=post.community,
                             title=post.title, url=post_url(post), previous=previous_body)


def hidden(post) -> None:
    """Deleted, hidden or back to a draft: its events and notifications go, with those about its
    comments and likes (grouped under it; comment keys too, for notifications made before they
    were grouped)."""
    comment_ids = db.session.scalars(select(BlogComment.id).where(BlogComment.post_id == post.id))
    activity.retract([_post_key(post), *(f"blog_comment:{cid}" for cid in comment_ids)])


def liked(post, user) -> None:
    _liked_line(post, user)


def unliked(post, user) -> None:
    activity.retract(f"blog_like:{post.id}.{user.id}")


def commented(post, comment, parent) -> None:
    key = f"blog_comment:{comment.id}"
    url = post_url(post, _anchor=f"comment-{comment.id}")
    actor = comment.author
    _commented_line(post, comment)
    group = _post_key(post)  # so that retracting the post retracts these too
    activity.notify([post.author_id], "comment", actor=actor, key=key, group=group, community=post.community,
                    title=post.title, url=url)
    if parent is not None and parent.author_id and parent.author_id != post.author_id:
        activity.notify([parent.author_id], "reply", actor=actor, key=key, group=group,
                        community=post.community, title=post.title, url=url)
    activity.notify_mentions(comment.body, actor=actor, key=key, group=group, community=post.community,
                             title=post.title, url=url)


def hidden_comment(comment) -> None:
    activity.retract(f"blog_comment:{comment.id}")


def _idea_url(idea) -> str:
    return url_for("blogs.idea", slug=idea.community.slug, idea_id=idea.id)


def idea_submitted(idea) -> None:
    activity.record(idea.author, "submitted", f"idea:{idea.id}", group=f"idea_campaign:{idea.campaign_id}",
                    community=idea.community, title=idea.title, url=_idea_url(idea))


def idea_status(idea, user) -> None:
    if idea.author_id:
        activity.notify([idea.author_id], "idea_status", actor=user, key=f"idea:{idea.id}",
                        community=idea.community, title=idea.title, url=_idea_url(idea))


def idea_hidden(idea) -> None:
    activity.retract(f"idea:{idea.id}")
