from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from collab.forms import NoControlChars, strip_filter, choices

ACCESS_CHOICES = [
    ("public", _l("Public: every employee can see it and join at once")),
    ("moderated", _l("Moderated: every employee can see it; owners approve who joins")),
    ("restricted", _l("Restricted: only members see it; people join by invitation")),
]


POSTING_CHOICES = [
    ("members", _l("Every member writes, replies, comments and chats")),
    ("moderators", _l("Only owners and moderators post; members read (an announcement community)")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CommunityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100), NoControlChars()], filters=[strip_filter])
    slug = StringField(_l("Web address"), validators=[Optional(), Length(max=64)], filters=[strip_filter],
                       description=_l("Lowercase letters, digits and dashes. Left empty, it is made from the name."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000), NoControlChars(multiline=True)],
                                description=_l("Markdown is supported."))
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400), NoControlChars()], filters=[strip_filter],
                       description=_l("Comma-separated."))
    access = RadioField(_l("Access"), choices=choices(ACCESS_CHOICES), default="public", validators=[DataRequired()])
    tools = MultiCheckboxField(_l("Tools"), choices=[], validate_choice=True)
    posting = RadioField(_l("Who may post"), choices=choices(POSTING_CHOICES), default="members",
                         validators=[DataRequired()],
                         description=_l("Applies to every tool: wiki, blog, forums and chat."))


class InviteForm(FlaskForm):
    people = TextAreaField(_l("People to invite"), validators=[DataRequired(), Length(max=20000)],
                           description=_l("Usernames or emails, one a line or separated by commas (up to 200)."))


class JoinRequestForm(FlaskForm):
    message = TextAreaField(_l("Message to the owners (optional)"), validators=[Optional(), Length(max=500), NoControlChars(multiline=True)])


class TransferForm(FlaskForm):
    username = StringField(_l("New owner's username"), validators=[DataRequired(), Length(max=40)], filters=[strip_filter])
