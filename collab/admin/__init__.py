"""Site administration: people, communities, site settings, the audit log.

The console's side navigation is the list ``SECTIONS``; another package adds its page with
``register_section`` (e.g. moderation, metrics) and its template extends "admin/_layout.html".
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from collab import access

bp = Blueprint("admin", __name__, template_folder="templates")


@dataclass(frozen=True)
class Section:
    endpoint: str  # where the entry leads
    label: Callable[[], str] | object  # a lazy string
    active: tuple[str, ...]  # endpoints (or "prefix." groups) under which the entry is current
    order: int = 50


SECTIONS: list[Section] = [
    Section("admin.index", _l("Overview"), ("admin.index",), 10),
    Section("admin.users", _l("People"), ("admin.users", "admin.create_user", "admin.reset_link"), 20),
    Section("admin.invites", _l("Invitations"), ("admin.invites",), 25),
    Section("admin.communities_list", _l("Communities"),
            ("admin.communities_list", "admin.delete", "admin.transfer"), 30),
    Section("admin.site_settings", _l("Site settings"), ("admin.site_settings",), 70),
    Section("admin.audit_log", _l("Audit log"), ("admin.audit_log",), 80),
]


def register_section(endpoint: str, label, active: tuple[str, ...] = (), order: int = 50) -> None:
    """Add an entry to the console's side navigation (once per endpoint)."""
    if all(s.endpoint != endpoint for s in SECTIONS):
        SECTIONS.append(Section(endpoint, label, active or (endpoint,), order))


def sections() -> list[Section]:
    return sorted(SECTIONS, key=lambda s: s.order)


def is_current(section: Section, endpoint: str | None) -> bool:
    return bool(endpoint) and any(endpoint == a or (a.endswith(".") and endpoint.startswith(a))
                                  for a in section.active)


@bp.app_context_processor
def _admin_nav():
    return {"admin_sections": sections, "admin_section_current": is_current}


@bp.before_request
@login_required
def _admins_only():
    if not access.is_admin(current_user):
        abort(404)  # the console's existence is nobody else's business


from . import labels  # noqa: E402,F401
from . import views, communities_views, settings_views, audit_views  # noqa: E402,F401
