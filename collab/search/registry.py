"""Searchable types: how a model becomes a search document, and who may read it.

A tool registers its types from its own package (``register_type(SearchType(...))``); the core
registers people and communities. Nothing in search imports a tool.

A document is a dict with: title, body (plain text), community (id or None), scope ("site",
"community:<id>" or "user:<id>"), author (username), tags (list), created, updated, url.
``to_document`` returns None when the object should not be findable (deleted, hidden, a draft
...): the indexer then removes it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SearchType:
    name: str  # "person", "community", "wiki", ...
    model: type
    label: Callable[[], str]  # lazy, translated at render time: the facet's name ("Wiki pages")
    to_document: Callable[[object], "dict | None"]
    load_all: Callable[[], Iterable]  # every object, for rebuilds (yield in batches)
    aliases: tuple[str, ...] = ()
    # Other models whose change means an object of this type must be re-indexed:
    # {OtherModel: fn(other_obj) -> iterable of this type's primary keys}
    dependents: tuple[tuple[type, Callable[[object], Iterable[int]]], ...] = ()
    # Deleting an object of this type removes every document filed under it as ``community``
    # (a community's wiki pages, posts, messages ...), which the database deletes by cascade
    # without the ORM seeing them.
    purges_community: bool = False
    # Loader options for the indexer's batch query (e.g. selectinload of what to_document reads),
    # so a batch of documents costs a few queries rather than one per document.
    load_options: tuple = ()
    # What one result of this type is called ("Wiki page"), lazy like ``label``; ``label`` if None.
    one: Callable[[], str] | None = None

    def label_one(self) -> str:
        return str((self.one or self.label)())


PURGE_COMMUNITY = "~purge-community"  # outbox doc_type: delete every document of that community


_types: dict[str, SearchType] = {}
# Private scopes a tool defines ("chat:<room id>" ...): prefix -> fn(user) -> the scopes under
# that prefix the person may read. Everything else under the prefix is masked.
_scopes: dict[str, Callable[[object], Iterable[str]]] = {}


def register_scope(prefix: str, allowed: Callable[[object], Iterable[str]]) -> None:
    _scopes[prefix] = allowed


def scopes() -> dict[str, Callable[[object], Iterable[str]]]:
    return dict(_scopes)


def register_type(search_type: SearchType) -> None:
    _types[search_type.name] = search_type


def types() -> dict[str, SearchType]:
    return dict(_types)


def type_named(name: str) -> SearchType | None:
    name = (name or "").lower()
    if name in _types:
        return _types[name]
    for t in _types.values():
        if name in t.aliases:
            return t
    return None


def type_of(obj) -> SearchType | None:
    for t in _types.values():
        if isinstance(obj, t.model):
            return t
    return None


def doc_id(type_name: str, pk) -> str:
    return f"{type_name}:{pk}"
