from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from collab.forms import choices
from wtforms import EmailField, RadioField, SelectField
from wtforms.validators import DataRequired, Email, Length, Optional

from collab.accounts.forms import RegisterForm


class SiteSettingsForm(FlaskForm):
    registration_mode = RadioField(_l("Registration"), choices=choices([
        ("open", _l("Open: anyone who reaches the site can register")),
        ("invite", _l("Invite-only: people register with an invitation link")),
        ("admin", _l("Admins create accounts")),
    ]), validators=[DataRequired()])
    community_creation = RadioField(_l("Who may create communities"), choices=choices([
        ("all", _l("Every employee")),
        ("admins", _l("Site admins only")),
    ]), validators=[DataRequired()])
    default_locale = SelectField(_l("Default language"), choices=choices([("en", "English"), ("zh_Hans", "简体中文")]))
    webhooks_private_targets = RadioField(_l("Webhook targets on internal networks"), choices=choices([
        ("refuse", _l("Refuse loopback, private and link-local addresses (recommended)")),
        ("allow", _l("Allow them (for webhooks to servers inside your network)")),
    ]), validators=[DataRequired()])


class CreateUserForm(RegisterForm):
    pass


class SiteInviteForm(FlaskForm):
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Email(check_deliverability=False, message=_l("Enter a valid email address.")), Length(max=254)])
