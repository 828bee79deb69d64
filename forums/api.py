"""The forums' REST endpoints (on the core's /api/v1 blueprint): forums, topics, posts, starting
a topic, replying, editing and deleting posts. The services keep every rule (members post, locked topics, idempotent
submits) and call the hooks that tell the stream and the subscribers. Deleted and hidden posts
keep their place in a thread with no text, as on the page (moderators see hidden text)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import gettext as _
from pydantic import Field
from sqlalchemy import or_, select
from sqlalchemy.orm import undefer

from collab import access
from collab.api import ApiError, endpoint, keyset_page
from collab.api.core import not_found
from collab.api.endpoints import absolute
from collab.api.schemas import Input, ListQuery, Output, Page, Person, Text, person
from collab.extensions import db

from . import hooks, moderation, services
from .models import BODY_MAX, TITLE_MAX, TOKEN_MAX, Forum, ForumPost, ForumTopic
from .services import ForumError


class ForumOut(Output):
    id: int
    name: str
    description: str


class ForumTopicOut(Output):
    id: int
    forum_id: int
    title: str
    author: Person | None
    tags: list[str]
    is_question: bool
    is_answered: bool
    accepted_post_id: int | None
    is_locked: bool
    is_pinned: bool
    reply_count: int
    created_at: datetime
    last_post_at: datetime
    url: str


class ForumPostOut(Output):
    id: int
    topic_id: int
    number: int = Field(description="1 is the opening post.")
    author: Person | None
    reply_to_id: int | None
    state: str = Field(description="visible, hidden or deleted (hidden and deleted posts have no body).")
    body: str | None
    html: str | None
    like_count: int
    created_at: datetime
    edited_at: datetime | None
    url: str


class ForumTopicCreate(Input):
    title: Text(TITLE_MAX, min_length=1)
    body: Text(BODY_MAX, min_length=1)
    tags: list[Text(40)] = Field(default_factory=list, max_length=10)
    is_question: bool = False
    client_token: Text(TOKEN_MAX) | None = Field(
        None, description="8-64 letters, digits, - or _: sending the same topic twice with it creates one topic.")


class ForumReplyCreate(Input):
    body: Text(BODY_MAX, min_length=1)
    reply_to_id: int | None = Field(None, ge=1, le=2**31 - 1, description="The post this answers (same topic).")
    client_token: Text(TOKEN_MAX) | None = Field(
        None, description="8-64 letters, digits, - or _: sending the same reply twice with it creates one post.")


class TopicQuery(ListQuery):
    pass


def _community(slug: str, user):
    community = access.get_community_or_404(slug, user)
    if not services.may_view(user, community):
        raise not_found()
    return community


def _forum(community, forum_id: int) -> Forum:
    forum = db.session.get(Forum, forum_id)
    if forum is None or forum.community_id != community.id:
        raise not_found()
    return forum


def _topic(community, topic_id: int, user) -> ForumTopic:
    topic = db.session.get(ForumTopic, topic_id)
    if topic is None or topic.community_id != community.id:
        raise not_found()
    if not services.may_see_topic(user, topic, community):
        raise not_found()
    return topic


def _topic_out(t: ForumTopic) -> ForumTopicOut:
    return ForumTopicOut(id=t.id, forum_id=t.forum_id, title=t.title, author=person(t.author),
                    tags=[x for x in t.tags.split(",") if x], is_question=t.is_question,
                    is_answered=t.accepted_post_id is not None, accepted_post_id=t.accepted_post_id,
                    is_locked=t.is_locked, is_pinned=t.is_pinned, reply_count=t.reply_count, created_at=t.created_at,
                    last_post_at=t.last_post_at, url=absolute(hooks.topic_url(t)))


def _post_out(p: ForumPost, can_mod: bool) -> ForumPostOut:
    state = "deleted" if p.is_deleted else "hidden" if p.hidden_reason else "visible"
    shown = state == "visible" or (state == "hidden" and can_mod)
    return ForumPostOut(id=p.id, topic_id=p.topic_id, number=p.number, author=person(p.author), reply_to_id=p.reply_to_id,
                   state=state, body=p.body if shown else None, html=p.body_html if shown else None,
                   like_count=p.like_count, created_at=p.created_at, edited_at=p.edited_at,
                   url=absolute(hooks.post_url(p)))


def _error(e: ForumError) -> ApiError:
    status = e.status if e.status in (403, 409) else 422
    return ApiError(status, {403: "forbidden", 409: "conflict"}.get(status, "invalid"), e.message, field=e.field)


@endpoint("/communities/<slug>/forums", summary="List a community's forums", tag="Forums",
          response=Page[ForumOut], errors=(404,))
def list_forums(user, slug: str):
    community = _community(slug, user)
    return Page[ForumOut](items=[ForumOut(id=f.id, name=f.name, description=f.description)
                                 for f in services.forums_of(community)])


@endpoint("/communities/<slug>/forums/<int:forum_id>/topics", summary="List a forum's topics, newest first",
          tag="Forums", query=TopicQuery, response=Page[ForumTopicOut], errors=(404,))
def list_topics(user, slug: str, forum_id: int, query: TopicQuery):
    community = _community(slug, user)
    forum = _forum(community, forum_id)
    stmt = select(ForumTopic).where(ForumTopic.forum_id == forum.id, ForumTopic.is_deleted.is_(False),
                                    ForumTopic.moderation.is_(None))  # as the forum's page lists them
    rows, cursor = keyset_page(stmt, ForumTopic.id, query)
    return Page[ForumTopicOut](items=[_topic_out(t) for t in rows], next_cursor=cursor)


@endpoint("/communities/<slug>/forums/<int:forum_id>/topics", methods=["POST"], summary="Start a topic",
          tag="Forums", body=ForumTopicCreate, response=ForumTopicOut, status=201, errors=(404,))
def create_topic(user, slug: str, forum_id: int, body: ForumTopicCreate):
    community = _community(slug, user)
    forum = _forum(community, forum_id)
    try:
        topic = services.create_topic(forum, user, title=body.title, body=body.body, tags=",".join(body.tags),
                                      is_question=body.is_question, token=body.client_token)
    except ForumError as e:
        raise _error(e) from None
    db.session.commit()
    return _topic_out(topic), 201


@endpoint("/communities/<slug>/topics/<int:topic_id>", summary="Read a topic", tag="Forums",
          response=ForumTopicOut, errors=(404,))
def get_topic(user, slug: str, topic_id: int):
    community = _community(slug, user)
    return _topic_out(_topic(community, topic_id, user))


@endpoint("/communities/<slug>/topics/<int:topic_id>/posts", summary="A topic's posts, in order", tag="Forums",
          query=ListQuery, response=Page[ForumPostOut], errors=(404,))
def list_posts(user, slug: str, topic_id: int, query: ListQuery):
    community = _community(slug, user)
    topic = _topic(community, topic_id, user)
    can_mod = services.may_moderate(user, community)
    stmt = select(ForumPost).where(ForumPost.topic_id == topic.id).options(undefer(ForumPost.body))
    if not can_mod:  # a reply waiting for approval: its author and the moderators only, as on the page
        stmt = stmt.where(or_(ForumPost.hidden_reason.is_(None), ForumPost.hidden_reason != "pending",
                              ForumPost.author_id == user.id))
    rows, cursor = keyset_page(stmt, ForumPost.number, query, key=lambda p: p.number, descending=False)
    return Page[ForumPostOut](items=[_post_out(p, can_mod) for p in rows], next_cursor=cursor)


@endpoint("/communities/<slug>/topics/<int:topic_id>/posts", methods=["POST"], summary="Reply to a topic",
          tag="Forums", body=ForumReplyCreate, response=ForumPostOut, status=201, errors=(404, 409))
def reply(user, slug: str, topic_id: int, body: ForumReplyCreate):
    community = _community(slug, user)
    topic = _topic(community, topic_id, user)
    try:
        post = services.reply(topic, user, body=body.body, reply_to_id=body.reply_to_id, token=body.client_token)
    except ForumError as e:
        raise _error(e) from None
    db.session.commit()
    return _post_out(post, services.may_moderate(user, community)), 201


class ForumPostEdit(Input):
    body: Text(BODY_MAX, min_length=1)
    title: Text(TITLE_MAX, min_length=1) | None = Field(None, description="The topic's title (opening post only).")
    tags: list[Text(40)] | None = Field(None, max_length=10, description="The topic's tags (opening post only).")
    is_question: bool | None = Field(None, description="Whether the topic asks a question (opening post only).")
    base_edited_at: datetime | None = Field(
        None, description="The post's edited_at as you read it (null if it had never been edited). If the post "
                          "was edited since, nothing is saved and the answer is 409 with the current text.")


def _post(community, post_id: int, user) -> ForumPost:
    post = db.session.scalar(select(ForumPost).where(ForumPost.id == post_id).options(undefer(ForumPost.body)))
    if post is None or post.topic.community_id != community.id:
        raise not_found()
    _topic(community, post.topic_id, user)  # a deleted topic is gone for non-moderators
    if post.is_deleted or (post.hidden_reason and not services.may_moderate(user, community)):
        raise not_found()
    return post


def _same_moment(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    utc = timezone.utc
    a = a if a.tzinfo else a.replace(tzinfo=utc)
    b = b if b.tzinfo else b.replace(tzinfo=utc)
    return abs((a - b).total_seconds()) < 0.001


@endpoint("/communities/<slug>/posts/<int:post_id>", methods=["PATCH"], summary="Edit a forum post",
          tag="Forums", body=ForumPostEdit, response=ForumPostOut, errors=(404, 409),
          description="Authors edit their own posts, moderators any post. Title, tags and is_question change "
                      "the topic and are only taken for its opening post. Send base_edited_at to be told (409) "
                      "instead of overwriting an edit made since you read the post.")
def edit_post(user, slug: str, post_id: int, body: ForumPostEdit):
    community = _community(slug, user)
    post = _post(community, post_id, user)
    if "base_edited_at" in body.model_fields_set and not _same_moment(body.base_edited_at, post.edited_at):
        raise ApiError(409, "conflict", _("This post was edited since you read it: nothing is saved. Read it "
                                          "again and apply your change to the current text."), field="body",
                       details={"current_edited_at": post.edited_at.isoformat() if post.edited_at else None,
                                "current_body": post.body})
    opening = post.number == 1
    try:
        services.edit_post(post, user, body=body.body, title=body.title if opening else None,
                           tags=",".join(body.tags) if opening and body.tags is not None else None,
                           is_question=body.is_question if opening else None)
    except ForumError as e:
        raise _error(e) from None
    db.session.commit()
    return _post_out(post, services.may_moderate(user, community))


@endpoint("/communities/<slug>/posts/<int:post_id>", methods=["DELETE"], summary="Delete a forum post",
          tag="Forums", status=204, errors=(404,),
          description="Authors delete their own posts, moderators any post (recorded in the audit log). The post "
                      "keeps its place in the thread with no text; deleting the opening post deletes the topic.")
def delete_post(user, slug: str, post_id: int):
    community = _community(slug, user)
    post = _post(community, post_id, user)
    try:
        if services.may_moderate(user, community) and post.author_id != user.id:
            moderation.moderator_delete(post, user)
        else:
            services.delete_post(post, user)
    except ForumError as e:
        raise _error(e) from None
    db.session.commit()
    return None, 204
