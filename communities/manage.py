"""Community settings for its owners (and admins): general settings and posting rules, members
and their roles, bulk invitations, join requests, and the community's audit log. Every change is
written to the audit log in the transaction that makes it."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user, login_required
from limits import parse as parse_limit
from sqlalchemy import select

from collab import access, audit, mail
from collab.accounts.models import User
from collab.auditlog import filter_form, filtered_entries
from collab.extensions import db, limiter
from collab.pagination import paginate
from collab.settings import default_locale, get_setting
from collab.urls import local_path

from . import bp, services
from .forms import CommunityForm, InviteForm
from .models import Community, JoinRequest, Membership
from .views import _act, _error, _names, _tool_choices, community_context


def _me() -> User:
    return current_user._get_current_object()


def _manageable(slug: str) -> Community:
    community = _act(slug)
    access.require(access.can_manage(current_user, community))
    if community.is_archived and not access.is_admin(current_user):
        abort(403)
    return community


@bp.route("/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    community = _manageable(slug)
    form = CommunityForm(obj=community)
    form.tools.choices = _tool_choices()
    if request.method == "GET":
        form.tags.data = ", ".join(community.tags)
        form.tools.data = [t for t in community.enabled_tools]
    if form.validate_on_submit():
        registered = {c.value for c in form.tools.choices}
        # Keep the state of tools this server does not have installed.
        tools = set(form.tools.data) | (community.enabled_tools - registered)
        before = services.snapshot(community)
        try:
            services.update_community(
                community, name=form.name.data, slug=form.slug.data or community.slug,
                description=form.description.data or "", tags=form.tags.data or "",
                access_level=form.access.data, tools=tools, posting=form.posting.data,
            )
        except services.CommunityError as e:
            db.session.rollback()
            _error(form, e)
        else:
            old, new = services.changed(before, services.snapshot(community))
            if new:
                audit.record(_me(), "community.settings", target=f"community:{community.id}", label=community.name,
                             community=community, before=old, after=new)
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("communities.settings", slug=community.slug))
    return render_template("communities/edit.html", form=form, **community_context(community))


def _member_target(community: Community, user_id: int) -> Membership:
    m = db.session.scalar(
        select(Membership).where(Membership.community_id == community.id, Membership.user_id == user_id)
    )
    if m is None:
        abort(404)
    return m


def _back_to_members(community: Community):
    return redirect(local_path(request.form.get("next")) or url_for("communities.members", slug=community.slug))


@bp.route("/<slug>/members/<int:user_id>/role", methods=["POST"])
@login_required
def set_role(slug: str, user_id: int):
    community = _act(slug)
    access.require(access.can_manage(current_user, community) and not community.is_archived)
    m = _member_target(community, user_id)
    target, before = m.user, m.role
    try:
        services.set_role(community, target, request.form.get("role", ""))
    except services.CommunityError as e:
        flash(str(e.message), "error")
    else:
        if m.role != before:
            audit.record(_me(), "member.role", target=f"user:{target.id}", label=target.username,
                         community=community, before={"role": before}, after={"role": m.role})
        db.session.commit()
        flash(_("%(name)s's role is changed.", name=target.name), "success")
    return _back_to_members(community)


@bp.route("/<slug>/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_member(slug: str, user_id: int):
    community = _act(slug)
    access.require(access.can_manage(current_user, community) and not community.is_archived)
    m = _member_target(community, user_id)
    target, role = m.user, m.role
    try:
        services.remove_member(community, target)
    except services.CommunityError as e:
        flash(str(e.message), "error")
    else:
        audit.record(_me(), "member.remove", target=f"user:{target.id}", label=target.username,
                     community=community, before={"role": role}, after=None)
        db.session.commit()
        flash(_("%(name)s was removed from the community.", name=target.name), "info")
    return _back_to_members(community)


def _may_email_invites(user) -> bool:
    """Whether an unknown address may get an email invitation: a mail server is set and the site
    lets such a person register (open registration; invite-only when an admin invites)."""
    if not mail.configured():
        return False
    mode = get_setting("registration_mode")
    return mode == "open" or (mode == "invite" and access.is_admin(user))


def _invite_limit():
    """INVITE_EMAIL_LIMIT (the email invitations one person may send), counted by the site's own
    rate limiter (Flask-Limiter: its storage, Redis when there is one); None when limits are off."""
    if not limiter.enabled or not current_app.config.get("INVITE_EMAIL_LIMIT"):
        return None
    return parse_limit(current_app.config["INVITE_EMAIL_LIMIT"])


def _send_email_invites(community: Community, inviter: User, emails: list[str]) -> list[str]:
    """Email each new address a link to register (with a one-time registration invitation where
    registration is invite-only); returns the addresses the server took."""
    from collab.accounts.models import SiteInvite

    base = (current_app.config.get("BASE_URL") or request.host_url).rstrip("/")
    sent = []
    for email in emails:
        if get_setting("registration_mode") == "invite":
            invite = SiteInvite(email=email, created_by_id=inviter.id)
            db.session.add(invite)
            db.session.flush()
            link = base + url_for("accounts.register", invite=invite.token)
        else:
            link = base + url_for("accounts.register")
        with force_locale(default_locale()):
            ok = mail.send(email, _("%(name)s invites you to %(community)s on collab", name=inviter.name,
                                    community=community.name), "\n".join([
                _("Hello,"), "",
                _("%(name)s invites you to the community %(community)s on collab. Register with this email address and the invitation waits for you:",
                  name=inviter.name, community=community.name), "", link, "",
            ]))
        if ok:
            sent.append(email)
    return sent


@bp.route("/<slug>/invite", methods=["GET", "POST"])
@login_required
def invite(slug: str):
    community = _act(slug)
    access.require(access.can_invite(current_user, community))
    form = InviteForm()
    report = None
    may_email = _may_email_invites(current_user)
    if form.validate_on_submit():
        entries = services.split_people(form.people.data)
        limit = _invite_limit() if may_email else None
        key = ("invite-email", str(_me().id))
        budget = limiter.limiter.get_window_stats(limit, *key).remaining if limit else None
        try:
            report = services.invite_many(community, _me(), entries, email_unknown=may_email, email_budget=budget)
        except services.CommunityError as e:
            flash(str(e.message), "error")
            return redirect(url_for("communities.home", slug=community.slug))
        mailed = _send_email_invites(community, _me(), report.emailed) if report.emailed else []
        for _address in mailed if limit else ():
            limiter.limiter.hit(limit, *key)
        if report.invited or report.emailed:
            audit.record(_me(), "member.invite", target=f"community:{community.id}", label=community.name,
                         community=community, after={"invited": [p.username for p in report.invited],
                                                     "emailed": report.emailed})
        db.session.commit()
        report.not_mailed = [e for e in report.emailed if e not in mailed]
        if not report.unknown and not report.over_budget:
            form.people.data = ""
        else:
            # Keep what needs fixing (or trying again tomorrow) in the box; everything else is done.
            form.people.data = "\n".join(report.unknown + report.over_budget)
            if report.unknown:
                form.people.errors = list(form.people.errors) + [
                    _("No account for: %(names)s", names=_names(report.unknown))]
    return render_template("communities/invite.html", form=form, report=report, may_email=may_email, names=_names,
                           **community_context(community))


@bp.route("/<slug>/requests")
@login_required
def requests(slug: str):
    community = _act(slug)
    access.require(access.can_moderate(current_user, community))
    items = db.session.scalars(services.pending_requests(community)).all()
    return render_template("communities/requests.html", items=items, **community_context(community))


def _audit_decision(community: Community, req: JoinRequest, approve: bool) -> None:
    audit.record(_me(), "request.approve" if approve else "request.decline", target=f"user:{req.user_id}",
                 label=req.user.username, community=community, before={"status": "pending"},
                 after={"status": req.status})


@bp.route("/<slug>/requests/<int:req_id>/<any(approve, decline):decision>", methods=["POST"])
@login_required
def decide(slug: str, req_id: int, decision: str):
    community = _act(slug)
    access.require(access.can_moderate(current_user, community))
    req = db.session.get(JoinRequest, req_id)
    if req is None or req.community_id != community.id:
        abort(404)
    try:
        services.decide_request(req, current_user, decision == "approve")
    except services.CommunityError as e:
        flash(str(e.message), "error")
    else:
        _audit_decision(community, req, decision == "approve")
        db.session.commit()
        if decision == "approve":
            flash(_("%(name)s is now a member.", name=req.user.name), "success")
        else:
            flash(_("The request from %(name)s is declined.", name=req.user.name), "info")
    return redirect(url_for("communities.requests", slug=community.slug))


@bp.route("/<slug>/requests/bulk", methods=["POST"])
@login_required
def decide_many(slug: str):
    community = _act(slug)
    access.require(access.can_moderate(current_user, community))
    decision = request.form.get("decision")
    if decision not in ("approve", "decline"):
        abort(400)
    ids = request.form.getlist("request")
    if not ids:
        flash(_("Select the requests first."), "error")
        return redirect(url_for("communities.requests", slug=community.slug))
    try:
        decided = services.decide_requests(community, current_user, ids, decision == "approve")
    except services.CommunityError as e:
        db.session.rollback()
        flash(str(e.message), "error")
        return redirect(url_for("communities.requests", slug=community.slug))
    for req in decided:
        _audit_decision(community, req, decision == "approve")
    db.session.commit()
    names = _names([r.user.name for r in decided]) if decided else ""
    if not decided:
        flash(_("Those requests were already decided."), "info")
    elif decision == "approve":
        flash(_("Now members: %(names)s", names=names), "success")
    else:
        flash(_("Declined: %(names)s", names=names), "info")
    return redirect(url_for("communities.requests", slug=community.slug))


@bp.route("/<slug>/settings/log")
@login_required
def log(slug: str):
    """The community's own audit log: what its owners, moderators and the site's admins did here."""
    community = _act(slug)
    access.require(access.can_manage(current_user, community))
    form = filter_form(request.args, with_community=False)
    page = paginate(filtered_entries(form, community_id=community.id), per_page=50)
    return render_template("communities/log.html", form=form, page=page, communities={community.id: community},
                           **community_context(community))
