from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from collab.forms import NoControlChars, strip_filter, choices


class LoginForm(FlaskForm):
    login = StringField(_l("Username or email"), validators=[DataRequired(), Length(max=254)], filters=[strip_filter])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=512)])
    remember = BooleanField(_l("Keep me signed in"))
    next = HiddenField()


class RegisterForm(FlaskForm):
    username = StringField(
        _l("Username"), validators=[DataRequired(), Length(max=40), NoControlChars()], filters=[strip_filter],
        description=_l("Letters, digits, dots, dashes and underscores. People @mention you with it."),
    )
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=80), NoControlChars()],
                               filters=[strip_filter])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False, message=_l("Enter a valid email address.")), Length(max=254)],
                       filters=[strip_filter])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=512)],
                             description=_l("At least 8 characters."))
    confirm = PasswordField(_l("Repeat password"), validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))])
    invite = HiddenField()


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=80), NoControlChars()],
                               filters=[strip_filter])
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=120), NoControlChars()], filters=[strip_filter])
    department = StringField(_l("Department"), validators=[Optional(), Length(max=120), NoControlChars()],
                             filters=[strip_filter])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=120), NoControlChars()],
                           filters=[strip_filter])
    expertise = StringField(_l("Expertise"), validators=[Optional(), Length(max=500), NoControlChars()],
                            filters=[strip_filter], description=_l("Comma-separated, e.g. python, 供应链, UX"))
    bio = TextAreaField(_l("About me"), validators=[Optional(), Length(max=5000), NoControlChars(multiline=True)],
                        description=_l("Markdown is supported."))
    locale = SelectField(_l("Language"), choices=choices([("", _l("Browser default")), ("en", "English"), ("zh_Hans", "简体中文")]),
                         validators=[Optional()])
    timezone = StringField(_l("Time zone"), validators=[Optional(), Length(max=64)], filters=[strip_filter],
                           description=_l("For example Asia/Shanghai or Europe/Berlin."))
    avatar = FileField(_l("Photo"), description=_l("JPEG, PNG, GIF or WebP; it is cropped to a square."))
    remove_avatar = BooleanField(_l("Remove my photo"))

    def validate_timezone(self, field):
        if field.data:
            import pytz

            # pytz: what Flask-Babel formats times with (zoneinfo also takes "localtime", "posix/...")
            if field.data not in pytz.all_timezones_set:
                raise ValidationError(_l("Unknown time zone."))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=512)])
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))])


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=512)],
                             description=_l("At least 8 characters."))
    confirm = PasswordField(_l("Repeat new password"),
                            validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))])
