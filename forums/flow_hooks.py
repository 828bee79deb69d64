"""Forums in knowledge flows (collab.flows calls these; no other tool is imported): a topic is a
source (its provenance is shown, it can be copied, an answered one turned into a wiki page) and
the forums receive new topics (from the chat, or copies)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from collab import flows
from collab.extensions import db
from communities.models import Community

from . import services
from .models import ForumPost, ForumTopic


def _topic(pk: int) -> ForumTopic | None:
    topic = db.session.get(ForumTopic, pk)
    return None if topic is None or topic.is_deleted else topic


def topic_url(topic: ForumTopic) -> str:
    return url_for("forums.topic", slug=topic.community.slug, topic_id=topic.id)


def resolve(pk: int) -> flows.Item | None:
    topic = _topic(pk)
    if topic is None:
        return None
    community = topic.community

    def text() -> str:
        # The list is searched once for all readers: a hidden opening post's words must not steer it.
        first = db.session.get(ForumPost, topic.first_post_id) if topic.first_post_id else None
        return Markup(first.body_html or "").striptags()[:600] if first is not None and first.is_visible else ""

    return flows.Item(title=topic.title, url=topic_url(topic), community=community,
                      readable=lambda user: services.may_view(user, community)
                      and services.may_see_topic(user, topic, community), tags=topic.tag_list, load_text=text)


def export(user, pk: int) -> flows.Outgoing | None:
    topic = _topic(pk)
    if topic is None or not services.may_view(user, topic.community) or not topic.first_post_id:
        return None
    first = db.session.get(ForumPost, topic.first_post_id)
    if first is None or not first.is_visible:
        return None
    return flows.Outgoing(title=topic.title, body=first.body, tags=topic.tags.replace(",", ", "))


def actions(user, pk: int) -> list[tuple[str, str]]:
    topic = _topic(pk)
    if topic is None or not topic.is_answered or not services.may_view(user, topic.community) \
            or not services.may_see_topic(user, topic, topic.community):
        return []
    if not flows.can_receive("wiki.page", user, topic.community):
        return []
    return [(str(_l("Turn into a wiki page")),
             url_for("forums.to_wiki", slug=topic.community.slug, topic_id=topic.id))]


def create(user, community: Community, data: flows.Incoming) -> tuple[str, str]:
    forums = services.forums_of(community)
    if not forums:
        raise flows.FlowError(_l("This community has no forum yet."), "place", status=409)
    forum = next((f for f in forums if str(f.id) == data.place), None)
    if forum is None:
        raise flows.FlowError(_l("Choose a forum."), "place")
    try:
        topic = services.create_topic(forum, user, title=data.title, body=data.body, tags=data.tags,
                                      token=data.token)
    except services.ForumError as e:
        raise flows.FlowError(e.message, e.field, e.status) from e
    return f"forum_topic:{topic.id}", topic_url(topic)


def places(community: Community) -> list[tuple[str, str]]:
    return [(str(f.id), f.name) for f in services.forums_of(community)]


flows.register_source(flows.Source(type="forum_topic", resolve=resolve, label=lambda: _l("Forum topic"),
                                   export=export, copy_to="forums.topic", actions=actions))
flows.register_receiver(flows.Receiver(
    name="forums.topic", tool="forums", label=lambda: _l("forum topic"), may_receive=services.may_post,
    create=create, places=places, places_label=lambda: _l("Forum"), place_required=True))
