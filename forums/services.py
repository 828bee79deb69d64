"""Forum operations and their rules: forums, topics, replies, edits, likes, answers, reading.
Views call these; nothing here touches the request. Moderation lives in moderation.py, lists and
figures in queries.py."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from collab import access, audit, moderation
from collab.accounts.services import normalise_tags
from collab.db import insert_once, utcnow
from collab.extensions import db, read
from collab.text import render_markdown
from communities.models import Community

from . import hooks
from .models import (
    BODY_MAX, DESCRIPTION_MAX, NAME_MAX, POSTS_PER_PAGE, TITLE_MAX, TOKEN_MAX, Forum, ForumLike,
    ForumPost, ForumPostEdit, ForumReadState, ForumSubscription, ForumTopic, ForumTopicTag,
)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{8,%d}$" % TOKEN_MAX)


class ForumError(ValueError):
    def __init__(self, message, field: str | None = None, status: int = 400):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.status = status


# --------------------------------------------------------------------------- permissions


def may_view(user, community: Community) -> bool:
    return community.has_tool("forums") and access.can_view(user, community)


def may_see_topic(user, topic, community: Community) -> bool:
    """A deleted topic: the moderators only; one waiting for approval: its author and the
    moderators (404 for everyone else, on the page, the API and in knowledge flows)."""
    if topic.is_deleted:
        return may_moderate(user, community)
    return not topic.moderation or (user.is_authenticated and topic.author_id == user.id) \
        or may_moderate(user, community)


def may_post(user, community: Community) -> bool:
    return community.has_tool("forums") and access.can_post(user, community)


def may_moderate(user, community: Community) -> bool:
    return access.can_moderate(user, community) and not (community.is_archived and not access.is_admin(user))


def may_manage(user, community: Community) -> bool:
    return access.can_manage(user, community) and not (community.is_archived and not access.is_admin(user))


def may_edit_post(user, post: ForumPost, community: Community) -> bool:
    """A deleted post, or any post of a deleted topic, is closed to edits (moderators too: restore
    it first), as it is to replies."""
    if post.is_deleted or post.topic.is_deleted or (post.hidden_reason == "moderator"
                                                    and not may_moderate(user, community)):
        return False
    return _may_edit_own(user, post, community)


def _may_edit_own(user, post: ForumPost, community: Community) -> bool:
    """May edit the post as far as people go: its author (still posting here) or a moderator."""
    if post.author_id == getattr(user, "id", None) and not may_post(user, community):
        return False  # left the community (or it was archived): no more edits
    return access.can_edit_owned(user, post.author_id, community)


def removed_meanwhile(user, topic: ForumTopic, community: Community, post: ForumPost | None = None):
    """Why a reply to ``topic`` (or an edit of ``post``) the person typed cannot be stored when only
    a removal made since the form was opened stops it: the topic or the post deleted, the post
    hidden by a moderator. The views show this with the person's text. None when nothing was
    removed, or when the person could never have written it (no right, a topic waiting for approval
    that they never saw): they get the 404 or 403 as before, which tells nothing."""
    saw_topic = not topic.moderation or topic.author_id == getattr(user, "id", None) or may_moderate(user, community)
    gone = topic.is_deleted and not may_moderate(user, community)
    if post is None:
        return _l("This topic was deleted; replies are closed.") if gone and saw_topic and may_post(
            user, community) else None
    if not _may_edit_own(user, post, community):
        return None
    if topic.is_deleted:  # a moderator too: the topic's page still shows, its posts take no edits
        return _l("This topic was deleted while you were editing a post in it, so your edit was not saved.") \
            if saw_topic else None
    if post.is_deleted:
        return _l("This post was deleted while you were editing it, so your edit was not saved.")
    if post.hidden_reason == "moderator" and not may_moderate(user, community):
        return _l("A moderator hid this post while you were editing it, so your edit was not saved.")
    return None


def may_accept(user, topic: ForumTopic, community: Community) -> bool:
    if not topic.is_question or topic.is_deleted:
        return False
    if may_moderate(user, community):
        return True
    return topic.author_id == getattr(user, "id", None) and may_post(user, community)


def _require_post(user, community: Community) -> None:
    if not may_post(user, community):
        raise ForumError(_l("Only members of this community can post here. Join it first."), status=403)


# --------------------------------------------------------------------------- cleaning


def clean_text(value: str | None, limit: int, field: str, *, required: bool = True, what=None) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise ForumError(what or _l("This cannot be empty."), field)
    if len(value) > limit:
        raise ForumError(_l("Use at most %(n)d characters.", n=limit), field)
    return value


def clean_body(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n")
    if not body.strip():
        raise ForumError(_l("Write something first."), "body")
    if len(body) > BODY_MAX:
        raise ForumError(_l("A post can be at most %(n)d characters long; this one has %(len)d.",
                            n=BODY_MAX, len=len(body)), "body")
    return body


def clean_token(token: str | None) -> str | None:
    return token if token and TOKEN_RE.match(token) else None


# --------------------------------------------------------------------------- forums


def create_forum(community: Community, user, *, name: str, description: str = "", position: int | None = None) -> Forum:
    if not may_manage(user, community):
        raise ForumError(_l("Only the community's owners can change its forums."), status=403)
    name = _unused_name(community, clean_text(name, NAME_MAX, "name"))
    description = (description or "").strip()[:DESCRIPTION_MAX]
    if position is None:
        position = (db.session.scalar(select(func.max(Forum.position)).where(
            Forum.community_id == community.id)) or 0) + 1
    forum = Forum(community_id=community.id, name=name, description=description, position=position)
    db.session.add(forum)
    db.session.flush()
    audit.record(user, "forums.forum_create", target=f"forum:{forum.id}", label=name, community=community,
                 after={"name": name, "description": description})
    return forum


def _unused_name(community: Community, name: str, forum_id: int | None = None) -> str:
    """Two forums of one community never share a name, whatever its case ("Help" and "help")."""
    rows = db.session.execute(select(Forum.id, Forum.name).where(Forum.community_id == community.id))
    if any(other.casefold() == name.casefold() and fid != forum_id for fid, other in rows):
        raise ForumError(_l("This community already has a forum called “%(name)s”.", name=name), "name")
    return name


def update_forum(forum: Forum, user, *, name: str, description: str, position: int) -> Forum:
    if not may_manage(user, forum.community):
        raise ForumError(_l("Only the community's owners can change its forums."), status=403)
    before = {"name": forum.name, "description": forum.description, "position": forum.position}
    forum.name = _unused_name(forum.community, clean_text(name, NAME_MAX, "name"), forum.id)
    forum.description = (description or "").strip()[:DESCRIPTION_MAX]
    forum.position = position
    after = {"name": forum.name, "description": forum.description, "position": forum.position}
    if before != after:
        audit.record(user, "forums.forum_update", target=f"forum:{forum.id}", label=forum.name,
                     community=forum.community, before=before, after=after)
    return forum


def topic_post_ids(topic: ForumTopic) -> list[int]:
    return list(db.session.scalars(select(ForumPost.id).where(ForumPost.topic_id == topic.id)))


def waiting_posts(topic: ForumTopic) -> list[ForumPost]:
    """The topic's posts that wait for approval (pre-moderation) and are not deleted."""
    return list(db.session.scalars(select(ForumPost).where(
        ForumPost.topic_id == topic.id, ForumPost.hidden_reason == "pending", ForumPost.is_deleted.is_(False))))


