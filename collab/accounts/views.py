from __future__ import annotations


from flask import (
    abort, current_app, flash, redirect, render_template, request, send_file, session, url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh as babel_refresh
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, select


from collab.urls import LOCALE_COOKIE, local_path
from collab.extensions import db, limiter
from collab.pagination import paginate
from collab.text import render_markdown

from . import bp, profile_sections, services
from .avatars import AvatarError, avatar_path, process_avatar, store_avatar
from .forms import LoginForm, PasswordChangeForm, PasswordResetForm, ProfileForm, RegisterForm
from .models import User


def _login_account_key() -> str:
    return "login-account:" + (request.form.get("login") or "").strip().lower()


def _failed(response) -> bool:
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_login_account_key,
               methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(local_path(request.args.get("next")) or url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is None:
            form.password.errors.append(_("That username or password is not right, or the account is deactivated."))
        else:
            session.clear()
            login_user(user, remember=form.remember.data)
            babel_refresh()  # the language chosen again, now for the person: the greeting in theirs
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(local_path(form.next.data) or url_for("home.index"))
    return render_template("accounts/login.html", form=form)


@bp.post("/language")
def choose_language():
    """The footer's language switch, for everyone: a signed-in person's choice is their profile's
    language; anybody's is also kept in a cookie, so the sign-in page speaks it after signing out."""
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    response = redirect(local_path(request.form.get("next")) or url_for("home.index"))
    response.set_cookie(LOCALE_COOKIE, locale, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                        secure=request.is_secure)
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm()
    token = request.values.get("invite") or form.invite.data or None
    allowed, invite = services.registration_open_for(token)
    if not allowed:
        return render_template("accounts/register_closed.html"), 403
    if request.method == "GET":
        form.invite.data = token or ""
        if invite and invite.email:
            form.email.data = invite.email
    if form.validate_on_submit():
        try:
            user = services.create_user(
                form.username.data, form.email.data, form.password.data,
                display_name=form.display_name.data or "", invite=invite,
            )
        except services.AccountError as e:
            getattr(form, e.field or "username").errors.append(str(e.message))
        else:
            db.session.commit()
            login_user(user)
            if user.is_admin:
                flash(_("Your account is ready. As the first person here you are the site admin."), "success")
            else:
                flash(_("Your account is ready. Welcome!"), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/register.html", form=form)


@bp.route("/settings/profile", methods=["GET", "POST"])
@login_required
def edit_profile():
    user: User = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if request.method == "GET":
        form.locale.data = user.locale or ""
    if form.validate_on_submit():
        upload = form.avatar.data
        png = None
        if upload and getattr(upload, "filename", ""):
            try:
                png = process_avatar(upload.read(current_app.config["AVATAR_MAX_BYTES"] + 1),
                                     current_app.config["AVATAR_MAX_BYTES"])
            except AvatarError as e:
                form.avatar.errors.append(str(e.message))
        if not form.avatar.errors:
            user.display_name = form.display_name.data
            user.title = form.title.data or ""
            user.department = form.department.data or ""
            user.location = form.location.data or ""
            user.expertise = ", ".join(services.normalise_tags(form.expertise.data or ""))
            if (form.bio.data or "") != user.bio:
                user.bio = form.bio.data or ""
                user.bio_html = render_markdown(user.bio)
            user.locale = form.locale.data or None
            user.timezone = form.timezone.data or None
            if png is not None:
                user.avatar = store_avatar(current_app.config["UPLOAD_PATH"], user.id, png)
            elif form.remove_avatar.data:
                user.avatar = None
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile", username=user.username))
    return render_template("accounts/edit_profile.html", form=form)


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user: User = current_user._get_current_object()
        if not user.check_password(form.current.data):
            form.current.errors.append(_("That is not your current password."))
        else:
            user.set_password(form.password.data)  # ends other sessions
            db.session.commit()
            login_user(user)  # keep this one
            flash(_("Your password is changed. Other sessions were signed out."), "success")
            return redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """A one-time link an admin made: set a new password, then sign in with it."""
    reset = services.password_reset_for(token)
    if reset is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = PasswordResetForm()
    if form.validate_on_submit():
        user = services.use_password_reset(reset, form.password.data)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()
            session.clear()
        flash(_("Your new password is set. Sign in with it."), "success")
        return redirect(url_for("accounts.login"))
    person = db.session.get(User, reset.user_id)
    response = current_app.make_response(render_template("accounts/reset_password.html", form=form, person=person))
    response.headers["Referrer-Policy"] = "no-referrer"  # the token never leaves in a Referer
    response.headers["Cache-Control"] = "no-store"
    return response


def _active_user_or_404(username: str) -> User:
    user = services.find_by_username(username)
    if user is None or (user.is_deactivated and not (current_user.is_authenticated and current_user.is_admin)):
        abort(404)
    return user


@bp.route("/u/<username>")
@login_required
def profile(username: str):
    user = _active_user_or_404(username)
    sections = [s for s in (fn(user, current_user) for fn in profile_sections) if s]
    followers, following = services.follow_counts(user)
    return render_template("accounts/profile.html", person=user, sections=sections,
                           followers=followers, following=following,
                           is_following=services.is_following(current_user.id, user.id))


@bp.route("/u/<username>/<any(follow, unfollow):action>", methods=["POST"])
@login_required
def follow(username: str, action: str):
    user = _active_user_or_404(username)
    me = current_user._get_current_object()
    try:
        if action == "follow":
            services.follow(me, user)
        else:
            services.unfollow(me, user)
    except services.AccountError as e:
        flash(str(e.message), "error")
    else:
        db.session.commit()
        if action == "follow":
            flash(_("You follow %(name)s: what they share in places you can see appears on your home page.",
                    name=user.name), "success")
        else:
            flash(_("You no longer follow %(name)s.", name=user.name), "info")
    return redirect(url_for("accounts.profile", username=user.username))


@bp.route("/u/<username>/<any(followers, following):which>")
@login_required
def follow_list(username: str, which: str):
    user = _active_user_or_404(username)
    stmt = services.followers_query(user) if which == "followers" else services.following_query(user)
    page = paginate(stmt, per_page=30)
    return render_template("accounts/follow_list.html", person=user, which=which, page=page)


@bp.route("/u/<username>/avatar")
@login_required
def avatar(username: str):
    user = _active_user_or_404(username)
    if not user.avatar:
        abort(404)
    path = avatar_path(current_app.config["UPLOAD_PATH"], user.avatar)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/png", max_age=86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/people")
@login_required
def people():
    q = (request.args.get("q") or "").strip()[:100]
    department = (request.args.get("department") or "").strip()[:120]
    page = paginate(services.people_query(q, department), per_page=30)
    return render_template(
        "accounts/people.html", page=page, q=q, department=department, departments=services.departments()
    )


@bp.route("/people/suggest")
@login_required
def suggest():
    """Names for @mention and invite autocomplete (JSON)."""
    q = (request.args.get("q") or "").strip()[:40]
    if len(q) < 1:
        return {"people": []}
    rows = db.session.scalars(services.people_query(q).limit(8))
    return {"people": [{"username": u.username, "name": u.name} for u in rows]}


@bp.route("/people/mentions")
@login_required
def mention_suggest():
    """People whose name starts with ``q``, for @mention autocomplete (JSON, at most 8)."""
    rows = services.mention_candidates(request.args.get("q") or "")
    return {"people": [{"username": u.username, "name": u.name} for u in rows]}


_USER_BY_ID = select(User).where(User.id == bindparam("pk"))  # built once: every request runs it


def load_user(user_id: str) -> User | None:
    try:
        pk, nonce = user_id.split(":", 1)
        user = db.session.scalar(_USER_BY_ID, {"pk": int(pk)})
    except (ValueError, TypeError):
        return None
    if user is None or user.session_nonce != nonce or user.is_deactivated:
        return None
    return user


