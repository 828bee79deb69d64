"""The navigation's per-person counts (notification bell, chat unread, invitations ...) in ONE
prebuilt statement per request.

Each package contributes a scalar subquery through ``register_count(name, factory)``;
``factory(user_id, visible_ids)`` gets a ``bindparam`` for the person's id and the SELECT of the
community ids they may view (``None`` for a site admin, who sees every community) and returns a
scalar SELECT. The statements are built once per process (one for admins, one for everybody
else), so a page pays one round trip and no SQL construction for its navigation, and the
answer is always the database's current one: nothing to invalidate, correct with any number of
server processes.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import g, has_request_context
from sqlalchemy import bindparam, select

_FACTORIES: dict[str, Callable] = {}
_STATEMENTS: dict[bool, object] = {}


def register_count(name: str, factory: Callable) -> None:
    _FACTORIES[name] = factory
    _STATEMENTS.clear()


def _statement(is_admin: bool):
    stmt = _STATEMENTS.get(is_admin)
    if stmt is None:
        from collab import access
        from communities.models import Community

        user_id = bindparam("nav_user_id")
        visible = None if is_admin else select(Community.id).where(access.visible_clause_for(False, user_id))
        columns = [factory(user_id, visible).scalar_subquery().label(name)
                   for name, factory in sorted(_FACTORIES.items())]
        stmt = _STATEMENTS[is_admin] = select(*columns)
    return stmt


def counts(user) -> dict[str, int]:
    """{name: count} for a signed-in person, read once per request."""
    from collab.extensions import db

    cache = g.setdefault("_nav_counts", {}) if has_request_context() else {}
    found = cache.get(user.id)
    if found is None:
        if not _FACTORIES:
            return {}
        row = db.session.connection().execute(_statement(bool(user.is_admin)), {"nav_user_id": user.id}).one()
        found = cache[user.id] = {name: int(value or 0) for name, value in row._mapping.items()}
    return found


def registered() -> set[str]:
    return set(_FACTORIES)