def queue_waiting(posts: list[ForumPost], *, waiting: bool) -> None:
    """Posts waiting for approval leave the moderation queue while they (or their topic) are
    deleted, and wait there again once restored: a restore neither publishes nor loses them."""
    for post in posts:
        key = f"forum_post:{post.id}"
        if not waiting:
            moderation.forget(key)
        elif post.author is not None:
            moderation.hold(key, post.topic.community, post.author)


def delete_forum(forum: Forum, user) -> None:
    """Delete a forum with its topics (the owner confirms by typing its name)."""
    if not may_manage(user, forum.community):
        raise ForumError(_l("Only the community's owners can change its forums."), status=403)
    topic_ids = select(ForumTopic.id).where(ForumTopic.forum_id == forum.id)
    audit.record(user, "forums.forum_delete", target=f"forum:{forum.id}", label=forum.name, community=forum.community,
                 before={"name": forum.name, "topics": db.session.scalar(
                     select(func.count()).select_from(topic_ids.subquery())) or 0})
    post_ids = db.session.scalars(select(ForumPost.id).where(ForumPost.topic_id.in_(topic_ids))).all()
    hooks.retract_topics(db.session.scalars(topic_ids).all(), post_ids)
    # Posts go through the ORM so search drops their documents.
    for post in db.session.scalars(select(ForumPost).where(ForumPost.id.in_(post_ids))):
        db.session.delete(post)
    db.session.flush()
    db.session.delete(forum)


