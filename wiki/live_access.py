"""Live co-editing and lost access: someone removed from a community (or whose role changed, or
whose community turned restricted, lost its wiki or changed who may post, or whose page a moderator
hid or sent back for approval) leaves the presence and
live rooms of its pages at once, as chat does. The core (collab.access_events) calls
``access_changed`` after the commit; each affected socket of this process is asked the same
questions as a live event (collab.access, wiki.services.may_edit_page) and, failing them, taken
out of the page's room, its presence and cursor removed, and told with a ``coedit_error``.
"""
from __future__ import annotations

import logging

from flask import current_app, has_app_context
from flask_babel import force_locale
from sqlalchemy.orm import lazyload

from collab import access
from collab.extensions import db
from collab.settings import locale_for
from communities.models import Community

from .models import WikiPage

log = logging.getLogger(__name__)


def access_changed(community_id: int, user_ids: set[int] | None) -> None:
    if not has_app_context():
        return
    app = current_app._get_current_object()
    namespace = app.extensions.get("wiki_namespace")
    if namespace is None:
        return
    sockets = namespace.sockets_in(community_id, user_ids)
    if not sockets:
        return
    # A context of our own: a fresh session (the committing one may not be used in after_commit)
    # and no request-cached roles from before the change.
    with app.app_context():
        try:
            for sid, page_id, locale, code in _refused(community_id, sockets):
                with force_locale(locale):  # told in the person's language (also from another process)
                    namespace.kick(sid, page_id, code)
        finally:
            db.session.rollback()


def _refused(community_id: int, sockets):
    from collab.accounts.models import User

    from . import services

    community = db.session.get(Community, community_id, options=[lazyload(Community.tag_rows)])
    out = []
    for sid, page_id, user_id in sockets:
        user = db.session.get(User, user_id)
        page = db.session.get(WikiPage, page_id)
        if (community is None or user is None or not user.is_active or page is None or page.is_deleted
                or not community.has_tool("wiki") or not access.can_view(user, community)
                or not services.may_see_page(user, page, community)):
            out.append((sid, page_id, locale_for(user), "not_found"))
        elif not services.may_edit_page(user, page, community):
            out.append((sid, page_id, locale_for(user), "forbidden"))
    return out
