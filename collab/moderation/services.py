"""Moderation rules: flagging, the queue, resolving (keep, hide, unhide, delete), pre-moderation
(hold, approve, reject). Never touches ``request``; the caller commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, literal, select, union_all, update

from collab import access, access_events, activity, audit
from collab.db import utcnow
from collab.extensions import db
from collab.pagination import Page, paginate
from communities.models import Community, Membership

from . import registry
from .models import (
    APPROVE, DECISIONS, DELETE, DETAILS_MAX, HIDE, KEEP, OPEN, REASON_MAX, REASONS, REJECT, RESOLVED, UNHIDE,
    ModerationDecision, ModerationFlag, ModerationPending, ModerationSettings, ModerationTrust,
)
from .registry import DELETED, HIDDEN, PENDING, VISIBLE, Item

QUEUE_PAGE = 25  # items per page of a moderation queue
FLAGS_TO_HIDE = 3  # people whose open flags hide an item until a moderator reviews it


class ModerationError(Exception):
    def __init__(self, message, field: str | None = None, status: int = 400):
        super().__init__(str(message))
        self.message, self.field, self.status = message, field, status


# --------------------------------------------------------------------------- who may do what


def may_view_item(user, item: Item) -> bool:
    """May read the item at all (leaving moderation aside)."""
    if item.viewable_by is not None:
        return bool(item.viewable_by(user))
    if item.community is None:
        return access._authenticated(user)
    return access.can_view(user, item.community)


def may_moderate_item(user, item: Item) -> bool:
    """Community items: the community's moderators and owners, and admins; personal ones: admins."""
    if item.community is None:
        return access.is_admin(user)
    return access.can_moderate(user, item.community)


def may_see(user, item: Item) -> bool:
    """Shown to this person: visible items to readers; hidden and waiting ones to their author
    and the moderators only."""
    if not may_view_item(user, item):
        return False
    if item.state == VISIBLE:
        return True
    if item.state == DELETED:
        return may_moderate_item(user, item)
    return may_moderate_item(user, item) or (item.author is not None and getattr(user, "id", None) == item.author.id)


# --------------------------------------------------------------------------- flags


def flag(user, key: str, reason: str, details: str = "") -> ModerationFlag:
    """Report an item. A second report by the same person while the first is open updates it."""
    item = registry.load(key)
    if item is None or not may_view_item(user, item) or item.state not in (VISIBLE, HIDDEN) or (
            item.state == HIDDEN and not may_see(user, item)):
        raise ModerationError(_l("This item does not exist."), status=404)
    if reason not in REASONS:
        raise ModerationError(_l("Choose a reason."), "reason")
    details = " ".join((details or "").split())
    if reason == "other" and not details:
        raise ModerationError(_l("Say what is wrong with it."), "details")
    if len(details) > DETAILS_MAX:
        raise ModerationError(_l("Use at most %(n)d characters.", n=DETAILS_MAX), "details")
    if item.author is not None and item.author.id == user.id:
        raise ModerationError(_l("You cannot flag what you wrote yourself."))
    existing = db.session.scalar(select(ModerationFlag).where(
        ModerationFlag.item_key == key, ModerationFlag.reporter_id == user.id, ModerationFlag.status == OPEN))
    if existing is not None:
        existing.reason, existing.details = reason, details
        return existing
    row = ModerationFlag(item_key=key, community_id=getattr(item.community, "id", None), reporter_id=user.id,
                         reason=reason, details=details)
    db.session.add(row)
    db.session.flush()
    if item.state == VISIBLE and open_flags(key) >= FLAGS_TO_HIDE:
        mt, pk = registry.split_key(key)
        mt.hide(pk, None)
        _gone_from_view(item)
        audit.record(None, "moderation.auto_hide", target=key, label=item.title, community=item.community,
                     before={"state": VISIBLE}, after={"state": HIDDEN},
                     reason=f"{FLAGS_TO_HIDE} flags")
    return row


