"""Flow pages: the draft a flow prepared (edit, then save as a new item), choosing the community
a copy goes to, and hiding related content. Thin: load, check, call services, render."""
from __future__ import annotations


from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from collab.extensions import db
from collab.urls import local_path
from communities.models import Community
from communities.views import community_context

from . import bp, registry, related, services
from .forms import CopyForm, DraftForm
from .models import COPY, LIST_HIDDEN
from .registry import FlowError, Incoming


def _me():
    return current_user._get_current_object()


@bp.route("/flows/d/<token>", methods=["GET", "POST"])
@login_required
def draft(token: str):
    user = _me()
    d = services.draft_for(user, token)
    if d is None:
        abort(404)
    if d.result_url:
        return redirect(d.result_url)
    community = db.session.get(Community, d.community_id) if d.community_id else None
    rec = registry.receiver(d.receiver)
    source = services.readable(user, d.source_key)
    if community is None or rec is None or source is None:
        abort(404)
    if not services.can_receive(d.receiver, user, community):
        abort(403)
    form = DraftForm()
    places = rec.places(community) if rec.places else []
    form.place.choices = ([] if rec.place_required else [("", _("(top level)"))]) + [(str(v), lbl) for v, lbl in places]
    if rec.places_label:
        form.place.label.text = rec.places_label()
    status = 200
    if request.method == "GET":
        form.title.data, form.body.data, form.tags.data = d.title, d.body, d.tags
        form.place.data = d.place
    elif form.validate_on_submit():
        data = Incoming(title=form.title.data or "", body=form.body.data or "", tags=form.tags.data or "",
                        place=form.place.data or "", token=d.token[:32])
        try:
            _key, url = services.complete(d, user, data)
            db.session.commit()
            flash(_("Saved. Where it came from is linked on both sides."), "success")
            return redirect(url)
        except FlowError as e:
            db.session.rollback()
            field = getattr(form, e.field, None) if e.field else None
            if field is not None:
                field.errors = list(field.errors) + [str(e.message)]
            else:
                flash(str(e.message), "error")
            status = e.status
    else:
        status = 400
    return render_template("flows/draft.html", form=form, draft=d, receiver=rec, source=source,
                           has_tags=rec.name != "wiki.page", **community_context(community)), status


@bp.route("/flows/copy", methods=["GET", "POST"])
@login_required
def copy():
    user = _me()
    key = (request.values.get("key") or "")[:80]
    found = services.copy_outgoing(user, key)
    if found is None:
        abort(404)
    src, out = found
    source = services.readable(user, key)
    targets = services.copy_targets(user, key)
    form = CopyForm()
    form.community.choices = [(str(c.id), c.name) for c in targets]
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        chosen = next((c for c in targets if str(c.id) == form.community.data), None)
        if chosen is None:
            form.community.errors = list(form.community.errors) + [_("Choose one of the communities listed.")]
            status = 400
        else:
            try:
                d = services.start(user, kind=COPY, receiver=src.copy_to, source_key=key, community=chosen,
                                   title=out.title, body=out.body, tags=out.tags)
                db.session.commit()
                return redirect(url_for("flows.draft", token=d.token))
            except FlowError as e:
                db.session.rollback()
                flash(str(e.message), "error")
                status = e.status
    elif request.method == "POST":
        status = 400
    return render_template("flows/copy.html", form=form, source=source, source_label=src.label(), key=key,
                           targets=targets, receiver=registry.receiver(src.copy_to)), status


def _back():
    return local_path(request.form.get("next")) or url_for("home.index")


@bp.get("/flows/related")
@login_required
def related_part():
    """The related list of an item, as the part of its page the browser puts in the page's slot
    (see flow_related); 204 when there is nothing to show, 404 for an item one may not read."""
    user = _me()
    key = request.args.get("key", "")
    item = registry.resolve(key)
    if item is None or item.community is None or not item.readable(user):
        abort(404)
    found = related.related_for(user, key)
    if not found.hidden and not found.items:
        return "", 204
    back = local_path(request.args.get("next")) or item.url
    return render_template("flows/_related.html", related=found, flow_key=key, back=back)


@bp.post("/flows/related/hide")
@login_required
def hide_related():
    related.hide(_me(), request.form.get("key", ""))
    db.session.commit()
    related.forget_hides(_me())
    flash(_("Hidden from your related content."), "success")
    return redirect(_back())


@bp.post("/flows/related/list")
@login_required
def related_list():
    user = _me()
    if request.form.get("show") == "1":
        related.unhide(user, LIST_HIDDEN)
        if request.form.get("reset") == "1":
            related.unhide_all(user)
    else:
        related.hide(user, LIST_HIDDEN)
    db.session.commit()
    related.forget_hides(user)
    return redirect(_back())


