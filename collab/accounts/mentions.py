"""@mentions: which people a piece of Markdown names, and the resolver the text pipeline uses to
turn those names into profile links. Every tool renders mentions through this, so a name links
the same way (and only to an active account) everywhere."""
from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select

from collab.extensions import db
from collab.text import extract_mentions

from .models import User


def mentioned_people(source: str | None, previous: str | None = None) -> dict[str, tuple[int, str]]:
    """Active people @mentioned in ``source`` (and not already in ``previous``):
    {lower-cased name: (user id, username)}. Unknown names are left out."""
    names = extract_mentions(source)
    if previous:
        names -= extract_mentions(previous)
    if not names:
        return {}
    rows = db.session.execute(select(User.id, User.username).where(
        func.lower(User.username).in_({n.lower() for n in names}), User.is_deactivated.is_(False)))
    return {username.lower(): (uid, username) for uid, username in rows}


def mention_resolver(source: str | None):
    """A ``mention=`` callable for collab.text.render_markdown / render_inline: a known, active
    name becomes a link to the profile; anything else stays plain text."""
    people = mentioned_people(source)
    if not people:
        return lambda name: None
    # url_for needs a request: services run in one (views) or not (commands, tests).
    with nullcontext() if has_request_context() else current_app.test_request_context("/"):
        base = url_for("accounts.profile", username="~")[:-1]

    def resolve(name: str) -> str | None:
        found = people.get(name.lower())
        return base + found[1] if found else None

    return resolve
