"""The console's overview and its people pages: find, create, invite, deactivate, admin rights,
password reset links. Every change is audited in its own transaction."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from collab import audit, mail
from collab.accounts import services as accounts
from collab.accounts.models import SiteInvite, User
from collab.db import contains_folded
from collab.extensions import db
from collab.pagination import paginate
from collab.settings import all_settings, default_locale, locale_for
from collab.urls import local_path
from communities.models import Community

from . import bp
from .forms import CreateUserForm, SiteInviteForm

RESET_SESSION_KEY = "admin_reset_link"


def me() -> User:
    return current_user._get_current_object()


def user_snapshot(user: User) -> dict:
    return {"username": user.username, "email": user.email, "admin": bool(user.is_admin),
            "deactivated": bool(user.is_deactivated)}


@bp.route("/")
def index():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "active_users": db.session.scalar(select(func.count(User.id)).where(User.is_deactivated.is_(False))),
        "communities": db.session.scalar(select(func.count(Community.id))),
        "archived": db.session.scalar(select(func.count(Community.id)).where(Community.is_archived.is_(True))),
        "admins": db.session.scalar(select(func.count(User.id)).where(User.is_admin.is_(True),
                                                                     User.is_deactivated.is_(False))),
    }
    recent = db.session.scalars(audit.entries_query().limit(8)).all()
    return render_template("admin/index.html", counts=counts, settings=all_settings(), recent=recent,
                           mail_ready=mail.configured())


@bp.route("/users")
def users():
    q = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status", "")
    stmt = select(User)
    if q:
        stmt = stmt.where(or_(*(contains_folded(column, q) for column in
                                (User.username, User.display_name, User.email))))
    if status == "admins":
        stmt = stmt.where(User.is_admin.is_(True))
    elif status == "deactivated":
        stmt = stmt.where(User.is_deactivated.is_(True))
    page = paginate(stmt.order_by(User.id), per_page=50)
    return render_template("admin/users.html", page=page, q=q, status=status)


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
            audit.record(me(), "user.create", target=f"user:{user.id}", label=user.username,
                         after=user_snapshot(user))
            db.session.commit()
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users", q=user.username))
    return render_template("admin/create_user.html", form=form)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _back(default: str):
    """Back to the list the admin acted from (same site only)."""
    return redirect(local_path(request.form.get("next")) or default)


@bp.route("/users/<int:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
def set_active(user_id: int, action: str):
    user = _user(user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate yourself."), "error")
        return _back(url_for("admin.users"))
    before = user_snapshot(user)
    accounts.set_deactivated(user, action == "deactivate")
    if before != user_snapshot(user):
        audit.record(me(), f"user.{action}", target=f"user:{user.id}", label=user.username,
                     before={"deactivated": before["deactivated"]}, after={"deactivated": user.is_deactivated})
    db.session.commit()
    if action == "deactivate":
        flash(_("%(name)s is deactivated and signed out everywhere.", name=user.username), "success")
    else:
        flash(_("%(name)s can sign in again.", name=user.username), "success")
    return _back(url_for("admin.users", q=user.username))


@bp.route("/users/<int:user_id>/<any(grant, revoke):action>-admin", methods=["POST"])
def set_admin(user_id: int, action: str):
    user = _user(user_id)
    if user.id == current_user.id and action == "revoke":
        flash(_("You cannot remove your own admin rights."), "error")
        return _back(url_for("admin.users"))
    before = bool(user.is_admin)
    user.is_admin = action == "grant"
    if before != user.is_admin:
        audit.record(me(), f"user.{action}_admin", target=f"user:{user.id}", label=user.username,
                     before={"admin": before}, after={"admin": user.is_admin})
    db.session.commit()
    if user.is_admin:
        flash(_("%(name)s is now a site admin.", name=user.username), "success")
    else:
        flash(_("%(name)s is no longer a site admin.", name=user.username), "success")
    return _back(url_for("admin.users", q=user.username))


def _external(endpoint: str, **values) -> str:
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
def reset_password(user_id: int):
    user = _user(user_id)
    if user.is_deactivated:
        flash(_("Reactivate the account first."), "error")
        return _back(url_for("admin.users", q=user.username))
    token = accounts.create_password_reset(user, me())
    link = _external("accounts.reset_password", token=token)
    sent = False
    if mail.configured():
        with force_locale(locale_for(user)):
            sent = mail.send(user.email, _("Set a new password for collab"), "\n".join([
                _("Hello %(name)s,", name=user.name), "",
                _("An administrator made this link for you to set a new password. It works once, within %(hours)d hours:",
                  hours=accounts.RESET_HOURS), "", link, "",
                _("If you did not expect it, ask your administrator."),
            ]))
    audit.record(me(), "user.reset_password", target=f"user:{user.id}", label=user.username,
                 after={"emailed": sent, "expires_in_hours": accounts.RESET_HOURS})
    db.session.commit()
    # Shown once, on the next page: the link is not kept anywhere but in its hash.
    session[RESET_SESSION_KEY] = {"user_id": user.id, "link": link, "sent": sent}
    return redirect(url_for("admin.reset_link", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-link")
def reset_link(user_id: int):
    user = _user(user_id)
    shown = session.pop(RESET_SESSION_KEY, None)
    if not shown or shown.get("user_id") != user.id:
        flash(_("A reset link is shown only once. Make a new one if you need it."), "info")
        return redirect(url_for("admin.users", q=user.username))
    response = current_app.make_response(render_template(
        "admin/reset_link.html", person=user, link=shown["link"], sent=shown["sent"], hours=accounts.RESET_HOURS))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/invites", methods=["GET", "POST"])
def invites():
    form = SiteInviteForm()
    if form.validate_on_submit():
        email = (form.email.data or "").lower()
        invite = SiteInvite(email=email, created_by_id=current_user.id)
        db.session.add(invite)
        db.session.flush()
        link = _external("accounts.register", invite=invite.token)
        sent = False
        if email and mail.configured():
            with force_locale(default_locale()):
                sent = mail.send(email, _("You are invited to collab"), "\n".join([
                    _("Hello,"), "",
                    _("%(name)s invites you to join collab, where your colleagues work together. Register with this link:",
                      name=current_user.name), "", link, "",
                    _("The link works once."),
                ]))
        audit.record(me(), "user.invite", target=f"site_invite:{invite.id}", label=email or _("Invitation link"),
                     after={"email": email, "emailed": sent})
        db.session.commit()
        if sent:
            flash(_("The invitation was emailed to %(email)s.", email=email), "success")
        elif email and mail.configured():
            flash(_("The email could not be sent; copy the link below and send it yourself."), "error")
        else:
            flash(_("Invitation link created; send it to the person."), "success")
        return redirect(url_for("admin.invites"))
    items = db.session.scalars(select(SiteInvite).order_by(SiteInvite.id.desc()).limit(100)).all()
    return render_template("admin/invites.html", form=form, items=items, mail_ready=mail.configured())
