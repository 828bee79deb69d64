"""People: accounts, sign-in, profiles, avatars, the people directory."""
from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="templates")

# Higher layers add sections to the profile page: fn(user, viewer) -> (template, context) or None.
ProfileSection = Callable[[object, object], "tuple[str, dict] | None"]
profile_sections: list[ProfileSection] = []


def register_profile_section(fn: ProfileSection) -> ProfileSection:
    profile_sections.append(fn)
    return fn


from . import views  # noqa: E402,F401
