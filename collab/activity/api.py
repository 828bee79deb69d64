"""The interface every tool uses to tell the platform what happened (DESIGN.md section 2).

    activity.record(actor, verb, key, community=..., title=..., url=...)   # a stream event
    activity.notify(recipients, kind, actor=..., key=..., community=..., title=..., url=...)
    activity.notify_mentions(source, actor=..., key=..., community=..., title=..., url=...)
    activity.retract(key)                                                  # deleted or hidden

Everything is added to the caller's transaction: an event or notification exists exactly when the
change that caused it is committed. Live pushes to the bell go out after that commit.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, event, or_, select
from sqlalchemy.orm import Session

from collab import access
from collab.accounts.mentions import mentioned_people
from collab.accounts.models import User
from collab.db import savepoint_released
from collab.extensions import db

from .models import (
    CHANNELS, DIGEST, EMAIL, KEY_MAX, KINDS, MAIL_DIGEST, MAIL_NONE, MAIL_NOW, OFF, SUMMARY_MAX,
    TITLE_MAX, URL_MAX, VERBS, APP, Event, Notification, NotificationPreference,
)

_MAIL_FOR = {APP: MAIL_NONE, EMAIL: MAIL_NOW, DIGEST: MAIL_DIGEST}
_PENDING = "collab_activity_push"


def _key(value: str) -> str:
    if not value or ":" not in value or len(value) > KEY_MAX:
        raise ValueError(f"an activity key is 'type:pk', got {value!r}")
    return value


def record(actor: User, verb: str, key: str, *, community, title: str, url: str,
           group: str | None = None, summary: str = "", told_at=None) -> Event:
    """Add one stream event to the current transaction. ``told_at``: a line that comes back (its
    content shown again, restored) with the date it was first told: the streams show it there, and
    it is no news for the community's webhooks, which heard of it then (``Event.told_before``)."""
    if verb not in VERBS:
        raise ValueError(f"unknown activity verb {verb!r}")
    ev = Event(actor_id=actor.id, verb=verb, key=_key(key), group_key=_key(group or key),
               community_id=community.id if community is not None else None,
               title=(title or "")[:TITLE_MAX], url=url[:URL_MAX], summary=(summary or "")[:SUMMARY_MAX])
    if told_at is not None:
        ev.created_at, ev.told_before = told_at, True
    db.session.add(ev)
    return ev


def channel_of(user_id: int, kind: str) -> str:
    channel = db.session.scalar(select(NotificationPreference.channel).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind))
    return channel if channel in CHANNELS else APP


def notify(recipients: Iterable, kind: str, *, actor: User | None, key: str, community, title: str,
           url: str, group: str | None = None) -> list[Notification]:
    """Tell people, each by the channel they chose for this kind. The actor, deactivated people
    and anyone who may not view ``community`` are skipped."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    key, group = _key(key), _key(group or key)
    ids = {r if isinstance(r, int) else r.id for r in recipients}
    if actor is not None:
        ids.discard(actor.id)
    if not ids:
        return []
    people = db.session.scalars(select(User).where(User.id.in_(ids), User.is_deactivated.is_(False))).all()
    people = access.viewers_among(people, community)
    if not people:
        return []
    chosen = dict(db.session.execute(select(NotificationPreference.user_id, NotificationPreference.channel)
                                     .where(NotificationPreference.kind == kind,
                                            NotificationPreference.user_id.in_([p.id for p in people]))).all())
    made = []
    for person in people:
        channel = chosen.get(person.id, APP)
        if channel == OFF:
            continue
        n = Notification(user_id=person.id, kind=kind, actor_id=actor.id if actor else None, key=key,
                         group_key=group, community_id=community.id if community is not None else None,
                         title=(title or "")[:TITLE_MAX], url=url[:URL_MAX],
                         mail=_MAIL_FOR.get(channel, MAIL_NONE))
        db.session.add(n)
        made.append(n)
    if made:
        pending = db.session.info.setdefault(_PENDING, [])
        who = actor.name if actor is not None else ""
        pending.extend((n.user_id, {"kind": kind, "title": n.title, "url": n.url, "actor": who})
                       for n in made)
    return made


def notify_mentions(source: str | None, *, actor: User, key: str, community, title: str, url: str,
                    previous: str | None = None, group: str | None = None) -> list[Notification]:
    """Notify the people newly @mentioned in ``source``; unknown names and oneself are ignored."""
    people = mentioned_people(source, previous)
    if not people:
        return []
    return notify([uid for uid, _ in people.values()], "mention", actor=actor, key=key,
                  community=community, title=title, url=url, group=group)


def retract(key: str | Iterable[str], *, grouped: bool = True) -> None:
    """The thing ``key`` names (or each of several keys) is gone or hidden: remove what was said
    about it (and about the things grouped under it, unless ``grouped`` is False: a forum topic
    whose opening post is hidden loses its "created" line, not its replies')."""
    keys = [key] if isinstance(key, str) else list(key)
    for at in range(0, len(keys), 500):
        chunk = keys[at:at + 500]
        event_where = or_(Event.key.in_(chunk), Event.group_key.in_(chunk)) if grouped else Event.key.in_(chunk)
        note_where = (or_(Notification.key.in_(chunk), Notification.group_key.in_(chunk)) if grouped
                      else Notification.key.in_(chunk))
        db.session.execute(delete(Event).where(event_where).execution_options(synchronize_session=False))
        db.session.execute(delete(Notification).where(note_where).execution_options(synchronize_session=False))


def _after_commit(session: Session) -> None:
    if savepoint_released(session):
        return
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    from collab.realtime import push_to_user

    for user_id, payload in pending:
        push_to_user(user_id, "notification", payload)


def _after_rollback(session: Session, previous=None) -> None:
    session.info.pop(_PENDING, None)


def install_hooks() -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
