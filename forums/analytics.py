"""The forums' side of collab.analytics: what a "forum_topic:<id>" / "forum_post:<id>" key is
(title and address, live ones only), the batched view counter, and the question figures."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from collab import analytics
from collab.extensions import db
from communities.models import Community

from .models import ForumPost, ForumTopic
from .services import add_views

UNANSWERED_LIST = 10


def _topics(pks: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(
        select(ForumTopic.id, ForumTopic.title, Community.slug).join(Community, Community.id == ForumTopic.community_id)
        .where(ForumTopic.id.in_(pks), ForumTopic.is_deleted.is_(False))).all()
    return {tid: (title, url_for("forums.topic", slug=slug, topic_id=tid)) for tid, title, slug in rows}


def _posts(pks: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(
        select(ForumPost.id, ForumTopic.title, Community.slug)
        .join(ForumTopic, ForumTopic.id == ForumPost.topic_id).join(Community, Community.id == ForumTopic.community_id)
        .where(ForumPost.id.in_(pks), ForumPost.is_deleted.is_(False), ForumPost.hidden_reason.is_(None),
               ForumTopic.is_deleted.is_(False))).all()
    return {pid: (title, url_for("forums.post", slug=slug, post_id=pid)) for pid, title, slug in rows}


def _seconds(later, earlier):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def questions(community_id: int | None, start: datetime, end: datetime) -> analytics.QuestionFigures:
    """Questions asked in [start, end): how many, how many have an accepted answer, the median
    time to the first reply by someone else and to the accepted answer, the oldest open ones."""
    where = [ForumTopic.is_question.is_(True), ForumTopic.created_at >= start, ForumTopic.created_at < end,
             ForumTopic.is_deleted.is_(False)]
    if community_id is not None:
        where.insert(0, ForumTopic.community_id == community_id)
    asked, answered = db.session.execute(
        select(func.count(ForumTopic.id), func.count(ForumTopic.accepted_post_id)).where(*where)).one()
    figures = analytics.QuestionFigures(asked=asked or 0, answered=answered or 0)
    if not asked:
        return figures
    figures.median_first_reply = _median(ForumTopic.first_reply_at, where)
    figures.median_accepted = _median(ForumTopic.answered_at, where)
    rows = db.session.execute(
        select(ForumTopic.id, ForumTopic.title, ForumTopic.created_at, ForumTopic.reply_count, Community.slug)
        .join(Community, Community.id == ForumTopic.community_id)
        .where(*where, ForumTopic.accepted_post_id.is_(None))
        .order_by(ForumTopic.created_at, ForumTopic.id).limit(UNANSWERED_LIST)).all()
    figures.unanswered = [analytics.Question(title=r.title, url=url_for("forums.topic", slug=r.slug, topic_id=r.id),
                                             created_at=r.created_at, replies=r.reply_count) for r in rows]
    return figures


def _median(column, where) -> float | None:
    """The median of ``column - created_at`` in seconds, in the database (the middle one or two
    of the sorted values; only those rows travel)."""
    where = [*where, column.is_not(None)]
    n = db.session.scalar(select(func.count()).select_from(ForumTopic).where(*where)) or 0
    if not n:
        return None
    seconds = _seconds(column, ForumTopic.created_at)
    middle = [float(v) for v in db.session.scalars(
        select(seconds).where(*where).order_by(seconds).offset((n - 1) // 2).limit(2 - n % 2))]
    return sum(middle) / len(middle)


def register() -> None:
    analytics.register_source(analytics.Source("forums", lambda: _l("Forums"), ("forum_topic", "forum_post"), order=30))
    analytics.register_content(analytics.Content("forum_topic", describe=_topics, apply_views=add_views))
    analytics.register_content(analytics.Content("forum_post", describe=_posts))
    analytics.register_questions(questions)
