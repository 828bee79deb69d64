"""How forum posts become search documents (collab.search calls these; it never imports us).

Search type "forums": every post is a document. The opening post carries the topic (its title,
tags, and the topic's address); a reply is found under its topic's title and links to itself."""
from __future__ import annotations

from flask import url_for
from markupsafe import Markup
from sqlalchemy import inspect, select
from sqlalchemy.orm import undefer

from collab.extensions import db
from communities.models import Community

from .models import ForumPost, ForumTopic


def to_document(post: ForumPost) -> dict | None:
    topic = post.topic
    if post.is_deleted or post.hidden_reason or topic is None or topic.is_deleted:
        return None
    community = topic.community
    if not community.has_tool("forums"):
        return None  # the forums switched off: 404, and not found either
    if post.number == 1:
        url = url_for("forums.topic", slug=community.slug, topic_id=topic.id)
    else:
        url = url_for("forums.post", slug=community.slug, post_id=post.id)
    return {
        "title": topic.title,
        "body": Markup(post.body_html or "").striptags(),
        "community": community.id,
        "scope": f"community:{community.id}",
        "author": post.author.username if post.author else "",
        "tags": topic.tag_list if post.number == 1 else [],
        "created": post.created_at,
        "updated": post.edited_at or post.created_at,
        "url": url,
    }


def load_all():
    yield from db.session.scalars(
        select(ForumPost).join(ForumTopic, ForumTopic.id == ForumPost.topic_id)
        .where(ForumPost.is_deleted.is_(False), ForumPost.hidden_reason.is_(None), ForumTopic.is_deleted.is_(False))
        .order_by(ForumPost.id).options(undefer(ForumPost.body)).execution_options(yield_per=500))


def _posts_of_changed_topic(topic: ForumTopic):
    state = inspect(topic)
    if state.deleted or state.was_deleted or state.pending:
        return []
    attrs = state.attrs
    if attrs.title.history.has_changes() or attrs.is_deleted.history.has_changes():
        return db.session.scalars(select(ForumPost.id).where(ForumPost.topic_id == topic.id)).all()
    if attrs.tags.history.has_changes() and topic.first_post_id:
        return [topic.first_post_id]
    return []


def _posts_of_readdressed(community: Community):
    """A new web address changes every post's URL; the forums switched off or on take them out
    of the index or back."""
    state = inspect(community)
    if state.deleted or state.was_deleted or not (state.attrs.slug.history.has_changes()
                                                  or state.attrs.tools.history.has_changes()):
        return []
    return db.session.scalars(select(ForumPost.id).where(ForumPost.community_id == community.id)).all()


DEPENDENTS = ((ForumTopic, _posts_of_changed_topic), (Community, _posts_of_readdressed))
