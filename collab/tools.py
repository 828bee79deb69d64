"""Registries through which tools plug into the core without the core importing them.

A tool registers its community tab here (from its own package, at app start-up); the community
home shows a tab for each registered tool that the community has switched on. A tool that is not
installed has no tab.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    name: str  # one of communities.models.ALL_TOOLS
    label: Callable[[], str]  # lazy, translated at render time
    endpoint: str  # url_for endpoint taking slug=
    order: int = 50


_tools: dict[str, Tool] = {}


def register_tool(tool: Tool) -> None:
    _tools[tool.name] = tool


def registered_tools() -> list[Tool]:
    return sorted(_tools.values(), key=lambda t: t.order)


def tabs_for(community) -> list[Tool]:
    enabled = community.enabled_tools
    return [t for t in registered_tools() if t.name in enabled]