def open_flags(key: str) -> int:
    return db.session.scalar(select(func.count(ModerationFlag.id)).where(
        ModerationFlag.item_key == key, ModerationFlag.status == OPEN)) or 0


def has_open_flag(user, key: str) -> bool:
    return db.session.scalar(select(ModerationFlag.id).where(
        ModerationFlag.item_key == key, ModerationFlag.reporter_id == user.id, ModerationFlag.status == OPEN)) is not None


# --------------------------------------------------------------------------- pre-moderation


def settings_of(community) -> ModerationSettings | None:
    return db.session.get(ModerationSettings, community.id)


def premoderated(community) -> bool:
    if community is None:
        return False
    row = settings_of(community)
    return bool(row and row.premoderation)


def set_premoderation(community, actor, on: bool) -> None:
    if not access.can_moderate(actor, community):
        raise ModerationError(_l("Only moderators can do this."), status=403)
    row = settings_of(community)
    before = bool(row and row.premoderation)
    if before == on:
        return
    if row is None:
        row = ModerationSettings(community_id=community.id)
        db.session.add(row)
    row.premoderation = on
    if on:
        row.since = utcnow()
    audit.record(actor, "moderation.premoderation", target=f"community:{community.id}", label=community.name,
                 community=community, before={"premoderation": before}, after={"premoderation": on})


def is_new_member(user, community) -> bool:
    """A new member: joined the community after pre-moderation was switched on, and no post of
    theirs has been approved there yet. Moderators, owners and admins never are."""
    if community is None or access.can_moderate(user, community):
        return False
    row = settings_of(community)
    if row is None or not row.premoderation:
        return False
    joined = db.session.scalar(select(Membership.created_at).where(
        Membership.community_id == community.id, Membership.user_id == user.id))
    if joined is None:
        return False
    since = row.since
    if since is not None and _naive(joined) < _naive(since):
        return False
    return db.session.scalar(select(ModerationTrust.id).where(
        ModerationTrust.community_id == community.id, ModerationTrust.user_id == user.id)) is None


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


def must_wait(user, community) -> bool:
    """Should what ``user`` posts in ``community`` wait for approval?"""
    return premoderated(community) and is_new_member(user, community)


def hold(key: str, community, author) -> ModerationPending:
    """Put an item (already stored in its waiting state by its tool) in the approval queue."""
    row = db.session.scalar(select(ModerationPending).where(ModerationPending.item_key == key))
    if row is None:
        row = ModerationPending(item_key=key, community_id=community.id, author_id=author.id)
        db.session.add(row)
    return row


def is_waiting(key: str) -> bool:
    return db.session.scalar(select(ModerationPending.id).where(ModerationPending.item_key == key)) is not None


def forget(key: str) -> None:
    """The item is gone (its author deleted it): nothing about it waits or stays flagged."""
    db.session.execute(delete(ModerationPending).where(ModerationPending.item_key == key))
    db.session.execute(update(ModerationFlag).where(ModerationFlag.item_key == key, ModerationFlag.status == OPEN)
                       .values(status=RESOLVED, decision=DELETE, resolved_at=utcnow()))


def hidden_since(key: str) -> datetime | None:
    """When the item was last hidden (by a moderator, or by flags): what its tool made under it
    since then was never shown to readers (nor told to the community's webhooks)."""
    return db.session.scalar(select(audit.AuditEntry.created_at).where(
        audit.AuditEntry.target_key == key, audit.AuditEntry.action.in_((f"moderation.{HIDE}", "moderation.auto_hide")))
        .order_by(audit.AuditEntry.id.desc()).limit(1))


# --------------------------------------------------------------------------- resolving

NEEDS_REASON = (HIDE, DELETE, REJECT)
ALLOWED = {
    VISIBLE: (KEEP, HIDE, DELETE),
    HIDDEN: (KEEP, UNHIDE, DELETE),
    PENDING: (APPROVE, REJECT),
}


