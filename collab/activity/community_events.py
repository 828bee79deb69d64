"""What happens in the communities package reaches the stream and the bell without that package
knowing about activity (it sits below it): a session listener watches Membership, JoinRequest and
Invitation rows as they are flushed.

    new member                -> "joined" stream event (removed again when they leave)
    new join request          -> "join_request" to the community's owners and moderators
    request approved          -> "request_approved" to the requester (seen as the new membership)
    new invitation            -> "invitation" to the invitee
A request or invitation that is settled takes its now pointless notifications with it.
"""
from __future__ import annotations

from flask import current_app, has_request_context, url_for
from sqlalchemy import event, select
from sqlalchemy.orm import Session, attributes

from collab.accounts.models import User
from communities.models import MODERATOR, OWNER, Community, Invitation, JoinRequest, Membership

from .api import notify, record, retract

_BUSY = "collab_activity_community_events"


def _url(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def _status_changed(obj) -> tuple[str | None, str | None] | None:
    hist = attributes.get_history(obj, "status")
    if not hist.has_changes():
        return None
    return (hist.deleted[0] if hist.deleted else None), (hist.added[0] if hist.added else None)


def _after_flush(session: Session, flush_context) -> None:
    if session.info.get(_BUSY):
        return
    new = [o for o in session.new if isinstance(o, (Membership, JoinRequest, Invitation))]
    dirty = [o for o in session.dirty if isinstance(o, (JoinRequest, Invitation))]
    gone = [o for o in session.deleted if isinstance(o, (Membership, JoinRequest, Invitation))]
    if not (new or dirty or gone):
        return
    session.info[_BUSY] = True
    try:
        for obj in new:
            if isinstance(obj, Membership):
                _joined(session, obj)
            elif isinstance(obj, JoinRequest) and obj.status == "pending":
                _requested(session, obj)
            elif isinstance(obj, Invitation) and obj.status == "pending":
                _invited(session, obj)
        for obj in dirty:
            change = _status_changed(obj)
            if not change or change[0] != "pending":
                continue
            if isinstance(obj, JoinRequest):
                retract(f"join_request:{obj.id}")
            else:
                retract(f"invitation:{obj.id}")
        for obj in gone:
            prefix = {Membership: "membership", JoinRequest: "join_request", Invitation: "invitation"}[type(obj)]
            retract(f"{prefix}:{obj.id}")
    finally:
        session.info.pop(_BUSY, None)


def _joined(session, m: Membership) -> None:
    # Joining settles an open request (approved: tell the requester) or invitation.
    for req in session.scalars(select(JoinRequest).where(
            JoinRequest.community_id == m.community_id, JoinRequest.user_id == m.user_id,
            JoinRequest.status == "pending")):
        retract(f"join_request:{req.id}")
        if req.decided_by_id:
            _approved(session, req)
    for inv in session.scalars(select(Invitation).where(
            Invitation.community_id == m.community_id, Invitation.user_id == m.user_id,
            Invitation.status == "pending")):
        retract(f"invitation:{inv.id}")
    if m.role == OWNER:  # the founder, or an owner added by an admin: not news
        return
    community, user = session.get(Community, m.community_id), session.get(User, m.user_id)
    if community is None or user is None:
        return
    record(user, "joined", f"membership:{m.id}", group=f"community:{community.id}", community=community,
           title=community.name, url=_url("communities.home", slug=community.slug))


def _requested(session, req: JoinRequest) -> None:
    community, user = session.get(Community, req.community_id), session.get(User, req.user_id)
    if community is None or user is None:
        return
    deciders = session.scalars(select(Membership.user_id).where(
        Membership.community_id == community.id, Membership.role.in_((OWNER, MODERATOR)))).all()
    notify(deciders, "join_request", actor=user, key=f"join_request:{req.id}", group=f"community:{community.id}",
           community=community, title=community.name, url=_url("communities.requests", slug=community.slug))


def _approved(session, req: JoinRequest) -> None:
    community = session.get(Community, req.community_id)
    decider = session.get(User, req.decided_by_id) if req.decided_by_id else None
    if community is None:
        return
    # Personal (community=None): they are a member by now, but this flush may not show it yet.
    notify([req.user_id], "request_approved", actor=decider, key=f"join_approved:{req.id}",
           group=f"community:{community.id}", community=None, title=community.name,
           url=_url("communities.home", slug=community.slug))


def _invited(session, inv: Invitation) -> None:
    community = session.get(Community, inv.community_id)
    inviter = session.get(User, inv.invited_by_id) if inv.invited_by_id else None
    if community is None:
        return
    # The invitee may not view a restricted community yet; the invitation itself is theirs to see.
    notify([inv.user_id], "invitation", actor=inviter, key=f"invitation:{inv.id}",
           group=f"community:{community.id}", community=None, title=community.name,
           url=_url("communities.invitations"))


def install_community_hooks() -> None:
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
