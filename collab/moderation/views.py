"""Moderation pages: thin (load, ask collab.access through the services, call, render)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_login import current_user, login_required
from wtforms import StringField

from collab import access
from collab.extensions import db
from collab.urls import local_path

from . import bp, registry, services
from .models import APPROVE, DELETE, HIDE, KEEP, REASONS, REJECT, UNHIDE, ModerationDecision
from .services import ModerationError

class ReasonForm(FlaskForm):
    """The reason a moderator typed, given back (collab/templates/unsaved.html) when the decision
    could not be recorded."""
    reason = StringField(_l("Reason, sent to the author"))


def reason_labels() -> dict:
    return {"spam": _("Spam or advertising"), "offensive": _("Offensive or abusive"),
            "off_topic": _("Off topic"), "confidential": _("Confidential information"),
            "other": _("Something else")}


def decision_labels() -> dict:
    return {KEEP: _("Keep"), HIDE: _("Hide"), UNHIDE: _("Show again"), DELETE: _("Delete"),
            APPROVE: _("Approve"), REJECT: _("Reject")}


def decision_done() -> dict:
    return {KEEP: _("kept"), HIDE: _("hidden"), UNHIDE: _("shown again"), DELETE: _("deleted"),
            APPROVE: _("approved"), REJECT: _("rejected")}


def _me():
    return current_user._get_current_object()


def _community_queue_ctx(community) -> dict:
    from communities.views import community_context

    ctx = community_context(community)
    settings = services.settings_of(community)
    ctx.update(page=services.queue(community), premoderation=bool(settings and settings.premoderation),
               site=False)
    return ctx


def _render_queue(ctx: dict, status: int = 200, **extra):
    ctx.update(reason_labels=reason_labels(), decision_labels=decision_labels(), **extra)
    return render_template("moderation/queue.html", **ctx), status


@bp.route("/c/<slug>/moderation/")
@login_required
def community_queue(slug: str):
    community = access.get_community_or_404(slug, _me())
    access.require(access.can_moderate(_me(), community))
    return _render_queue(_community_queue_ctx(community))


@bp.route("/c/<slug>/moderation/settings", methods=["POST"])
@login_required
def community_settings(slug: str):
    community = access.get_community_or_404(slug, _me())
    access.require(access.can_moderate(_me(), community))
    on = request.form.get("premoderation") == "1"
    services.set_premoderation(community, _me(), on)
    db.session.commit()
    flash(_("Pre-moderation is on: new members' posts wait for approval.") if on
          else _("Pre-moderation is off."), "success")
    return redirect(url_for("moderation.community_queue", slug=community.slug))


@bp.route("/admin/moderation")
@login_required
def site_queue():
    access.require(access.is_admin(_me()))
    return _render_queue({"page": services.queue(None, site=True), "site": True})


@bp.route("/moderation/resolve", methods=["POST"])
@login_required
def resolve():
    key = request.form.get("key", "")
    decision = request.form.get("decision", "")
    reason = request.form.get("reason", "")
    back = local_path(request.form.get("next")) or url_for("home.index")
    item = registry.load(key)
    if item is None or not (services.may_view_item(_me(), item) or services.may_moderate_item(_me(), item)):
        abort(404)
    if not services.may_moderate_item(_me(), item):
        abort(403)
    if decision in (DELETE, REJECT) and request.form.get("confirm") != "1":
        return render_template("moderation/confirm.html", item=item, key=key, decision=decision, reason=reason,
                               back=back, decision_labels=decision_labels(),
                               error=None)
    try:
        services.resolve(_me(), key, decision, reason)
    except ModerationError as e:
        db.session.rollback()
        if e.status == 409 and reason.strip():  # changed meanwhile: the typed reason comes back
            return render_template("unsaved.html", message=e.message, form=ReasonForm(), fields=("reason",),
                                   back=back), 409
        if decision in (DELETE, REJECT):
            return render_template("moderation/confirm.html", item=item, key=key, decision=decision,
                                   reason=reason, back=back, decision_labels=decision_labels(),
                                   error=str(e.message)), e.status
        flash(str(e.message), "error")
        return redirect(back + f"#item-{key.replace(':', '-')}")
    db.session.commit()
    flash(_("Done: %(title)s was %(what)s. The author is told.", title=item.title,
            what=decision_done()[decision]), "success")
    return redirect(back)


@bp.route("/moderation/flag", methods=["GET", "POST"])
@login_required
def flag():
    key = request.values.get("key", "")
    item = registry.load(key)
    if item is None or not services.may_see(_me(), item):
        abort(404)
    back = local_path(request.values.get("next")) or item.url
    form = {"reason": request.form.get("reason", ""), "details": request.form.get("details", "")}
    error, field = None, None
    if request.method == "POST":
        try:
            services.flag(_me(), key, form["reason"], form["details"])
        except ModerationError as e:
            db.session.rollback()
            if e.status == 404:
                abort(404)
            error, field = str(e.message), e.field
        else:
            db.session.commit()
            flash(_("Thank you. The moderators will look at it."), "success")
            return redirect(back)
    return render_template("moderation/flag.html", item=item, key=key, back=back, form=form, error=error,
                           field=field, reasons=REASONS, reason_labels=reason_labels(),
                           already=services.has_open_flag(_me(), key)), (400 if error else 200)


@bp.route("/moderation/decisions/<int:decision_id>")
@login_required
def decision(decision_id: int):
    row = db.session.get(ModerationDecision, decision_id)
    if row is None:
        abort(404)
    me = _me()
    allowed = row.author_id == me.id or access.is_admin(me) or (
        row.community is not None and access.can_moderate(me, row.community))
    if not allowed:
        abort(404)
    return render_template("moderation/decision.html", row=row, decision_labels=decision_labels(),
                           decision_done=decision_done())