def choices_for(item: Item) -> tuple[str, ...]:
    if item.auto_hidden:
        return (KEEP, HIDE, DELETE)  # keep shows it again; hide confirms the flaggers
    return ALLOWED.get(item.state, ())


def _gone_from_view(item: Item) -> None:
    """A community's readers no longer see the item: what keeps lists for all of them (related
    content) and live rooms re-check after the commit, in every process (collab.access_events)."""
    if item.community is not None:
        access_events.changed(db.session, item.community.id)


def _serialised(key: str, community_id: int) -> Item | None:
    """Two moderators deciding on one item at the same moment: the second waits for the first
    (a lock on the community row, as membership changes take) and then reads the item as the
    first left it, so its decision is checked against that (409 'another moderator decided
    meanwhile') instead of both passing on PostgreSQL (an item shown again twice: its lines back
    twice, the author told twice, two decisions in the log)."""
    db.session.execute(select(Community.id).where(Community.id == community_id).with_for_update())
    db.session.expire_all()
    return registry.load(key)


def resolve(actor, key: str, decision: str, reason: str = "") -> ModerationDecision:
    found = registry.split_key(key)
    item = registry.load(key)
    if found is None or item is None or not (may_view_item(actor, item) or may_moderate_item(actor, item)):
        raise ModerationError(_l("This item does not exist."), status=404)
    if not may_moderate_item(actor, item):
        raise ModerationError(_l("Only moderators can do this."), status=403)
    if item.community is not None:
        item = _serialised(key, item.community.id) or item
    mt, pk = found
    if decision in DECISIONS and decision not in choices_for(item):
        # Sound when the form was shown: the item changed since (the typed reason comes back).
        if item.state == DELETED:
            raise ModerationError(_l("This was deleted meanwhile, so your decision was not recorded."), "decision",
                                  status=409)
        raise ModerationError(_l("Another moderator decided on this meanwhile, so your decision was not recorded."),
                              "decision", status=409)
    if decision not in DECISIONS:
        raise ModerationError(_l("This decision does not apply to this item."), "decision")
    reason = (reason or "").strip()
    if decision in NEEDS_REASON and not reason:
        raise ModerationError(_l("Give a reason: the author is told."), "reason")
    if len(reason) > REASON_MAX:
        raise ModerationError(_l("Use at most %(n)d characters.", n=REASON_MAX), "reason")
    before = item.state
    if decision == KEEP and item.auto_hidden:
        mt.unhide(pk, actor)  # flags hid it; the moderator keeps it: shown again
    if decision == HIDE:
        mt.hide(pk, actor)
    elif decision == UNHIDE:
        mt.unhide(pk, actor)
    elif decision == DELETE:
        mt.delete(pk, actor)
    elif decision == APPROVE:
        if mt.approve is None:
            raise ModerationError(_l("This decision does not apply to this item."), "decision")
        if item.author is not None and item.community is not None:
            _trust(item.community, item.author)  # first: what approving runs no longer holds it
            db.session.flush()
        mt.approve(pk, actor)
    elif decision == REJECT:
        if mt.reject is None:
            raise ModerationError(_l("This decision does not apply to this item."), "decision")
        mt.reject(pk, actor)
    if decision in (APPROVE, REJECT, DELETE):
        db.session.execute(delete(ModerationPending).where(ModerationPending.item_key == key))
    if decision != UNHIDE:
        db.session.execute(update(ModerationFlag).where(ModerationFlag.item_key == key, ModerationFlag.status == OPEN)
                           .values(status=RESOLVED, decision=decision, resolved_at=utcnow(),
                                   resolved_by_id=actor.id))
    after = {HIDE: HIDDEN, UNHIDE: VISIBLE, DELETE: DELETED, APPROVE: VISIBLE, REJECT: DELETED}.get(decision, before)
    if decision == KEEP and item.auto_hidden:
        after = VISIBLE
    if before == VISIBLE and after != VISIBLE:
        _gone_from_view(item)
    row = ModerationDecision(item_key=key, community_id=getattr(item.community, "id", None),
                             author_id=item.author.id if item.author is not None else None,
                             moderator_id=actor.id, decision=decision, reason=reason,
                             title=(item.title or "")[:300], url=item.url[:500])
    db.session.add(row)
    db.session.flush()
    audit.record(actor, f"moderation.{decision}", target=key, label=item.title, community=item.community,
                 before={"state": before}, after={"state": after}, reason=reason)
    if item.author is not None:
        activity.notify([item.author], "moderation", actor=actor, key=f"moderation_decision:{row.id}",
                        community=item.community, title=item.title or mt.label(),
                        url=url_for("moderation.decision", decision_id=row.id))
    return row


