"""How tools plug into the moderation core without the core importing them.

A tool registers each kind of thing people can flag or that can wait for approval (forum posts,
blog posts and comments, wiki pages, chat messages) with callbacks that take the item's primary
key. The core keys everything "type:pk" (the same keys as collab.activity).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from collab.ids import parse_id

# States an item is in, as far as moderation is concerned.
VISIBLE, HIDDEN, PENDING, DELETED = "visible", "hidden", "pending", "deleted"


@dataclass
class Item:
    """What the queue and the flag form show about one item."""

    key: str
    community: object | None  # Community, or None (a personal blog post, a direct conversation)
    author: object | None  # User
    title: str
    excerpt: str
    url: str
    state: str = VISIBLE
    # Hidden by flags (FLAGS_TO_HIDE people reported it), not by a moderator: "keep" shows it again.
    auto_hidden: bool = False
    # Who may read it at all (before moderation): defaults to collab.access.can_view(community).
    viewable_by: Callable[[object], bool] | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ModeratedType:
    name: str  # "forum_post", "blog_post", ...
    label: Callable[[], str]  # lazy, translated at render time
    load: Callable[[int], "Item | None"]  # None when it does not exist (or is gone for good)
    hide: Callable[[int, object], None]  # (pk, moderator); moderator None: hidden by flags until reviewed
    unhide: Callable[[int, object], None]
    delete: Callable[[int, object], None]
    # Pre-moderation: make a waiting item public (and run what publishing it does: stream events,
    # notifications, search), or refuse it (it is deleted).
    approve: Callable[[int, object], None] | None = None
    reject: Callable[[int, object], None] | None = None


_types: dict[str, ModeratedType] = {}


def register(moderated: ModeratedType) -> None:
    _types[moderated.name] = moderated


def types() -> dict[str, ModeratedType]:
    return dict(_types)


def split_key(key: str) -> tuple[ModeratedType, int] | None:
    name, _, pk = (key or "").partition(":")
    mt = _types.get(name)
    if mt is None or parse_id(pk) is None:
        return None
    return mt, int(pk)


def load(key: str) -> Item | None:
    found = split_key(key)
    if found is None:
        return None
    mt, pk = found
    return mt.load(pk)
