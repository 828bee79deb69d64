"""Blog forms. Rules live in the services (one place, one set of messages); the forms bound sizes
and refuse control characters, and carry a client token so a double submit makes one item."""
from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from collab.forms import DRAFTED, NoControlChars, choices, strip_filter

from .models import BODY_MAX, COMMENT_MAX, SUMMARY_MAX

BODY_HELP = _l("Markdown: # headings, **bold**, lists, tables, ``` code blocks, ![alt](image address). "
               "@name mentions a person.")


def new_token() -> str:
    return secrets.token_urlsafe(16)


class PostForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=1000), NoControlChars()], filters=[strip_filter])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=SUMMARY_MAX * 2), NoControlChars(multiline=True)],
                            description=_l("One or two sentences for the blog's list and the feed (optional)."))
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=BODY_MAX), NoControlChars(multiline=True)],
                         description=BODY_HELP, render_kw=DRAFTED)
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=600), NoControlChars()],
                       description=_l("Separated by commas, up to 10."))
    publish_at = StringField(_l("Publish at"), validators=[Optional(), Length(max=40), NoControlChars()])
    image = FileField(_l("Add an image"), description=_l("JPEG, PNG, GIF or WebP. It is added to the text "
                                                          "where you can move it."))
    client_token = HiddenField()
    base = HiddenField()  # the post's version when the editor opened it (services.post_version)
    read = HiddenField()  # signed: this person had the post open (their edit comes back if it is unpublished)


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=COMMENT_MAX), NoControlChars(multiline=True)],
                         render_kw=DRAFTED)
    parent_id = HiddenField()
    client_token = HiddenField()
    read = HiddenField()  # signed: this person had this post's page (their text comes back if it goes away)


class SettingsForm(FlaskForm):
    posting = RadioField(_l("Who may write posts"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.posting.choices = choices([("members", _l("All members")),
                                        ("moderators", _l("Owners and moderators only"))])


class CampaignForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=1000), NoControlChars()], filters=[strip_filter])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=BODY_MAX),
                                                                NoControlChars(multiline=True)],
                                description=_l("What ideas you are asking for, and until when."))
    is_open = BooleanField(_l("Open for ideas and votes"), default=True)


class IdeaForm(FlaskForm):
    title = StringField(_l("Your idea in a line"), validators=[Length(max=1000), NoControlChars()],
                        filters=[strip_filter])
    body = TextAreaField(_l("Details"), validators=[Optional(), Length(max=BODY_MAX), NoControlChars(multiline=True)],
                         description=BODY_HELP, render_kw=DRAFTED)
    client_token = HiddenField()


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), validate_choice=False)  # blogs.ideas.set_status: "Choose a status."
    comment = TextAreaField(_l("Comment for the author and voters"),
                            validators=[Optional(), Length(max=BODY_MAX), NoControlChars(multiline=True)])
