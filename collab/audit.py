"""The audit log: every admin and moderator action, who did what to what, when, before and after.

Admin, community-settings and moderation code call `record` in the same transaction as the change
it describes, so a change that rolls back leaves no entry and a committed change always has one.
Entries keep a snapshot (target key and label) so they outlive what they are about.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collab.db import UTCDateTime, utcnow
from collab.extensions import db

ACTION_MAX = 60
KEY_MAX = 80
LABEL_MAX = 300


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_community_id_id", "community_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False,
                                                 index=True)
    # the person who acted; kept as a name too, so an entry survives the person's deletion
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    actor_name: Mapped[str] = mapped_column(String(LABEL_MAX), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(ACTION_MAX), nullable=False, index=True)
    # what it was done to: "type:pk" (e.g. "user:7", "community:3", "forum_post:77") and a label
    target_key: Mapped[str] = mapped_column(String(KEY_MAX), nullable=False, default="", index=True)
    target_label: Mapped[str] = mapped_column(String(LABEL_MAX), nullable=False, default="")
    # the community it happened in (None: site-wide); not a foreign key, so the log of a deleted
    # community stays readable by admins
    community_id: Mapped[int | None] = mapped_column(Integer)
    before_json: Mapped[str] = mapped_column(Text, nullable=False, default="")
    after_json: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")

    actor = relationship("User", lazy="joined")

    @property
    def before(self) -> Any:
        return json.loads(self.before_json) if self.before_json else None

    @property
    def after(self) -> Any:
        return json.loads(self.after_json) if self.after_json else None


def _dump(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(actor, action: str, *, target: str = "", label: str = "", community=None,
           before: Any = None, after: Any = None, reason: str = "") -> AuditEntry:
    """Add one audit entry to db.session (the caller commits with the change itself).

    actor: the User acting (None for the system); action: a dotted name such as
    "user.deactivate", "community.delete", "moderation.hide"; target: "type:pk";
    label: what a reader of the log sees for the target; community: Community, id or None;
    before/after: JSON-serialisable snapshots of what changed.
    """
    community_id = getattr(community, "id", community)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_name=(getattr(actor, "display_name", None) or getattr(actor, "username", "") or "")[:LABEL_MAX],
        action=action[:ACTION_MAX], target_key=target[:KEY_MAX], target_label=label[:LABEL_MAX],
        community_id=community_id, before_json=_dump(before), after_json=_dump(after),
        reason=reason or "",
    )
    db.session.add(entry)
    return entry


def entries_query(*, community_id: int | None = None, action: str = "", actor_id: int | None = None,
                  target: str = "", since: datetime | None = None, until: datetime | None = None):
    """A select of entries, newest first, filtered by what is given (for the log pages)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if community_id is not None:
        stmt = stmt.where(AuditEntry.community_id == community_id)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    if actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if target:
        stmt = stmt.where(AuditEntry.target_key == target)
    if since is not None:
        stmt = stmt.where(AuditEntry.created_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.created_at < until)
    return stmt


# --------------------------------------------------------------------------- how the log reads

# action -> lazy translated label; packages register their own (moderation.*, ...). An action with
# no label is shown as it is.
_labels: dict[str, Any] = {}
_groups: dict[str, Any] = {}  # prefix ("forums.") -> label of "all of them" in the log's filter


def register_labels(mapping: dict[str, Any], *, group: tuple[str, Any] | None = None) -> None:
    """Labels of a package's actions; ``group=("forums.", _l("Forums: everything"))`` also offers
    the whole prefix as one filter choice."""
    _labels.update(mapping)
    if group is not None:
        _groups[group[0]] = group[1]


def action_groups() -> dict[str, Any]:
    return dict(_groups)


def label_for(action: str) -> str:
    found = _labels.get(action)
    return str(found) if found is not None else action


def action_labels() -> dict[str, Any]:
    return dict(_labels)
