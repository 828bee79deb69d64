"""The form a flow's draft is edited in before the new item is saved."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from collab.forms import NoControlChars, strip_filter

from .models import BODY_MAX, TAGS_MAX, TITLE_MAX


class DraftForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=TITLE_MAX), NoControlChars()], filters=[strip_filter])
    place = SelectField(_l("Where"), validators=[Optional()], validate_choice=False)
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=BODY_MAX), NoControlChars(multiline=True)],
                         description=_l("Markdown. Edit it as you like before you save."))
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=TAGS_MAX), NoControlChars()],
                       description=_l("Separated by commas, like: deployment, python"))


class CopyForm(FlaskForm):
    community = SelectField(_l("Community"), validators=[Optional()], validate_choice=False)
