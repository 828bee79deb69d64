"""Reading the forums: topic lists with their filters, pages of a thread, similar topics, and the
per-community figures the metrics pages use."""
from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import selectinload

from collab.accounts.models import Face, User
from collab.extensions import db, read
from collab.flows import has_links
from collab.pagination import Page, paginate
from collab.ids import parse_id

from .models import (
    POSTS_PER_PAGE, Forum, ForumLike, ForumPost, ForumReadState, ForumSubscription, ForumTopic, ForumTopicTag,
)

FILTERS = ("all", "questions", "unanswered", "answered", "mine")
TOPICS_PER_PAGE = 30


def forum_summaries(community) -> dict[int, tuple[int, object]]:
    """forum id -> (live topics, last activity)."""
    rows = db.session.execute(
        select(ForumTopic.forum_id, func.count(ForumTopic.id), func.max(ForumTopic.last_post_at))
        .where(ForumTopic.community_id == community.id, ForumTopic.is_deleted.is_(False), ForumTopic.moderation.is_(None))
        .group_by(ForumTopic.forum_id)).all()
    return {fid: (n, last) for fid, n, last in rows}


@dataclass
class OpenPage:
    """A page of a list too long to count on every view: it knows only whether a next page exists."""

    items: list
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


class TopicLine:
    """A topic as a list shows it, from one plain row (no ORM object per topic or author);
    ``row`` is that row, which a kept rendering of the list uses as its key."""

    __slots__ = ("row", "id", "title", "tags", "is_question", "is_pinned", "is_locked", "is_deleted",
                 "accepted_post_id", "reply_count", "view_count", "last_number", "last_post_at", "author")

    def __init__(self, row):
        self.row = tuple(row)
        (self.id, self.title, self.tags, self.is_question, self.is_pinned, self.is_locked, self.is_deleted,
         self.accepted_post_id, self.reply_count, self.view_count, self.last_number, self.last_post_at,
         author_id, username, display_name, avatar) = self.row
        self.author = Face(author_id, username, display_name, avatar) if username is not None else None

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


@functools.cache
def _topics_stmt(show: str, tagged: bool):
    """Built once per filter (every list view runs one)."""
    forum_id = bindparam("forum_id")
    stmt = (select(ForumTopic.id, ForumTopic.title, ForumTopic.tags, ForumTopic.is_question, ForumTopic.is_pinned,
                   ForumTopic.is_locked, ForumTopic.is_deleted, ForumTopic.accepted_post_id, ForumTopic.reply_count,
                   ForumTopic.view_count, ForumTopic.last_number, ForumTopic.last_post_at, *Face.columns())
            .outerjoin(User, User.id == ForumTopic.author_id)
            .where(ForumTopic.forum_id == forum_id, ForumTopic.is_deleted.is_(False), ForumTopic.moderation.is_(None)))
    if show == "questions":
        stmt = stmt.where(ForumTopic.is_question.is_(True))
    elif show == "unanswered":
        stmt = stmt.where(ForumTopic.is_question.is_(True), ForumTopic.accepted_post_id.is_(None))
    elif show == "answered":
        stmt = stmt.where(ForumTopic.accepted_post_id.is_not(None))
    elif show == "mine":
        stmt = stmt.where(ForumTopic.author_id == bindparam("user_id"))
    if tagged:
        stmt = stmt.where(ForumTopic.id.in_(select(ForumTopicTag.topic_id).where(
            ForumTopicTag.forum_id == forum_id, ForumTopicTag.tag == bindparam("tag"))))
    # The order of ix_forum_topics_list read backwards: no sort, and no count of 50,000 rows.
    return (stmt.order_by(ForumTopic.is_pinned.desc(), ForumTopic.last_post_at.desc(), ForumTopic.id.desc())
            .limit(bindparam("limit")).offset(bindparam("offset")))


def topics(forum: Forum, user, show: str = "all", tag: str = "", page: int = 1) -> OpenPage:
    """A page of the forum's topics (``TopicLine`` items) under a filter of FILTERS and a tag."""
    page = max(1, min(page or 1, 10_000))
    rows = read(_topics_stmt(show if show in FILTERS else "all", bool(tag)), {
        "forum_id": forum.id, "user_id": getattr(user, "id", None), "tag": tag,
        "limit": TOPICS_PER_PAGE + 1, "offset": (page - 1) * TOPICS_PER_PAGE}).all()
    return OpenPage(items=[TopicLine(r) for r in rows[:TOPICS_PER_PAGE]], page=page,
                    has_next=len(rows) > TOPICS_PER_PAGE)


_READ_POSITIONS = select(ForumReadState.topic_id, ForumReadState.last_read).where(
    ForumReadState.user_id == bindparam("user_id"), ForumReadState.topic_id.in_(bindparam("ids", expanding=True)))


def read_positions(user, topic_ids) -> dict[int, int]:
    if not topic_ids:
        return {}
    return dict(read(_READ_POSITIONS, {"user_id": user.id, "ids": list(topic_ids)}).all())


def forum_tags(forum: Forum, limit: int = 30) -> list[tuple[str, int]]:
    """The most used tags of the forum's topics everyone sees (not deleted, not waiting for
    approval), cached for a minute: counting them reads every tag row."""
    from collab.cache import app_cache

    def compute():
        return [tuple(r) for r in db.session.execute(
            select(ForumTopicTag.tag, func.count()).join(ForumTopic, ForumTopic.id == ForumTopicTag.topic_id)
            .where(ForumTopicTag.forum_id == forum.id, ForumTopic.is_deleted.is_(False), ForumTopic.moderation.is_(None))
            .group_by(ForumTopicTag.tag).order_by(func.count().desc(), ForumTopicTag.tag).limit(limit)).all()]

    return app_cache("forum_tags", 60).get_or_set((forum.id, limit), compute)


