"""Registries through which tools plug into the core without the core importing them.

A tool registers its community tab here (from its own package, at app start-up); the community
home shows a tab for each registered tool that the community has switched on. A tool that is not
installed has no tab. It also names the key types of the activity events and notifications it
makes ("wiki_page" for "wiki_page:<id>"), so the streams and notifications leave out those of a
tool a community has switched off (collab.activity.tool_keys). A tool that needs something in
every community from its start (chat's default room) sets it up in ``on_community_created``,
which communities.services.create_community calls in the creating transaction.
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
    activity_keys: tuple[str, ...] = ()  # key types of its events and notifications
    on_community_created: Callable[[object], None] | None = None  # fn(community), tools on or off


_tools: dict[str, Tool] = {}


def register_tool(tool: Tool) -> None:
    _tools[tool.name] = tool


def registered_tools() -> list[Tool]:
    return sorted(_tools.values(), key=lambda t: t.order)


def community_created(community) -> None:
    """Let every tool set up what a new community needs (called once, as it is created)."""
    for tool in registered_tools():
        if tool.on_community_created is not None:
            tool.on_community_created(community)


def tabs_for(community) -> list[Tool]:
    enabled = community.enabled_tools
    return [t for t in registered_tools() if t.name in enabled]
