"""The start page and the health check (cross-tool views, layer 6)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import exists, func, select

from collab import access
from collab.extensions import db
from communities import services as community_services
from communities.models import Community, JoinRequest, Membership

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    mine = community_services.communities_of(current_user)
    invitations = community_services.pending_invitations_for(current_user)
    moderating = select(Membership.community_id).where(
        Membership.user_id == current_user.id, Membership.role.in_(("owner", "moderator"))
    )
    waiting = db.session.execute(
        select(Community, func.count(JoinRequest.id))
        .join(JoinRequest, JoinRequest.community_id == Community.id)
        .where(JoinRequest.status == "pending", Community.id.in_(moderating))
        .group_by(Community.id)
    ).all()
    not_member = ~exists().where(Membership.community_id == Community.id, Membership.user_id == current_user.id)
    suggested = db.session.scalars(
        access.visible_communities(current_user)
        .where(Community.is_archived.is_(False), not_member)
        .order_by(Community.last_activity_at.desc().nulls_last(), Community.member_count.desc())
        .limit(6)
    ).all()
    my_requests = db.session.scalars(
        select(JoinRequest).where(JoinRequest.user_id == current_user.id, JoinRequest.status == "pending")
        .order_by(JoinRequest.created_at.desc())
    ).all()
    from collab.activity.views import home_stream_context

    return render_template(
        "home.html", mine=mine, invitations=invitations, waiting=waiting, suggested=suggested,
        my_requests=my_requests, **home_stream_context(current_user._get_current_object()),
    )


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
