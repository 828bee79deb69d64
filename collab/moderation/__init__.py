"""One moderation queue across every tool, and pre-moderation (DESIGN.md section 2).

Tools register what can be flagged or held for approval through ``registry.register`` (the core
never imports a tool); pages: a community's queue and switch (/c/<slug>/moderation/), the site
queue for admins (/admin/moderation), the flag form and the decision an author is told about.

    from collab import moderation
    moderation.register(ModeratedType(...))
    moderation.must_wait(user, community)   # should this post wait for approval?
    moderation.hold(key, community, author) # it waits (the tool stored it in its waiting state)
    moderation.forget(key)                  # the author deleted it
    moderation.hidden_since(key)            # when it was last hidden (what came under it since is news)
"""
from __future__ import annotations

from flask import Blueprint

from .registry import DELETED, HIDDEN, PENDING, VISIBLE, Item, ModeratedType, load, register  # noqa: F401
from .services import forget, hidden_since, hold, is_waiting, must_wait, premoderated  # noqa: F401

bp = Blueprint("moderation", __name__, template_folder="templates")

from . import views  # noqa: E402,F401

from flask_babel import lazy_gettext as _l  # noqa: E402

from collab.admin import register_section  # noqa: E402

register_section("moderation.site_queue", _l("Moderation"), ("moderation.site_queue",), 40)

from collab import audit  # noqa: E402

audit.register_labels({
    "moderation.keep": _l("Flags dismissed, content kept"),
    "moderation.hide": _l("Content hidden"),
    "moderation.unhide": _l("Content shown again"),
    "moderation.delete": _l("Content deleted"),
    "moderation.approve": _l("Post approved"),
    "moderation.reject": _l("Post rejected"),
    "moderation.auto_hide": _l("Content hidden by flags"),
    "moderation.premoderation": _l("Pre-moderation switched"),
}, group=("moderation.", _l("Moderation: everything")))
