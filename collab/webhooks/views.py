"""A community's webhooks: the list, a new hook, a hook's page (settings, secret, delivery log,
test delivery), delete. Owners (and site admins) only; thin: the rules are in services."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from collab import access, audit
from collab.extensions import db
from collab.forms import choices
from communities.views import community_context

from . import bp, services
from .forms import HookForm

EVENT_LABELS = {
    "created": _l("Created: wiki pages, forum topics"),
    "edited": _l("Edited: wiki pages"),
    "published": _l("Published: blog posts"),
    "replied": _l("Replied: forum replies"),
    "answered": _l("Answered: accepted answers"),
    "commented": _l("Commented: blog and wiki comments"),
    "liked": _l("Liked"),
    "joined": _l("Joined: new members"),
    "submitted": _l("Submitted: ideas"),
    "accepted": _l("Accepted"),
}


def _community(slug: str):
    community = access.get_community_or_404(slug, current_user)
    access.require(access.can_manage(current_user, community))
    return community


def _form(posted: bool, **data) -> HookForm:
    form = HookForm() if posted else HookForm(formdata=None, **data)
    form.events.choices = choices([(e, EVENT_LABELS.get(e, e)) for e in services.EVENTS])
    return form


def _fail(form, e: services.WebhookError) -> None:
    getattr(form, e.field or "url").errors.append(str(e.message))


def _audit(action: str, community, hook, **kw) -> None:
    audit.record(current_user._get_current_object(), action, target=f"webhook:{hook.id}", label=hook.url,
                 community=community, **kw)


@bp.route("/", methods=["GET", "POST"])
@login_required
def index(slug: str):
    community = _community(slug)
    form = _form(request.method == "POST", events=["created", "published", "replied"])
    if request.method == "POST" and form.validate_on_submit():
        try:
            hook = services.create_hook(community, current_user, url=form.url.data, events=form.events.data,
                                        active=form.active.data)
            _audit("webhook.create", community, hook, after={"url": hook.url, "events": hook.event_list})
        except services.WebhookError as e:
            db.session.rollback()
            _fail(form, e)
        else:
            db.session.commit()
            flash(_("The webhook is saved. Copy its secret below to verify the deliveries' signatures."), "success")
            return redirect(url_for("webhooks.hook", slug=community.slug, hook_id=hook.id))
    return render_template("webhooks/index.html", form=form, hooks=services.hooks_of(community),
                           private_allowed=services.private_targets_allowed(), event_labels=EVENT_LABELS,
                           **community_context(community))


def _hook(community, hook_id: int):
    hook = services.get_hook(community, hook_id)
    if hook is None:
        abort(404)
    return hook


@bp.route("/<int:hook_id>", methods=["GET", "POST"])
@login_required
def hook(slug: str, hook_id: int):
    community = _community(slug)
    hook = _hook(community, hook_id)
    if request.method == "POST":
        form = _form(True)
        if form.validate_on_submit():
            before = {"url": hook.url, "events": hook.event_list, "active": hook.is_active}
            try:
                services.update_hook(hook, url=form.url.data, events=form.events.data, active=form.active.data)
                _audit("webhook.update", community, hook, before=before,
                       after={"url": hook.url, "events": hook.event_list, "active": hook.is_active})
            except services.WebhookError as e:
                db.session.rollback()
                hook = _hook(community, hook_id)
                _fail(form, e)
            else:
                db.session.commit()
                flash(_("The webhook is saved."), "success")
                return redirect(url_for("webhooks.hook", slug=community.slug, hook_id=hook.id))
    else:
        form = _form(False, url=hook.url, events=hook.event_list, active=hook.is_active)
    return render_template("webhooks/hook.html", form=form, hook=hook, deliveries=services.deliveries(hook),
                           event_labels=EVENT_LABELS, **community_context(community))


@bp.route("/<int:hook_id>/test", methods=["POST"])
@login_required
def test(slug: str, hook_id: int):
    community = _community(slug)
    hook = _hook(community, hook_id)
    services.queue_ping(hook, current_user._get_current_object(), community)
    db.session.commit()
    flash(_("A test delivery is queued. Its result appears in the log below in a few seconds; reload the page."),
          "info")
    return redirect(url_for("webhooks.hook", slug=community.slug, hook_id=hook.id))


@bp.route("/<int:hook_id>/secret", methods=["POST"])
@login_required
def secret(slug: str, hook_id: int):
    community = _community(slug)
    hook = _hook(community, hook_id)
    services.new_secret(hook)
    _audit("webhook.secret", community, hook)
    db.session.commit()
    flash(_("The webhook has a new secret; deliveries from now on are signed with it."), "success")
    return redirect(url_for("webhooks.hook", slug=community.slug, hook_id=hook.id))


@bp.route("/<int:hook_id>/delete", methods=["POST"])
@login_required
def delete(slug: str, hook_id: int):
    community = _community(slug)
    hook = _hook(community, hook_id)
    _audit("webhook.delete", community, hook, before={"url": hook.url, "events": hook.event_list})
    db.session.delete(hook)
    db.session.commit()
    flash(_("The webhook is deleted."), "success")
    return redirect(url_for("webhooks.index", slug=community.slug))
