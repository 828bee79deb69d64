"""Wiki forms. Title rules live in services.clean_title (one place, one set of messages); the
forms only bound sizes and refuse control characters."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from collab.forms import DRAFTED, MENTIONS, NoControlChars, strip_filter

from .models import BODY_MAX, COMMENT_MAX, SUMMARY_MAX

BODY_HELP = _l("Markdown: # headings, **bold**, lists, tables, ``` code blocks, - [ ] tasks. "
               "[[Page title]] or [[Page title|label]] links to a page of this wiki.")


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "", "0") else None
    except (TypeError, ValueError):
        return None


class _BodyMixin:
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=BODY_MAX), NoControlChars(multiline=True)],
                         description=BODY_HELP, render_kw=MENTIONS)
    summary = StringField(_l("Edit summary (optional)"), validators=[Optional(), Length(max=SUMMARY_MAX),
                                                                     NoControlChars()],
                          filters=[strip_filter], description=_l("A few words on what you changed."))


class _TagsMixin:
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=1000), NoControlChars()], filters=[strip_filter],
                       description=_l("Separated by commas, e.g. onboarding, how-to."))


class NewPageForm(_TagsMixin, _BodyMixin, FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=1000), NoControlChars()], filters=[strip_filter])
    parent = SelectField(_l("Parent page"), coerce=_int_or_none, validate_choice=True)


class EditForm(_TagsMixin, _BodyMixin, FlaskForm):
    base_revision = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0)])
    resolving = HiddenField()


class RenameForm(FlaskForm):
    title = StringField(_l("New title"), validators=[Length(max=1000), NoControlChars()], filters=[strip_filter],
                        description=_l("The page's address changes with its title; the old address "
                                       "keeps working and leads here."))


class MoveForm(FlaskForm):
    # The choices leave out the page and its subpages, but a stale form (the tree changed since it was
    # shown) may still name one: the service says why it cannot be, or that the parent is gone.
    parent = SelectField(_l("New parent page"), coerce=_int_or_none, validate_choice=False)


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=COMMENT_MAX),
                                                    NoControlChars(multiline=True)],
                         description=_l("Markdown works here; @name tells a colleague."), render_kw=DRAFTED)
    token = HiddenField()


class WikiSettingsForm(FlaskForm):
    edit_restricted = BooleanField(_l("Only owners and moderators create and edit pages"),
                                   description=_l("Members can still read the wiki and comment on pages."))