def posts(topic: ForumTopic, page: int) -> Page:
    stmt = (select(ForumPost).where(ForumPost.topic_id == topic.id).order_by(ForumPost.number)
            .options(selectinload(ForumPost.reply_to)))
    return paginate(stmt, per_page=POSTS_PER_PAGE, page=page)


_USER, _TOPIC = bindparam("user_id"), bindparam("topic_id")
_TOPIC_FACTS = select(  # built once: every topic view reads them
    select(ForumReadState.last_read).where(ForumReadState.user_id == _USER, ForumReadState.topic_id == _TOPIC)
    .scalar_subquery(),
    exists().where(ForumSubscription.user_id == _USER, ForumSubscription.forum_id.is_(None),
                   ForumSubscription.topic_id == _TOPIC),
    has_links(bindparam("flow_key")),
)


def topic_facts(user, topic: ForumTopic) -> tuple[int | None, bool, bool]:
    """(the post number the reader has read up to, or None; they follow the topic; the topic has
    knowledge-flow links) in one statement."""
    seen, following, flows = read(_TOPIC_FACTS, {"user_id": user.id, "topic_id": topic.id,
                                                 "flow_key": f"forum_topic:{topic.id}"}).one()
    return seen, bool(following), bool(flows)


_LIKED = select(ForumLike.post_id).where(ForumLike.user_id == bindparam("user_id"),
                                        ForumLike.post_id.in_(bindparam("ids", expanding=True)))


def liked_by(user, post_ids) -> set[int]:
    if not post_ids:
        return set()
    return set(read(_LIKED, {"user_id": user.id, "ids": list(post_ids)}).scalars())


def similar(community, user, title: str, limit: int = 5) -> list[ForumTopic]:
    """Topics of this community whose titles look like ``title``: from search when it finds any,
    else titles containing the longer words typed."""
    title = " ".join((title or "").split())[:200]
    if len(title) < 3:
        return []
    ids: list[int] = []
    try:
        from collab.search import service
        from collab.search.query import clean_text

        results = service.search(user, clean_text(title), service.Filters(type="forums", community=str(community.id)))
        for hit in results.hits:
            tid = _topic_id_from_url(hit.url)
            if tid and tid not in ids:
                ids.append(tid)
    except Exception:  # search is a convenience here; the LIKE fallback still answers
        ids = []
    found: list[ForumTopic] = []
    if ids:
        rows = {t.id: t for t in db.session.scalars(select(ForumTopic).where(
            ForumTopic.id.in_(ids), ForumTopic.community_id == community.id, ForumTopic.is_deleted.is_(False), ForumTopic.moderation.is_(None)))}
        found = [rows[i] for i in ids if i in rows]
    if not found:
        words = [w for w in title.replace("%", " ").replace("_", " ").split() if len(w) >= 3][:6]
        if not words and len(title) >= 2:
            words = [title]
        if words:
            found = list(db.session.scalars(select(ForumTopic).where(
                ForumTopic.community_id == community.id, ForumTopic.is_deleted.is_(False), ForumTopic.moderation.is_(None),
                or_(*[func.lower(ForumTopic.title).contains(w.lower()) for w in words]))
                .order_by(ForumTopic.last_post_at.desc()).limit(limit)))
    return found[:limit]


def _topic_id_from_url(url: str) -> int | None:
    # Document URLs are /c/<slug>/forums/t/<topic>[#post-n] for topics and .../p/<post> for replies.
    parts = (url or "").split("#")[0].rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "t" and parse_id(parts[-1]) is not None:
        return int(parts[-1])
    if len(parts) >= 2 and parts[-2] == "p" and parse_id(parts[-1]) is not None:
        return db.session.scalar(select(ForumPost.topic_id).where(ForumPost.id == int(parts[-1])))
    return None


def figures(community) -> dict:
    """How the community's forums answer: open questions, the answered share of questions, and
    the median seconds from asking to the first reply (by someone else) and to the accepted
    answer. Medians are None when there is nothing to measure."""
    live = and_(ForumTopic.community_id == community.id, ForumTopic.is_deleted.is_(False), ForumTopic.moderation.is_(None))
    questions, answered = db.session.execute(select(
        func.count(ForumTopic.id),
        func.count(ForumTopic.accepted_post_id)).where(live, ForumTopic.is_question.is_(True))).one()
    first = [(r - c).total_seconds() for c, r in db.session.execute(
        select(ForumTopic.created_at, ForumTopic.first_reply_at).where(live, ForumTopic.first_reply_at.is_not(None)))]
    accepted = [(a - c).total_seconds() for c, a in db.session.execute(
        select(ForumTopic.created_at, ForumTopic.answered_at).where(live, ForumTopic.is_question.is_(True),
                                                                    ForumTopic.answered_at.is_not(None)))]
    return {
        "questions": questions,
        "open_questions": questions - answered,
        "answered_share": (answered / questions) if questions else None,
        "median_first_reply_seconds": statistics.median(first) if first else None,
        "median_accepted_seconds": statistics.median(accepted) if accepted else None,
    }
