"""How tools plug into analytics without the core importing them.

A tool registers, from its own package at start-up:

- ``Source(tool, label, types)``: which activity key types are its posts (posts by tool);
- ``Content(type, describe, apply_views)``: for a key type "type:pk" it shows, ``describe(pks)``
  returns ``{pk: (title, url)}`` for the live ones (deleted or hidden ones are left out, so lists
  never show them) and ``apply_views({pk: n})`` adds the batched views to the tool's own counter;
- ``register_questions(fn)``: ``fn(community_id | None, start, end)`` -> :class:`QuestionFigures`
  about the questions asked in [start, end);
- ``register_links(fn)``: ``fn(community_id | None, limit)`` -> ``[(key, count)]`` the content most
  linked to (reuse).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Source:
    tool: str
    label: Callable[[], str]
    types: tuple[str, ...]
    order: int = 50


@dataclass(frozen=True)
class Content:
    type: str
    describe: Callable[[list[int]], dict[int, tuple[str, str]]]
    apply_views: Callable[[dict[int, int]], None] | None = None


@dataclass
class Question:
    title: str
    url: str
    created_at: datetime
    replies: int = 0


@dataclass
class QuestionFigures:
    asked: int = 0
    answered: int = 0
    median_first_reply: float | None = None  # seconds
    median_accepted: float | None = None  # seconds
    unanswered: list[Question] = field(default_factory=list)  # oldest first, at most ``limit``


_sources: dict[str, Source] = {}
_content: dict[str, Content] = {}
_questions: list[Callable] = []
_links: list[Callable] = []


def register_source(source: Source) -> None:
    _sources[source.tool] = source


def register_content(content: Content) -> None:
    _content[content.type] = content


def register_questions(fn: Callable) -> None:
    if fn not in _questions:
        _questions.append(fn)


def register_links(fn: Callable) -> None:
    if fn not in _links:
        _links.append(fn)


def sources() -> list[Source]:
    return sorted(_sources.values(), key=lambda s: (s.order, s.tool))


def tool_of_type() -> dict[str, str]:
    return {t: s.tool for s in _sources.values() for t in s.types}


def content(type_: str) -> Content | None:
    return _content.get(type_)


def question_providers() -> list[Callable]:
    return list(_questions)


def link_providers() -> list[Callable]:
    return list(_links)
