"""Chat forms: adding a community room, starting a conversation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, Optional

from collab.forms import NoControlChars

from .models import NAME_MAX


class RoomForm(FlaskForm):
    name = StringField(_l("Room name"), validators=[InputRequired(), Length(max=NAME_MAX), NoControlChars()])
    topic = StringField(_l("Topic (optional)"), validators=[Optional(), Length(max=300), NoControlChars()])


class StartForm(FlaskForm):
    people = StringField(
        _l("People"), validators=[InputRequired(), Length(max=400), NoControlChars()],
        description=_l("User names separated by spaces or commas, for example: ana, wei.zhang"))
