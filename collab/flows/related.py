"""Related content: a short list of items from the same community found with collab.search from
an item's title, tags and text; cached briefly per item (one search for all of its community's
readers); a person can hide items or the list."""
from __future__ import annotations

from dataclasses import dataclass

from flask import has_app_context
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from collab import access_events
from collab.cache import app_cache
from collab.extensions import db
from collab.search.similar import similar

from . import registry
from .models import KEY_MAX, LIST_HIDDEN, RelatedHide

TYPES = ("wiki", "forums", "blogs")  # search types shown as related content
SHOWN = 5
CACHE_SECONDS = 120


@dataclass
class Related:
    hidden: bool  # the person hid the whole list
    items: list  # collab.search.similar.Similar


HIDES_SECONDS = 60


def _hides(user) -> frozenset[str]:
    """What the person hid (kept a minute per process; their own changes clear it at once, and
    a sticky load balancer brings them back to the same process)."""
    cache = app_cache("flows_hides", HIDES_SECONDS, max_items=8192)
    hides = cache.get(user.id)
    if hides is None:
        hides = frozenset(db.session.scalars(select(RelatedHide.key).where(RelatedHide.user_id == user.id)))
        cache.set(user.id, hides)
    return hides


def forget_hides(user) -> None:
    """Call after committing a change to the person's hides."""
    app_cache("flows_hides", HIDES_SECONDS, max_items=8192).set(user.id, None)


def _candidates(item, key: str):
    """What is like the item among what every reader of its community may read: the same for
    all of them, so it is searched once and cached."""
    found = similar(title=item.title, tags=item.tags, text=item.text, community_id=item.community.id,
                    scope=f"community:{item.community.id}", types=TYPES, limit=SHOWN * 3)
    seen, out = set(), []
    for hit in found:
        # Itself, and the replies of a topic (documents filed under the same title and type).
        if hit.url == item.url or hit.title == item.title or (hit.type, hit.title) in seen:
            continue
        seen.add((hit.type, hit.title))
        out.append(hit)
    return out


@access_events.on_access_changed
def _access_changed(community_id: int, user_ids) -> None:
    """Something every reader of a community saw is gone (a moderator hid it, a tool was switched
    off): the cached lists are searched again (they hold several communities; such changes are
    rare)."""
    if user_ids is None and has_app_context():
        app_cache("flows_related", CACHE_SECONDS, max_items=4096).clear()


def related_for(user, key: str, *, search: bool = True) -> Related | None:
    """The related list ``user`` sees beside the item ``key``. With ``search=False`` it never
    searches: None when the list is not at hand, and the page asks for it once loaded (a search
    costs tens of milliseconds, more than the rest of a page view)."""
    if not getattr(user, "is_authenticated", False):
        return Related(False, [])
    hides = _hides(user)
    if LIST_HIDDEN in hides:
        return Related(True, [])
    item = registry.resolve(key)
    if item is None or item.community is None or not item.readable(user):
        return Related(False, [])
    cache = app_cache("flows_related", CACHE_SECONDS, max_items=4096)
    if search:
        candidates = cache.get_or_set(key, lambda: _candidates(item, key))
    else:
        candidates = cache.get(key)
        if candidates is None:
            return None
    return Related(False, [h for h in candidates if h.id not in hides][:SHOWN])


def hide(user, key: str) -> None:
    key = (key or "")[:KEY_MAX]
    if not key:
        return
    try:
        with db.session.begin_nested():
            db.session.add(RelatedHide(user_id=user.id, key=key))
            db.session.flush()
    except IntegrityError:
        pass


def unhide(user, key: str) -> None:
    db.session.execute(delete(RelatedHide).where(RelatedHide.user_id == user.id, RelatedHide.key == key))


def unhide_all(user) -> None:
    db.session.execute(delete(RelatedHide).where(RelatedHide.user_id == user.id, RelatedHide.key != LIST_HIDDEN))
