"""The console's communities: find, archive, restore, change access, transfer, delete."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from collab import audit
from collab.accounts import services as accounts
from collab.db import contains_folded
from collab.extensions import db
from collab.pagination import paginate
from communities import services as communities
from communities.forms import TransferForm
from communities.models import ACCESS_LEVELS, Community, Membership, OWNER

from . import bp
from .forms import AccessForm, ConfirmNameForm
from .views import _back, me


@bp.route("/communities")
def communities_list():
    q = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status", "")
    stmt = select(Community)
    if q:
        stmt = stmt.where(or_(contains_folded(Community.name, q), contains_folded(Community.slug, q)))
    if status == "archived":
        stmt = stmt.where(Community.is_archived.is_(True))
    elif status in ACCESS_LEVELS:
        stmt = stmt.where(Community.access == status)
    page = paginate(stmt.order_by(Community.sort_name, Community.id), per_page=50)
    ids = [c.id for c in page.items]
    owners: dict[int, list[str]] = {}
    if ids:
        from collab.accounts.models import User

        for cid, name in db.session.execute(
            select(Membership.community_id, User.username).join(User, User.id == Membership.user_id)
            .where(Membership.community_id.in_(ids), Membership.role == OWNER).order_by(User.username)
        ):
            owners.setdefault(cid, []).append(name)
    return render_template("admin/communities.html", page=page, q=q, status=status, owners=owners,
                           access_form=AccessForm())


def _community(community_id: int) -> Community:
    community = db.session.get(Community, community_id)
    if community is None:
        abort(404)
    return community


def _list_url(community: Community) -> str:
    return url_for("admin.communities_list", q=community.slug)


@bp.route("/communities/<int:community_id>/<any(archive, restore):action>", methods=["POST"])
def archive(community_id: int, action: str):
    community = _community(community_id)
    before = bool(community.is_archived)
    communities.set_archived(community, action == "archive")
    if before != community.is_archived:
        audit.record(me(), f"community.{action}", target=f"community:{community.id}", label=community.name,
                     community=community, before={"archived": before}, after={"archived": community.is_archived})
    db.session.commit()
    if action == "archive":
        flash(_("%(name)s is archived: read-only for everyone.", name=community.name), "success")
    else:
        flash(_("%(name)s is restored.", name=community.name), "success")
    return _back(_list_url(community))


@bp.route("/communities/<int:community_id>/access", methods=["POST"])
def change_access(community_id: int):
    community = _community(community_id)
    form = AccessForm()
    if not form.validate_on_submit():
        flash(_("Choose public, moderated or restricted."), "error")
        return _back(_list_url(community))
    before = community.access
    communities.set_access(community, form.access.data)
    if before != community.access:
        audit.record(me(), "community.access", target=f"community:{community.id}", label=community.name,
                     community=community, before={"access": before}, after={"access": community.access})
    db.session.commit()
    flash(_("The access of %(name)s is changed.", name=community.name), "success")
    return _back(_list_url(community))


@bp.route("/communities/<int:community_id>/delete", methods=["GET", "POST"])
def delete(community_id: int):
    community = _community(community_id)
    form = ConfirmNameForm()
    if form.validate_on_submit():
        if form.confirm.data.strip() != community.name.strip():
            form.confirm.errors.append(_("Type the name exactly as shown to delete: %(name)s", name=community.name))
        else:
            name = community.name
            audit.record(me(), "community.delete", target=f"community:{community.id}", label=name,
                         community=community, before=communities.snapshot(community) | {
                             "members": community.member_count})
            communities.delete_community(community)
            db.session.commit()
            flash(_("%(name)s and everything in it were deleted.", name=name), "success")
            return redirect(url_for("admin.communities_list"))
    return render_template("admin/delete_community.html", form=form, community=community)


@bp.route("/communities/<int:community_id>/transfer", methods=["GET", "POST"])
def transfer(community_id: int):
    community = _community(community_id)
    form = TransferForm()
    if form.validate_on_submit():
        person = accounts.find_by_username(form.username.data.lstrip("@"))
        if person is None or person.is_deactivated:
            form.username.errors.append(_("No active account with that username."))
        else:
            owners_before = _owners(community)
            communities.transfer_ownership(community, person)
            db.session.flush()
            audit.record(me(), "community.transfer", target=f"community:{community.id}", label=community.name,
                         community=community, before={"owners": owners_before}, after={"owners": _owners(community)})
            db.session.commit()
            flash(_("%(person)s now owns %(name)s.", person=person.name, name=community.name), "success")
            return redirect(_list_url(community))
    return render_template("admin/transfer.html", form=form, community=community, owners=_owners(community))


def _owners(community: Community) -> list[str]:
    from collab.accounts.models import User

    return list(db.session.scalars(
        select(User.username).join(Membership, Membership.user_id == User.id)
        .where(Membership.community_id == community.id, Membership.role == OWNER).order_by(User.username)))