def forums_of(community: Community) -> list[Forum]:
    return list(db.session.scalars(select(Forum).where(Forum.community_id == community.id)
                                   .order_by(Forum.position, Forum.id)))


# --------------------------------------------------------------------------- topics and posts


def _render(body: str) -> str:
    """Markdown to safe HTML; @names of active people become links to their profiles."""
    from collab.accounts.mentions import mention_resolver

    return render_markdown(body, mention=mention_resolver(body))


def _existing(user, token: str | None) -> ForumPost | None:
    if token is None:
        return None
    return db.session.scalar(select(ForumPost).where(ForumPost.author_id == user.id, ForumPost.client_token == token))


def _set_tags(topic: ForumTopic, tags: list[str]) -> None:
    db.session.execute(delete(ForumTopicTag).where(ForumTopicTag.topic_id == topic.id))
    for tag in tags:
        db.session.add(ForumTopicTag(topic_id=topic.id, tag=tag, forum_id=topic.forum_id))
    topic.tags = ",".join(tags)


def clean_tags(raw: str) -> list[str]:
    tags = normalise_tags(raw, limit=10)
    while tags and len(",".join(tags)) > 300:
        tags.pop()
    return tags


def create_topic(forum: Forum, user, *, title: str, body: str, tags: str = "", is_question: bool = False,
                 token: str | None = None) -> ForumTopic:
    community = forum.community
    _require_post(user, community)
    token = clean_token(token)
    again = _existing(user, token)
    if again is not None:
        if again.number != 1 or again.topic.forum_id != forum.id:
            raise ForumError(_l("This form was already sent for something else. Reload the page and send it again."), status=409)
        return again.topic  # the same form sent twice
    title = clean_text(title, TITLE_MAX, "title", what=_l("Give the topic a title."))
    body = clean_body(body)
    tag_list = clean_tags(tags)
    now = utcnow()
    topic = ForumTopic(community_id=community.id, forum_id=forum.id, title=title, author_id=user.id,
                       is_question=bool(is_question), last_post_at=now, created_at=now, updated_at=now,
                       last_number=1)
    post = ForumPost(community_id=community.id, number=1, author_id=user.id, body=body,
                     body_html=_render(body), client_token=token, created_at=now)
    try:  # the topic and its opening post together: the same form sent at once twice makes one
        with db.session.begin_nested():
            db.session.add(topic)
            db.session.flush()
            _set_tags(topic, tag_list)
            post.topic_id = topic.id
            db.session.add(post)
    except IntegrityError:
        again = _existing(user, token)
        if again is None:
            raise
        return again.topic
    topic.first_post_id = topic.last_post_id = post.id
    _mark_read(user, topic, 1)
    if moderation.must_wait(user, community):  # shown to its author and the moderators only
        topic.moderation, post.hidden_reason = "pending", "pending"
        moderation.hold(f"forum_post:{post.id}", community, user)
        return topic
    hooks.topic_created(topic, post, user)
    return topic