def _trust(community, user) -> None:
    exists = db.session.scalar(select(ModerationTrust.id).where(
        ModerationTrust.community_id == community.id, ModerationTrust.user_id == user.id))
    if exists is None:
        db.session.add(ModerationTrust(community_id=community.id, user_id=user.id))


# --------------------------------------------------------------------------- the queue


@dataclass
class QueueRow:
    key: str
    item: Item
    type_label: str
    flags: list = field(default_factory=list)
    waiting_since: datetime | None = None

    @property
    def choices(self) -> tuple[str, ...]:
        return choices_for(self.item)


def queue(community: Community | None, *, site: bool = False, page: int | None = None) -> Page:
    """One page of what waits for a decision: flagged items first (most reported, then longest
    waiting), then items awaiting approval (oldest first). ``site`` lists every community's and
    personal items (admins). The page's ``items`` are ``QueueRow``s."""
    flag_q = (select(ModerationFlag.item_key.label("key"), literal(0).label("kind"),
                     func.count(ModerationFlag.id).label("n"), func.min(ModerationFlag.created_at).label("since"))
              .where(ModerationFlag.status == OPEN).group_by(ModerationFlag.item_key))
    pend_q = select(ModerationPending.item_key.label("key"), literal(1).label("kind"), literal(0).label("n"),
                    ModerationPending.created_at.label("since"))
    if not site:
        flag_q = flag_q.where(ModerationFlag.community_id == community.id)
        pend_q = pend_q.where(ModerationPending.community_id == community.id)
    both = union_all(flag_q, pend_q).subquery()
    stmt = select(both.c.key, both.c.kind, both.c.since).order_by(both.c.kind, both.c.n.desc(), both.c.since,
                                                                  both.c.key)
    result = paginate(stmt, per_page=QUEUE_PAGE, page=page, rows=True)
    flagged = [key for key, kind, _since in result.items if kind == 0]
    flags: dict[str, list[ModerationFlag]] = {}
    if flagged:
        for f in db.session.scalars(select(ModerationFlag).where(
                ModerationFlag.status == OPEN, ModerationFlag.item_key.in_(flagged)).order_by(ModerationFlag.created_at)):
            flags.setdefault(f.item_key, []).append(f)
    rows: list[QueueRow] = []
    for key, kind, since in result.items:
        row = _row(key)
        if row is None:
            continue
        if kind == 0:
            row.flags = flags.get(key, [])
        elif row.item.state == PENDING:
            row.waiting_since = since
        else:
            continue
        rows.append(row)
    result.items = rows
    return result


def _row(key: str) -> QueueRow | None:
    found = registry.split_key(key)
    if found is None:
        return None
    item = found[0].load(found[1])
    if item is None or item.state == DELETED:
        return None
    return QueueRow(key=key, item=item, type_label=str(found[0].label()))


def open_count(community: Community) -> int:
    flagged = db.session.scalar(select(func.count(func.distinct(ModerationFlag.item_key))).where(
        ModerationFlag.community_id == community.id, ModerationFlag.status == OPEN)) or 0
    waiting = db.session.scalar(select(func.count(ModerationPending.id)).where(
        ModerationPending.community_id == community.id)) or 0
    return flagged + waiting
