from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from collab.forms import strip_filter

from .models import URL_MAX


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class HookForm(FlaskForm):
    url = StringField(_l("Payload URL"), validators=[DataRequired(), Length(max=URL_MAX)], filters=[strip_filter],
                      description=_l("collab POSTs a JSON document here for each event."))
    events = MultiCheckboxField(_l("Events"))
    active = BooleanField(_l("Active: deliver events"), default=True)
