"""Forum forms. The rules (required, lengths, tags) live in services; forms bound sizes, refuse
control characters and carry the client token that makes a second submit harmless."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from collab.forms import DRAFTED, NoControlChars, strip_filter

from .models import BODY_MAX, DESCRIPTION_MAX

BODY_HELP = _l("Markdown: **bold**, lists, `code`, ``` code blocks, > quotes, @name mentions.")


def new_token() -> str:
    return secrets.token_urlsafe(16)


class _Token:
    token = HiddenField()

    def fresh(self):
        if not self.token.data:
            self.token.data = new_token()
        return self


class ForumForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=1000), NoControlChars()], filters=[strip_filter])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=DESCRIPTION_MAX),
                                                               NoControlChars(multiline=True)])
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(min=0, max=10_000)],
                            description=_l("Forums are listed by this number, smallest first."))


class TopicForm(_Token, FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=1000), NoControlChars()], filters=[strip_filter])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=BODY_MAX + 1000),
                                                 NoControlChars(multiline=True)], description=BODY_HELP,
                         render_kw=DRAFTED)
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=1000), NoControlChars()],
                       description=_l("Separated by commas, like: deployment, python"))
    is_question = BooleanField(_l("This is a question (someone's reply can be accepted as the answer)"))


class ReplyForm(_Token, FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=[Optional(), Length(max=BODY_MAX + 1000),
                                                       NoControlChars(multiline=True)], description=BODY_HELP,
                         render_kw=DRAFTED)
    reply_to = HiddenField()


class EditPostForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=1000), NoControlChars()], filters=[strip_filter])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=BODY_MAX + 1000),
                                                 NoControlChars(multiline=True)], description=BODY_HELP,
                         render_kw=DRAFTED)
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=1000), NoControlChars()])
    is_question = BooleanField(_l("This is a question"))
    base = HiddenField()  # when the post was last edited, as the editor opened it: a later edit is a conflict


class MoveForm(FlaskForm):
    forum = SelectField(_l("Forum"), coerce=int, validate_choice=False)
