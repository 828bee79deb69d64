from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from collab.forms import NoControlChars, choices, strip_filter

from .models import NAME_MAX


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX), NoControlChars()],
                       filters=[strip_filter],
                       description=_l("What uses this token, e.g. “Build server” or “Team dashboard”."))
    scope = RadioField(_l("Access"), choices=choices([("read", _l("Read only")), ("write", _l("Read and write"))]),
                       default="read")
    expires = SelectField(_l("Expires"), coerce=int, default=90, choices=choices([
        (7, _l("In 7 days")), (30, _l("In 30 days")), (90, _l("In 90 days")), (365, _l("In a year")),
        (0, _l("Never")),
    ]))
    client_token = HiddenField()
