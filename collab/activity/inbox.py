"""A person's notifications read back: the bell's unread count, the list, marking read, and
the per-kind delivery preferences. Only what the person may still view is ever shown."""
from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import and_, func, or_, select, text, update

from collab import access
from collab.db import insert_once, utcnow
from collab.extensions import db

from .models import APP, CHANNELS, KINDS, Notification, NotificationPreference
from .tool_keys import switched_on_sql


def _readable(user):
    """Notifications about personal content, or about a community the person may view now, and
    not about a tool that community has switched off."""
    on = switched_on_sql(Notification.__tablename__)
    tool_on = [text(on)] if on else []
    if user.is_admin:
        return and_(Notification.user_id == user.id, *tool_on)
    return and_(or_(Notification.community_id.is_(None),
                    Notification.community_id.in_(access.visible_community_ids(user))), *tool_on)


def notifications_query(user):
    return (select(Notification).where(Notification.user_id == user.id, _readable(user))
            .order_by(Notification.id.desc()))


def unread_count(user) -> int:
    """For the bell on every page: one indexed count, cached for the request."""
    cache = g.setdefault("_unread", {}) if has_app_context() else {}
    if user.id in cache:
        return cache[user.id]
    n = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None), _readable(user))) or 0
    cache[user.id] = n
    return n


def get_readable(user, notification_id: int) -> Notification | None:
    return db.session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id, _readable(user)))


def mark_read(n: Notification) -> None:
    if n.read_at is None:
        n.read_at = utcnow()


def mark_read_about(user_id: int, key: str) -> None:
    """The person did what the notifications about ``key`` asked (read an announcement): they are read."""
    db.session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.key == key, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))


def mark_all_read(user) -> int:
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def preferences(user) -> dict[str, str]:
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.channel)
                                     .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind) if chosen.get(kind) in CHANNELS else APP for kind in KINDS}


def set_preference(user_id: int, kind: str, channel: str) -> None:
    if kind not in KINDS or channel not in CHANNELS:
        raise ValueError("unknown kind or channel")
    def stored():
        return db.session.scalar(select(NotificationPreference).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind))

    row = stored()
    if row is None:  # a save at the same moment (two tabs) may store it first: then this one updates it
        row = insert_once(NotificationPreference(user_id=user_id, kind=kind, channel=channel), stored)
    row.channel = channel
