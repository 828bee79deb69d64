"""The core's own searchable types: people and communities (tools register theirs themselves)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from collab.accounts.models import User
from collab.extensions import db
from collab.text import plain_excerpt
from communities.models import Community, CommunityTag

from .registry import SearchType, register_type


def _person(user: User) -> dict | None:
    if user.is_deactivated:
        return None
    # One line, parts set apart: a snippet that spans two parts reads "Berlin · I built ...".
    body = " · ".join(x for x in (user.title, user.department, user.location, user.expertise,
                                  plain_excerpt(user.bio, 20_000) if user.bio else "") if x)
    return {
        "title": f"{user.name} (@{user.username})" if user.name != user.username else user.username,
        "body": body,
        "scope": "site",
        "author": user.username,
        "tags": user.expertise_tags,
        "created": user.created_at,
        "updated": user.updated_at,
        "url": url_for("accounts.profile", username=user.username),
    }


def _community(c: Community) -> dict | None:
    return {
        "title": c.name,
        "body": plain_excerpt(c.description, 100_000),
        "community": c.id,
        "scope": f"community:{c.id}",
        "tags": c.tags,
        "created": c.created_at,
        "updated": c.updated_at,
        "url": url_for("communities.home", slug=c.slug),
    }


def _all(model, *options):
    def load():
        # Deferred columns (a person's bio) in the same query, not one query per object.
        yield from db.session.scalars(
            select(model).order_by(model.id).options(undefer("*"), *options).execution_options(yield_per=500))

    return load


def register_core_types() -> None:
    register_type(SearchType(
        name="person", model=User, label=lambda: _l("People"), one=lambda: _l("Person"), to_document=_person, load_all=_all(User),
        aliases=("people", "user", "users", "persons"),
    ))
    register_type(SearchType(
        name="community", model=Community, label=lambda: _l("Communities"), one=lambda: _l("Community"), to_document=_community,
        load_all=_all(Community, selectinload(Community.tag_rows)), aliases=("communities",), purges_community=True,
        dependents=((CommunityTag, lambda tag: [tag.community_id]),), load_options=(selectinload(Community.tag_rows),),
    ))
