from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from collab.accounts import services as accounts
from collab.accounts.models import SiteInvite, User
from collab.extensions import db
from collab.pagination import paginate
from collab.settings import all_settings, set_setting
from communities import services as communities
from communities.forms import ConfirmDeleteForm, TransferForm
from communities.models import Community

from . import bp
from .forms import CreateUserForm, SiteInviteForm, SiteSettingsForm


@bp.route("/")
def index():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "active_users": db.session.scalar(select(func.count(User.id)).where(User.is_deactivated.is_(False))),
        "communities": db.session.scalar(select(func.count(Community.id))),
        "archived": db.session.scalar(select(func.count(Community.id)).where(Community.is_archived.is_(True))),
    }
    return render_template("admin/index.html", counts=counts, settings=all_settings())


@bp.route("/users")
def users():
    q = (request.args.get("q") or "").strip()[:100]
    stmt = select(User)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.username).like(like), func.lower(User.display_name).like(like),
                              func.lower(User.email).like(like)))
    page = paginate(stmt.order_by(User.id), per_page=50)
    return render_template("admin/users.html", page=page, q=q)


@bp.route("/users/new", methods=["GET", "POST"])
def create_user():
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(form.username.data, form.email.data, form.password.data,
                                        display_name=form.display_name.data or "")
        except accounts.AccountError as e:
            getattr(form, e.field or "username").errors.append(str(e.message))
        else:
            db.session.commit()
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users", q=user.username))
    return render_template("admin/create_user.html", form=form)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
def set_active(user_id: int, action: str):
    user = _user(user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate yourself."), "error")
    else:
        accounts.set_deactivated(user, action == "deactivate")
        db.session.commit()
        if action == "deactivate":
            flash(_("%(name)s is deactivated and signed out everywhere.", name=user.username), "success")
        else:
            flash(_("%(name)s can sign in again.", name=user.username), "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url) else url_for("admin.users"))


@bp.route("/users/<int:user_id>/<any(grant, revoke):action>-admin", methods=["POST"])
def set_admin(user_id: int, action: str):
    user = _user(user_id)
    if user.id == current_user.id and action == "revoke":
        flash(_("You cannot remove your own admin rights."), "error")
    else:
        user.is_admin = action == "grant"
        db.session.commit()
        flash(_("Admin rights changed for %(name)s.", name=user.username), "success")
    return redirect(url_for("admin.users", q=user.username))


@bp.route("/communities")
def communities_list():
    q = (request.args.get("q") or "").strip()[:100]
    stmt = select(Community)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(Community.name).like(like), Community.slug.like(like)))
    page = paginate(stmt.order_by(Community.name), per_page=50)
    return render_template("admin/communities.html", page=page, q=q)


def _community(community_id: int) -> Community:
    community = db.session.get(Community, community_id)
    if community is None:
        abort(404)
    return community


@bp.route("/communities/<int:community_id>/<any(archive, restore):action>", methods=["POST"])
def archive(community_id: int, action: str):
    community = _community(community_id)
    communities.set_archived(community, action == "archive")
    db.session.commit()
    if action == "archive":
        flash(_("%(name)s is archived: read-only for everyone.", name=community.name), "success")
    else:
        flash(_("%(name)s is restored.", name=community.name), "success")
    return redirect(url_for("admin.communities_list", q=community.slug))


@bp.route("/communities/<int:community_id>/delete", methods=["GET", "POST"])
def delete(community_id: int):
    community = _community(community_id)
    form = ConfirmDeleteForm()
    if form.validate_on_submit():
        if form.confirm.data.strip() != community.slug:
            form.confirm.errors.append(_("Type %(slug)s exactly to delete.", slug=community.slug))
        else:
            name = community.name
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
        person = accounts.find_by_username(form.username.data)
        if person is None or person.is_deactivated:
            form.username.errors.append(_("No active account with that username."))
        else:
            communities.transfer_ownership(community, person)
            db.session.commit()
            flash(_("%(person)s now owns %(name)s.", person=person.name, name=community.name), "success")
            return redirect(url_for("communities.members", slug=community.slug))
    return render_template("admin/transfer.html", form=form, community=community)


@bp.route("/settings", methods=["GET", "POST"])
def site_settings():
    form = SiteSettingsForm(data=all_settings())
    if form.validate_on_submit():
        for key in ("registration_mode", "community_creation", "default_locale", "webhooks_private_targets"):
            set_setting(key, getattr(form, key).data)
        db.session.commit()
        flash(_("Site settings saved."), "success")
        return redirect(url_for("admin.site_settings"))
    return render_template("admin/settings.html", form=form)


@bp.route("/invites", methods=["GET", "POST"])
def invites():
    form = SiteInviteForm()
    if form.validate_on_submit():
        invite = SiteInvite(email=(form.email.data or "").lower(), created_by_id=current_user.id)
        db.session.add(invite)
        db.session.commit()
        flash(_("Invitation link created; send it to the person."), "success")
        return redirect(url_for("admin.invites"))
    items = db.session.scalars(select(SiteInvite).order_by(SiteInvite.id.desc()).limit(100)).all()
    return render_template("admin/invites.html", form=form, items=items)
