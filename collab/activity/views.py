"""Notifications pages, delivery settings, one-click unsubscribe, and the stream sections that
the community home and the profile page show (registered into those lower packages)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import get_translations
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select

from collab import access
from collab import nav
from collab.urls import local_path
from collab.accounts import register_profile_section
from collab.accounts.models import Face, User
from collab.extensions import csrf, db
from collab.pagination import paginate
from collab.text import word_list
from communities.sections import register_home_section

from . import inbox, mail, stream
from .labels import CHANNEL_NAMES, KIND_LINES, KIND_NAMES, TYPE_NAMES, VERB_LINES, someone
from .models import CHANNELS, KINDS, OFF

bp = Blueprint("activity", __name__, template_folder="templates")


# --------------------------------------------------------------------------- template helpers


def _profile_base() -> str:
    from flask import g

    base = g.get("_profile_base")
    if base is None:
        base = g._profile_base = url_for("accounts.profile", username="~")[:-1]
    return base


_PERSON = Markup('<a class="person" href="%s">%s</a>')
_WHAT = Markup('<a href="%s">%s</a>')


def _person(face) -> Markup:
    return _PERSON % (_profile_base() + face.username, face.name)


def _translated(key, make) -> Markup:
    """A translated, escaped phrase, looked up once per request and language (the stream shows
    forty lines)."""
    from flask import g

    cache = g.get("_stream_phrases")
    if cache is None:
        cache = g._stream_phrases = {}
    key = (id(get_translations()), key)
    found = cache.get(key)
    if found is None:
        found = cache[key] = Markup(escape(make()))
    return found


@bp.app_template_global()
def stream_line(item) -> Markup:
    """"Ana and 3 others replied to <title>" with links, escaped."""
    actors = item.actors
    if not actors:
        who = _translated("someone", lambda: str(someone()))
    elif len(actors) == 1:
        who = _person(actors[0])
    elif len(actors) == 2:
        who = _translated("two", lambda: _("%(first)s and %(second)s")) % {
            "first": _person(actors[0]), "second": _person(actors[1])}
    else:
        n = len(actors) - 1
        phrase = _translated(("more", n), lambda: get_translations().ungettext(
            "%(first)s and %(num)d other", "%(first)s and %(num)d others", n))
        who = phrase % {"first": _person(actors[0]), "num": n}
    what = _WHAT % (item.url, item.title)
    verb = item.verb if item.verb in VERB_LINES else "edited"
    return _translated(("verb", verb), lambda: str(VERB_LINES[verb])) % {"who": who, "what": what}


_WHEN_SLOT = "\x00when\x00"


@bp.app_template_global()
def stream_item_html(item) -> Markup:
    """One stream line as HTML. The markup is made once per version of the line (its newest event,
    how many it groups, who, the title and place as loaded now), language, zone and site root, in
    each server process; only the relative time ("3 minutes ago") is put in per request. A
    changed title, name or avatar is a new key, never a stale line."""
    from flask import g, get_template_attribute

    from collab import timefmt
    from collab.cache import app_cache

    where = g.get("_stream_where")  # the request's language, zone and root: one lookup a page
    if where is None:
        from flask_babel import get_locale, get_timezone

        where = g._stream_where = (get_locale(), get_timezone(), request.script_root)
    locale, tz, root = where
    key = (item.newest_id, item.count, item.verb, item.title, item.url, item.summary, item.community,
           tuple((a.id, a.username, a.display_name, a.avatar) for a in item.actors), str(locale), str(tz), root)
    cache = app_cache("stream-item", 600, 8192)
    html = cache.get(key)
    if html is None:
        html = str(get_template_attribute("activity/_stream.html", "stream_item")(item, Markup(_WHEN_SLOT)))
        cache.set(key, html)
    return Markup(html.replace(_WHEN_SLOT, str(escape(timefmt.relative(item.created_at, locale=locale))), 1))


def notification_line(n, actors: dict) -> str:
    return str(KIND_LINES[n.kind] % {"actor": actors.get(n.actor_id) or someone(), "title": n.title})


def _unread_notifications(user_id, visible_ids):
    """The bell's count, as one column of the navigation's statement (collab.nav); like the
    notifications page, it leaves out those of a tool switched off in their community."""
    from sqlalchemy import func, or_, text

    from .models import Notification
    from .tool_keys import switched_on_sql

    on = switched_on_sql(Notification.__tablename__)
    where = [Notification.user_id == user_id, Notification.read_at.is_(None), *([text(on)] if on else [])]
    if visible_ids is not None:
        where.append(or_(Notification.community_id.is_(None), Notification.community_id.in_(visible_ids)))
    return select(func.count(Notification.id)).where(*where)


nav.register_count("unread_notifications", _unread_notifications)


@bp.app_template_global()
def older_url(next_before: int | None) -> str | None:
    if not next_before:
        return None
    args = request.args.to_dict()
    args["before"] = next_before
    return url_for(request.endpoint, **dict(request.view_args or {}, **args))


# --------------------------------------------------------------------------- sections


@register_home_section
def _community_stream(community, viewer):
    if not access.can_view(viewer, community):
        return None
    page = stream.community_page(community, before=stream.parse_before(request.args.get("before")))
    return "activity/_section.html", {"page": page, "heading": _("Recent activity"),
                                      "empty": _("Nothing has happened here yet.")}


@register_profile_section
def _person_stream(person, viewer):
    page = stream.person_page(person, viewer, before=stream.parse_before(request.args.get("before")))
    return "activity/_section.html", {"page": page, "heading": _("Recent activity"),
                                      "empty": _("%(name)s has no public activity yet.", name=person.name)}


# --------------------------------------------------------------------------- notifications


def _actor_names(items) -> dict[int, str]:
    ids = {n.actor_id for n in items if n.actor_id}
    if not ids:
        return {}
    return {row[0]: Face(*row).name for row in db.session.execute(select(*Face.columns()).where(User.id.in_(ids)))}


@bp.route("/notifications")
@login_required
def notifications():
    user = current_user._get_current_object()
    page = paginate(inbox.notifications_query(user), per_page=30)
    actors = _actor_names(page.items)
    rows = [(n, notification_line(n, actors)) for n in page.items]
    return render_template("activity/notifications.html", page=page, rows=rows)


@bp.route("/notifications/count")
@login_required
def notification_count():
    return {"unread": inbox.unread_count(current_user._get_current_object())}


@bp.route("/notifications/<int:nid>")
@login_required
def open_notification(nid: int):
    """Opening a notification marks it read and goes to the exact place."""
    n = inbox.get_readable(current_user._get_current_object(), nid)
    if n is None:
        abort(404)
    inbox.mark_read(n)
    db.session.commit()
    return redirect(local_path(n.url) or url_for("activity.notifications"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    inbox.mark_all_read(current_user._get_current_object())
    db.session.commit()
    flash(_("All notifications marked as read."), "success")
    return redirect(url_for("activity.notifications"))


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    user = current_user._get_current_object()
    chosen = inbox.preferences(user)
    errors = {}
    if request.method == "POST":
        wanted = {kind: request.form.get(kind, chosen[kind]) for kind in KINDS}
        errors = {kind: _("Choose one of the options.") for kind, ch in wanted.items() if ch not in CHANNELS}
        if not errors:
            for kind, channel in wanted.items():
                if channel != chosen[kind]:
                    inbox.set_preference(user.id, kind, channel)
            db.session.commit()
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("activity.settings"))
        chosen = {k: (v if v in CHANNELS else chosen[k]) for k, v in wanted.items()}
    return render_template("activity/settings.html", chosen=chosen, kinds=KINDS, kind_names=KIND_NAMES,
                           channels=CHANNELS, channel_names=CHANNEL_NAMES, errors=errors,
                           mail_ready=mail.configured())


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # one-click unsubscribe (RFC 8058): the mail client posts without a form token
def unsubscribe(token: str):
    found = mail.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user_id, kinds = found
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    done = False
    if request.method == "POST":
        for kind in kinds:
            inbox.set_preference(user.id, kind, OFF)
        db.session.commit()
        done = True
        if request.form.get("List-Unsubscribe") == "One-Click":
            return ("", 204)
    kind_name = word_list(KIND_NAMES[kind] for kind in kinds)
    return render_template("activity/unsubscribe.html", kind_name=kind_name, done=done, token=token)


def home_stream_context(user, communities=None) -> dict:
    """The home page's stream with its filters (collab.home renders it). ``communities``: the
    person's communities by name, when the caller has loaded them already."""
    if communities is not None:
        mine = [(c.id, c.name) for c in communities]
    else:
        mine = db.session.execute(select(*_community_columns()).where(_member_of(user)).order_by(_name_order())).all()
    cid = stream.parse_before(request.args.get("community"))
    if cid is not None and cid not in {row[0] for row in mine}:
        cid = None
    type_ = stream.clean_type(request.args.get("type"))
    page = stream.home_page(user, before=stream.parse_before(request.args.get("before")), community_id=cid,
                            type_=type_)
    return {"stream": page, "stream_communities": mine, "stream_community": cid, "stream_type": type_,
            "stream_types": TYPE_NAMES}


def _community_columns():
    from communities.models import Community

    return Community.id, Community.name


def _member_of(user):
    from communities.models import Community, Membership

    return Community.id.in_(select(Membership.community_id).where(Membership.user_id == user.id))


def _name_order():
    from sqlalchemy import func

    from communities.models import Community

    return func.lower(Community.name)