def reply(topic: ForumTopic, user, *, body: str, reply_to_id: int | None = None, token: str | None = None) -> ForumPost:
    community = topic.community
    _require_post(user, community)
    token = clean_token(token)
    again = _existing(user, token)
    if again is not None:
        if again.topic_id != topic.id or again.number == 1:
            raise ForumError(_l("This form was already sent for something else. Reload the page and send it again."), status=409)
        return again  # the same form sent twice
    if topic.is_deleted:
        raise ForumError(_l("This topic was deleted; replies are closed."), status=409)
    if topic.is_locked:
        raise ForumError(_l("This topic is locked: no more replies."), status=409)
    parent = None
    if reply_to_id:
        parent = db.session.get(ForumPost, reply_to_id)
        if parent is None or parent.topic_id != topic.id:
            raise ForumError(_l("The post you replied to is not in this topic."), status=400)
        if parent.is_deleted or (parent.is_hidden and not may_moderate(user, community)):
            raise ForumError(_l("The post you replied to was deleted; your reply was not posted."), status=409)
    body = clean_body(body)
    # Number the post under a lock on the topic row, so two replies never share a number.
    locked = db.session.execute(select(ForumTopic.last_number).where(ForumTopic.id == topic.id)
                                .with_for_update()).scalar_one()
    now = utcnow()
    post = ForumPost(topic_id=topic.id, community_id=community.id, number=locked + 1, author_id=user.id,
                     reply_to_id=parent.id if parent else None, body=body, body_html=_render(body),
                     client_token=token, created_at=now)
    stored = insert_once(post, lambda: _existing(user, token))  # the same form sent at once twice
    if stored is not post:
        return stored
    topic.last_number = post.number
    if moderation.must_wait(user, community):  # no counts, events or notifications until approved
        post.hidden_reason = "pending"
        moderation.hold(f"forum_post:{post.id}", community, user)
        _mark_read(user, topic, post.number)
        return post
    topic.reply_count = topic.reply_count + 1
    topic.last_post_at = now
    topic.last_post_id = post.id
    if topic.first_reply_at is None and user.id != topic.author_id:
        topic.first_reply_at = now
    _mark_read(user, topic, post.number)
    hooks.replied(topic, post, user, subscribers=subscribers_of(topic, exclude=user.id))
    return post


def edit_post(post: ForumPost, user, *, body: str, title: str | None = None, tags: str | None = None,
              is_question: bool | None = None) -> ForumPost:
    topic, community = post.topic, post.topic.community
    if not may_edit_post(user, post, community):
        raise ForumError(_l("You cannot edit this post."), status=403)
    if topic.is_locked and not may_moderate(user, community):
        raise ForumError(_l("This topic is locked: posts can no longer be edited."), status=409)
    body = clean_body(body)
    new_title = clean_text(title, TITLE_MAX, "title", what=_l("Give the topic a title.")) \
        if post.number == 1 and title is not None else topic.title
    if body == post.body and new_title == topic.title and tags is None and is_question is None:
        return post
    previous = post.body
    db.session.add(ForumPostEdit(post_id=post.id, editor_id=user.id, body=previous,
                                 title=topic.title if post.number == 1 else None))
    post.body, post.body_html, post.edited_at = body, _render(body), utcnow()
    hooks.edited(post, user, previous)
    if post.number == 1:
        topic.title = new_title
        if tags is not None:
            _set_tags(topic, clean_tags(tags))
        if is_question is not None:
            topic.is_question = bool(is_question)
            if not topic.is_question:
                _unaccept(topic)
    return post


def history(post: ForumPost) -> list[ForumPostEdit]:
    return list(db.session.scalars(select(ForumPostEdit).where(ForumPostEdit.post_id == post.id)
                                   .order_by(ForumPostEdit.id.desc())))


def refresh_topic(topic: ForumTopic) -> None:
    """Recount a topic's replies and last activity from its visible posts."""
    visible = (ForumPost.topic_id == topic.id, ForumPost.is_deleted.is_(False), ForumPost.hidden_reason.is_(None))
    topic.reply_count = db.session.scalar(select(func.count(ForumPost.id)).where(*visible, ForumPost.number > 1)) or 0
    last = db.session.execute(select(ForumPost.id, ForumPost.created_at).where(*visible)
                              .order_by(ForumPost.number.desc()).limit(1)).first()
    if last:
        topic.last_post_id, topic.last_post_at = last
    topic.last_number = db.session.scalar(select(func.max(ForumPost.number)).where(
        ForumPost.topic_id == topic.id)) or 0
    first_reply = db.session.scalar(select(func.min(ForumPost.created_at)).where(
        *visible, ForumPost.number > 1, ForumPost.author_id.is_distinct_from(topic.author_id)))
    topic.first_reply_at = first_reply
    if topic.accepted_post_id:
        accepted = db.session.get(ForumPost, topic.accepted_post_id)
        if accepted is None or accepted.topic_id != topic.id or not accepted.is_visible:
            _unaccept(topic)


