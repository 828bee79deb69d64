"""Reading the audit log: the filter form, its query and the names a log page shows. Used by
the admin console (every entry) and a community's own log (its entries)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import get_timezone, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from collab import audit
from collab.accounts.models import User
from collab.extensions import db
from collab.forms import choices, strip_filter
from collab.ids import parse_id
from communities.models import Community


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter

    actor = StringField(_l("Who"), validators=[Optional(), Length(max=254)], filters=[strip_filter])
    action = SelectField(_l("Action"), validators=[Optional()])
    community = StringField(_l("Community"), validators=[Optional(), Length(max=100)], filters=[strip_filter])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])


def filter_form(args, *, with_community: bool = True) -> AuditFilterForm:
    form = AuditFilterForm(args)
    form.action.choices = action_choices()
    if not with_community:
        del form.community
    form.validate()
    return form


def action_choices():
    """Every labelled action, grouped by its prefix ("user.", "community." ...), plus the
    prefixes themselves."""
    labels = audit.action_labels()
    groups = {
        "user.": _("People: everything"), "community.": _("Communities: everything"),
        "member.": _("Members: everything"), "request.": _("Join requests: everything"),
        "site.": _("Site settings"),
    }
    groups.update((prefix, str(label)) for prefix, label in audit.action_groups().items())
    pairs = [("", _("Any action"))] + list(groups.items())
    pairs += sorted(((a, str(lbl)) for a, lbl in labels.items() if a not in groups), key=lambda p: p[1])
    return choices(pairs)


def _day_start(day, tz) -> datetime:
    naive = datetime.combine(day, time(0))
    return tz.localize(naive) if hasattr(tz, "localize") else naive.replace(tzinfo=tz)


def filtered_entries(form: AuditFilterForm, *, community_id: int | None = None):
    """The entries query for a filter form; problems become form errors, never a 500."""
    actor_id = community_ids = None
    if form.actor.data:
        term = form.actor.data.lstrip("@").lower()
        actor = db.session.scalar(select(User).where(or_(func.lower(User.username) == term,
                                                         func.lower(User.email) == term)))
        actor_id = actor.id if actor else -1
        if actor is None:
            form.actor.errors = [_("No account with that username or email.")]
    if community_id is None and getattr(form, "community", None) is not None and form.community.data:
        term = form.community.data.lower()
        community_ids = list(db.session.scalars(select(Community.id).where(
            or_(Community.slug == term, func.lower(Community.name) == term))))
        if not community_ids and parse_id(term) is not None:
            community_ids = [int(term)]  # a deleted community's log, by its number
        if not community_ids:
            form.community.errors = [_("No community with that web address or name.")]
            community_ids = [-1]
    tz = get_timezone()
    # Days beyond 1971-9998 hold no entries: no bound (a zone's offset would leave what a datetime holds).
    since = _day_start(form.since.data, tz) if form.since.data and form.since.data.year >= 1971 else None
    until = _day_start(form.until.data, tz) + timedelta(days=1) \
        if form.until.data and form.until.data.year <= 9998 else None
    if since and until and until <= since:
        form.until.errors = [_("The end date is before the start date.")]
    stmt = audit.entries_query(community_id=community_id, action=form.action.data or "", actor_id=actor_id,
                               since=since, until=until)
    if community_ids is not None:
        stmt = stmt.where(audit.AuditEntry.community_id.in_(community_ids))
    return stmt


def community_names(entries) -> dict[int, Community]:
    ids = {e.community_id for e in entries if e.community_id}
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(select(Community).where(Community.id.in_(ids)))}


