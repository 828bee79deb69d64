"""What tools can send and receive, registered from their own packages (the core imports no tool).

A tool registers:

- a ``Source`` for each kind of item others may link to (a forum topic, a chat message, a wiki
  page, a blog post): ``resolve(pk)`` describes the item for one reader (title, address,
  community, who may read it) and ``export`` gives its title and Markdown for a copy;
- a ``Receiver`` for each kind of item it can make from plain data (title, Markdown, tags, a
  place inside the community such as a forum or a parent page): ``create`` makes it and returns
  its key and address.

The core keeps the provenance links between keys ("type:pk") and calls back only into these.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from collab.ids import parse_id


class FlowError(ValueError):
    """A refusal the person can act on; ``field`` names the form field it belongs to."""

    def __init__(self, message, field: str | None = None, status: int = 400):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.status = status


@dataclass
class Item:
    """One item as a reader may see it (built by a Source)."""

    title: str
    url: str
    community: object | None  # communities.models.Community, or None for personal content
    readable: Callable[[object], bool]  # readable(user)
    tags: list[str] = field(default_factory=list)
    load_text: Callable[[], str] | None = None  # plain text, for related content (read only when searched)

    @property
    def text(self) -> str:
        return self.load_text() if self.load_text is not None else ""


@dataclass
class Outgoing:
    """An item's content as another tool will receive it."""

    title: str
    body: str  # Markdown
    tags: str = ""


@dataclass
class Incoming:
    title: str
    body: str
    tags: str = ""
    place: str = ""  # a value of Receiver.places, e.g. a forum id or a parent page id
    token: str | None = None  # a fresh value per form: a second submit makes nothing new


@dataclass(frozen=True)
class Source:
    type: str  # the key prefix: "forum_topic", "chat_message", "blog_post", "wiki_page"
    resolve: Callable[[int], Item | None]  # None: gone (deleted, never existed)
    label: Callable[[], str]  # "forum topic" (lazy, translated at render time)
    export: Callable[[object, int], Outgoing | None] | None = None  # export(user, pk): for copies
    copy_to: str | None = None  # the receiver a copy goes to ("forums.topic")
    actions: Callable[[object, int], list[tuple[str, str]]] | None = None  # (label, url) offered on the item


@dataclass(frozen=True)
class Receiver:
    name: str  # "forums.topic", "wiki.page", "blogs.post"
    tool: str  # the community tool that must be switched on ("forums", "wiki", "blog")
    label: Callable[[], str]  # "a forum topic"
    may_receive: Callable[[object, object], bool]  # may_receive(user, community)
    create: Callable[[object, object, Incoming], tuple[str, str]]  # -> (key, url); raises FlowError
    places: Callable[[object], list[tuple[str, str]]] | None = None  # places(community) -> (value, label)
    places_label: Callable[[], str] | None = None
    place_required: bool = False


_sources: dict[str, Source] = {}
_receivers: dict[str, Receiver] = {}


def register_source(source: Source) -> None:
    _sources[source.type] = source


def register_receiver(receiver: Receiver) -> None:
    _receivers[receiver.name] = receiver


def source(type_name: str) -> Source | None:
    return _sources.get(type_name)


def receiver(name: str) -> Receiver | None:
    return _receivers.get(name)


def split_key(key: str) -> tuple[str, int] | None:
    kind, _, pk = (key or "").partition(":")
    return (kind, parse_id(pk)) if parse_id(pk) is not None else None


def resolve(key: str) -> Item | None:
    parts = split_key(key)
    src = _sources.get(parts[0]) if parts else None
    return src.resolve(parts[1]) if src else None