def delete_post(post: ForumPost, user) -> None:
    """Soft delete: the post stays (numbering and links hold), its text is no longer shown.
    Deleting the opening post deletes the topic."""
    community = post.topic.community
    if post.is_deleted:
        return
    if not access.can_edit_owned(user, post.author_id, community) or (
            post.author_id == user.id and not may_post(user, community) and not may_moderate(user, community)):
        raise ForumError(_l("You cannot delete this post."), status=403)
    topic = post.topic
    queue_waiting(waiting_posts(topic) if post.number == 1 else [post] if post.hidden_reason == "pending" else [],
                  waiting=False)
    post.is_deleted, post.deleted_by_id = True, user.id
    if post.number == 1:
        topic.is_deleted = True
        hooks.retract_topics([topic.id], topic_post_ids(topic))
    else:
        hooks.retract(f"forum_post:{post.id}")
    db.session.flush()
    refresh_topic(topic)


def toggle_like(post: ForumPost, user) -> bool:
    """Like or unlike; returns whether the person now likes the post."""
    community = post.topic.community
    _require_post(user, community)
    if not post.is_visible:
        raise ForumError(_l("This post cannot be liked."), status=409)
    if post.author_id == user.id:
        raise ForumError(_l("You cannot like your own post."), status=400)
    removed = db.session.execute(delete(ForumLike).where(ForumLike.post_id == post.id,
                                                         ForumLike.user_id == user.id)).rowcount
    if removed:
        liked = False
    else:
        try:
            with db.session.begin_nested():
                db.session.add(ForumLike(post_id=post.id, user_id=user.id))
                db.session.flush()
            liked = True
        except IntegrityError:
            liked = True
    db.session.execute(update(ForumPost).where(ForumPost.id == post.id).values(
        like_count=select(func.count()).select_from(ForumLike).where(ForumLike.post_id == post.id)
        .scalar_subquery()))
    db.session.refresh(post, ["like_count"])
    if liked:
        hooks.liked(post, user)
    else:
        hooks.unliked(post, user)
    return liked


def accept(topic: ForumTopic, post: ForumPost, user) -> None:
    community = topic.community
    if not may_accept(user, topic, community):
        raise ForumError(_l("Only the person who asked or a moderator can accept an answer."), status=403)
    if post.topic_id != topic.id or post.number == 1:
        raise ForumError(_l("Only a reply to this question can be its answer."), status=400)
    if not post.is_visible:
        raise ForumError(_l("A deleted or hidden post cannot be the answer."), status=409)
    topic.accepted_post_id = post.id
    topic.answered_at = utcnow()
    hooks.answered(topic, post, user)


def _unaccept(topic: ForumTopic) -> None:
    if topic.accepted_post_id:
        hooks.retract_answer(topic)
    topic.accepted_post_id = None
    topic.answered_at = None


def unaccept(topic: ForumTopic, user) -> None:
    if not may_accept(user, topic, topic.community):
        raise ForumError(_l("Only the person who asked or a moderator can accept an answer."), status=403)
    _unaccept(topic)


# --------------------------------------------------------------------------- reading position


def add_views(counts: dict[int, int]) -> None:
    """Add batched page views to the topics' counters (collab.analytics calls this on flush)."""
    t = ForumTopic.__table__  # one executemany; a view is not an update (updated_at kept)
    db.session.execute(update(t).where(t.c.id == bindparam("b_id")).values(view_count=t.c.view_count + bindparam("b_n"),
                                                                       updated_at=t.c.updated_at),
                       [{"b_id": topic_id, "b_n": n} for topic_id, n in sorted(counts.items())])


