"""Sections higher layers add to a community's home page (the activity stream, for one), so this
package never imports them: fn(community, viewer) -> (template, context) or None."""
from __future__ import annotations

from collections.abc import Callable

HomeSection = Callable[[object, object], "tuple[str, dict] | None"]
home_sections: list[HomeSection] = []


def register_home_section(fn: HomeSection) -> HomeSection:
    if fn not in home_sections:
        home_sections.append(fn)
    return fn


def render_home_sections(community, viewer) -> list[tuple[str, dict]]:
    return [s for s in (fn(community, viewer) for fn in home_sections) if s]
