"""Site settings: registration, community creation, default language, upload limit, mail server."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from collab import audit, mail
from collab.extensions import db
from collab.settings import SECRET_KEYS, all_settings, set_setting, smtp_config

from . import bp
from .forms import SiteSettingsForm
from .views import me

PLAIN_KEYS = ("registration_mode", "community_creation", "default_locale", "upload_max_mb", "smtp_host",
              "smtp_port", "smtp_tls", "smtp_user", "smtp_from", "webhooks_private_targets")


def _shown(values: dict) -> dict:
    """Settings as the audit log keeps them: a password only as set or not."""
    return {k: (("set" if values.get(k) else "") if k in SECRET_KEYS else values.get(k, ""))
            for k in PLAIN_KEYS + tuple(SECRET_KEYS)}


@bp.route("/settings", methods=["GET", "POST"])
def site_settings():
    saved = dict(all_settings())
    form_data = {k: saved.get(k, "") for k in PLAIN_KEYS}
    for key in ("upload_max_mb", "smtp_port"):
        form_data[key] = int(saved[key]) if saved.get(key) else None
    form = SiteSettingsForm(data=form_data)
    if form.validate_on_submit():
        before = _shown(saved)
        for key in PLAIN_KEYS:
            value = getattr(form, key).data
            set_setting(key, "" if value is None else str(value))
        if form.smtp_clear_password.data:
            set_setting("smtp_password", "")
        elif form.smtp_password.data:
            set_setting("smtp_password", form.smtp_password.data)
        after = _shown(dict(all_settings()))
        if before != after:
            old, new = {k: before[k] for k in after if before[k] != after[k]}, {k: after[k] for k in after if before[k] != after[k]}
            audit.record(me(), "site.settings", target="site", label=_("Site settings"), before=old, after=new)
        db.session.commit()
        flash(_("Site settings saved."), "success")
        return redirect(url_for("admin.site_settings"))
    # The saved password is never sent back to the browser.
    form.smtp_password.data = ""
    return render_template("admin/settings.html", form=form, password_saved=bool(saved.get("smtp_password")),
                           mail=smtp_config(), mail_ready=mail.configured())


@bp.route("/settings/test-email", methods=["POST"])
def test_email():
    if not mail.configured():
        flash(_("No mail server is set."), "error")
    elif mail.send(current_user.email, _("collab test email"),
                   _("This is a test email from collab's site settings. Email works.")):
        flash(_("A test email was sent to %(email)s.", email=current_user.email), "success")
    else:
        flash(_("The mail server did not take the email; check the settings (the server log has details)."), "error")
    return redirect(url_for("admin.site_settings") + ("#mail" if request.form else ""))