def _mark_read(user, topic: ForumTopic, number: int) -> None:
    state = db.session.get(ForumReadState, (user.id, topic.id))
    if state is None:
        db.session.add(ForumReadState(user_id=user.id, topic_id=topic.id, last_read=number))
    elif number > state.last_read:
        state.last_read = number


def last_read(user, topic: ForumTopic) -> int | None:
    return db.session.scalar(select(ForumReadState.last_read).where(
        ForumReadState.user_id == user.id, ForumReadState.topic_id == topic.id))


def record_visit(user_id: int, topic_id: int, number: int) -> None:
    """Remember that the person ``user_id`` has read up to post ``number`` (its own short write
    transaction, called after the page's reads). Views are counted by collab.analytics, in batches."""
    updated = db.session.execute(update(ForumReadState).where(
        ForumReadState.user_id == user_id, ForumReadState.topic_id == topic_id,
        ForumReadState.last_read < number).values(last_read=number)).rowcount
    if not updated and db.session.get(ForumReadState, (user_id, topic_id)) is None:
        try:
            with db.session.begin_nested():
                db.session.add(ForumReadState(user_id=user_id, topic_id=topic_id, last_read=number))
                db.session.flush()
        except IntegrityError:
            pass


def page_of(topic: ForumTopic, number: int) -> int:
    """The page of the topic that shows post ``number``."""
    before = db.session.scalar(select(func.count(ForumPost.id)).where(
        ForumPost.topic_id == topic.id, ForumPost.number < number)) or 0
    return before // POSTS_PER_PAGE + 1


def first_unread(user, topic: ForumTopic) -> ForumPost | None:
    seen = last_read(user, topic) or 0
    return db.session.scalar(select(ForumPost).where(ForumPost.topic_id == topic.id, ForumPost.number > seen)
                             .order_by(ForumPost.number).limit(1))


# --------------------------------------------------------------------------- subscriptions


def subscription(user, *, forum: Forum | None = None, topic: ForumTopic | None = None) -> ForumSubscription | None:
    return db.session.scalar(select(ForumSubscription).where(
        ForumSubscription.user_id == user.id,
        ForumSubscription.forum_id == forum.id if forum else ForumSubscription.forum_id.is_(None),
        ForumSubscription.topic_id == topic.id if topic else ForumSubscription.topic_id.is_(None)))


_FOLLOWS_FORUM = select(ForumSubscription.id).where(  # built once: every forum page asks
    ForumSubscription.user_id == bindparam("user_id"), ForumSubscription.forum_id == bindparam("forum_id"),
    ForumSubscription.topic_id.is_(None)).limit(1)


def is_subscribed(user, forum: Forum) -> bool:
    """Does the person follow the forum? (A topic's page reads it with queries.topic_facts.)"""
    return read(_FOLLOWS_FORUM, {"user_id": user.id, "forum_id": forum.id}).first() is not None


def set_subscribed(user, subscribed: bool, *, forum: Forum | None = None, topic: ForumTopic | None = None) -> None:
    community = (forum or topic).community
    if not may_view(user, community):
        raise ForumError(_l("You cannot follow this."), status=403)
    current = subscription(user, forum=forum, topic=topic)
    if subscribed and current is None:  # a follow sent twice at once (two tabs) stores one
        insert_once(ForumSubscription(user_id=user.id, forum_id=forum.id if forum else None,
                                      topic_id=topic.id if topic else None),
                    lambda: subscription(user, forum=forum, topic=topic))
    elif not subscribed and current is not None:
        db.session.delete(current)


def subscribers_of(topic: ForumTopic, exclude: int | None = None) -> list[int]:
    """Who hears of a new reply: followers of the topic or its forum, and the topic's author."""
    ids = set(db.session.scalars(select(ForumSubscription.user_id).where(
        (ForumSubscription.topic_id == topic.id) | (ForumSubscription.forum_id == topic.forum_id))))
    if topic.author_id:
        ids.add(topic.author_id)
    ids.discard(exclude)
    return sorted(ids)
