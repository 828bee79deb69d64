"""Fragment caches for the parts every page repeats.

A fragment is cached under a key made of EVERYTHING that decides its content (the person's
row as loaded for this request, the language, the counts read for this request ...), never
invalidated by hand: a change makes a new key, so a cache in each server process stays right
with any number of processes. Whatever is secret per request (the CSRF token) goes in after.
"""
from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from collab import nav
from collab.cache import app_cache

CSRF_SLOT = "\x00csrf\x00"


def slot(name: str) -> Markup:
    """A marker for a per-request part of a cached fragment (a count, a relative time ...); the
    page puts the part in with ``fill``."""
    return Markup(f"\x00{name}\x00")


def fill(html: str, **parts) -> Markup:
    """``html`` with each ``slot(name)`` replaced by ``parts[name]`` (escaped unless Markup)."""
    html = str(html)
    for name, part in parts.items():
        html = html.replace(f"\x00{name}\x00", str(escape(part)))
    return Markup(html)


def cached_render(cache_name: str, key: tuple, template: str, *, seconds: float = 600, max_items: int = 2048,
                  make_context=None, **context) -> Markup:
    """``template`` rendered with ``context``, kept in the process's ``cache_name`` cache under
    ``key``: the caller's key holds everything the fragment shows (plus the language and site root
    when it has text or links), so a change makes a new key and nothing is invalidated by hand.
    A form's CSRF token is never kept: it is put back in for the request at hand. Context that
    costs to make can come from ``make_context()``, called only when the fragment is rendered."""
    cache = app_cache(cache_name, seconds, max_items)
    html = cache.get(key)
    if html is None:
        if make_context is not None:
            context = {**context, **make_context()}
        html = render_template(template, **context)
        if 'name="csrf_token"' in html:  # the render made (or reused) this request's token
            html = html.replace(generate_csrf(), CSRF_SLOT)
        cache.set(key, html)
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, generate_csrf())
    return Markup(html)


def nav_section(endpoint: str | None) -> str:
    """Which main navigation entry a page belongs to (marked aria-current)."""
    ep = endpoint or ""
    if ep == "home.index":
        return "home"
    if ep.startswith("communities."):
        return "communities"
    if ep == "accounts.people":
        return "people"
    if ep.startswith("chat."):
        return "chat"
    if ep == "activity.notifications":
        return "notifications"
    return ""


def topbar() -> Markup:
    user = current_user._get_current_object()
    section = nav_section(request.endpoint)
    locale = str(get_locale())
    if user.is_authenticated:
        counts = nav.counts(user)
        key = (user.id, user.username, user.display_name, user.avatar, bool(user.is_admin), locale,
               request.script_root, section, tuple(sorted(counts.items())))
    else:
        counts = {}
        key = (None, locale, request.script_root)
    return cached_render("topbar", key, "_topbar.html", nav_section=section, **counts)
