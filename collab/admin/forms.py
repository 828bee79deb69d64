from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from collab.accounts.forms import RegisterForm
from collab.forms import NoControlChars, choices, strip_filter
from communities.forms import ACCESS_CHOICES


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
    default_locale = SelectField(_l("Default language"), choices=choices([("en", "English"), ("zh_Hans", "简体中文")]),
                                 description=_l("For people who chose no language and whose browser asks for none we have."))
    upload_max_mb = IntegerField(_l("Largest upload (MB)"), validators=[Optional(), NumberRange(min=1, max=1024)],
                                 description=_l("One attached file or image. Empty: the server's setting."))
    smtp_host = StringField(_l("Mail server"), validators=[Optional(), Length(max=253), NoControlChars()],
                            filters=[strip_filter], description=_l("Host name of the SMTP server. Empty: the server's configuration."))
    smtp_port = IntegerField(_l("Port"), validators=[Optional(), NumberRange(min=1, max=65535)])
    smtp_tls = SelectField(_l("Encryption"), choices=choices([
        ("", _l("None")), ("starttls", _l("STARTTLS")), ("ssl", _l("SSL/TLS")),
    ]), validators=[Optional()])
    smtp_user = StringField(_l("User name"), validators=[Optional(), Length(max=254), NoControlChars()], filters=[strip_filter])
    smtp_password = PasswordField(_l("Password"), validators=[Optional(), Length(max=512)],
                                  description=_l("Left empty, the saved password is kept."))
    smtp_clear_password = BooleanField(_l("Remove the saved password"))
    smtp_from = StringField(_l("Sender address"), validators=[Optional(), Length(max=254), NoControlChars()],
                            filters=[strip_filter], description=_l("For example collab@example.com."))

    webhooks_private_targets = RadioField(_l("Webhook targets on internal networks"), choices=choices([
        ("refuse", _l("Refuse loopback, private and link-local addresses (recommended)")),
        ("allow", _l("Allow them (for webhooks to servers inside your network)")),
    ]), validators=[DataRequired()])

    def validate_smtp_from(self, field):
        if field.data and ("@" not in field.data or any(c.isspace() for c in field.data.split("<")[-1])):
            raise ValidationError(_l("Enter a valid email address."))


class CreateUserForm(RegisterForm):
    pass


class SiteInviteForm(FlaskForm):
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Email(check_deliverability=False, message=_l("Enter a valid email address.")), Length(max=254)],
                       filters=[strip_filter], description=_l("With an email address and a mail server set, the link is sent to it."))


class ConfirmNameForm(FlaskForm):
    confirm = StringField(_l("Type the community's name to confirm"), validators=[DataRequired()])


class AccessForm(FlaskForm):
    access = RadioField(_l("Access"), choices=choices(ACCESS_CHOICES), validators=[DataRequired()])
