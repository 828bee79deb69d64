"""The start page and the health check (cross-tool views, layer 6)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import bindparam, exists, func, select

from collab import access, tools
from collab.extensions import db
from collab.fragments import cached_render
from communities import services as community_services
from communities.models import Community, JoinRequest, Membership

bp = Blueprint("home", __name__)


def _statements(is_admin: bool) -> tuple:
    """The start page's own SELECTs, built once per process (the person's id is a parameter)."""
    found = _STATEMENTS.get(is_admin)
    if found is None:
        user_id = bindparam("user_id")
        moderating = select(Membership.community_id).where(
            Membership.user_id == user_id, Membership.role.in_(("owner", "moderator")))
        waiting = (select(Community, func.count(JoinRequest.id))
                   .join(JoinRequest, JoinRequest.community_id == Community.id)
                   .where(JoinRequest.status == "pending", Community.id.in_(moderating))
                   .group_by(Community.id))
        not_member = ~exists().where(Membership.community_id == Community.id, Membership.user_id == user_id)
        suggested = (select(Community).where(access.visible_clause_for(is_admin, user_id),
                                             Community.is_archived.is_(False), not_member)
                     .order_by(Community.last_activity_at.desc().nulls_last(), Community.member_count.desc())
                     .limit(6))
        my_requests = (select(JoinRequest).where(JoinRequest.user_id == user_id, JoinRequest.status == "pending")
                       .order_by(JoinRequest.created_at.desc()))
        found = _STATEMENTS[is_admin] = (waiting, suggested, my_requests)
    return found


_STATEMENTS: dict[bool, tuple] = {}


@bp.route("/")
@login_required
def index():
    user = current_user._get_current_object()
    mine = community_services.communities_of(user)
    invitations = community_services.pending_invitations_for(user)
    waiting_stmt, suggested_stmt, requests_stmt = _statements(bool(user.is_admin))
    params = {"user_id": user.id}
    waiting = db.session.execute(waiting_stmt, params).all()
    suggested = db.session.scalars(suggested_stmt, params).all()
    my_requests = db.session.scalars(requests_stmt, params).all()
    from collab.activity.views import home_stream_context

    return render_template(
        "home.html", mine=mine, mine_html=_my_communities(mine), invitations=invitations, waiting=waiting, suggested=suggested,
        my_requests=my_requests, to_do=tools.waiting_for(user), **home_stream_context(user, mine),
    )


def _my_communities(mine) -> Markup:
    """The "My communities" list, rendered once per version of what it shows (names, access,
    member counts ...) and language, in each server process: a change makes a new key."""
    if not mine:
        return Markup("")
    key = (tuple(tuple(row) for row in mine), str(get_locale()), request.script_root)
    return cached_render("home-my-communities", key, "_my_communities.html", max_items=4096, mine=mine)


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
