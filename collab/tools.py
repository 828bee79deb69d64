"""Registries through which tools plug into the core without the core importing them.

A tool registers its community tab here (from its own package, at app start-up); the community
home shows a tab for each registered tool that the community has switched on. A tool that is not
installed has no tab. It also names the key types of the activity events and notifications it
makes ("wiki_page" for "wiki_page:<id>"), so the streams and notifications leave out those of a
tool a community has switched off (collab.activity.tool_keys). A tool that needs something in
every community from its start (chat's default room) sets it up in ``on_community_created``,
which communities.services.create_community calls in the creating transaction.

``collab demo`` asks each tool for example content through ``demo_content``: the "module:function"
name (imported by the demo only, so serving never loads it) of fn(community, DemoContext), a generator that writes through the tool's own services and yields, before each
step, the time that step happens at (``ctx.ago(...)``). The demo interleaves the steps of every
tool in every community in time order and runs each under ``collab.db.clock_at`` that time, so
the streams read as weeks of activity, newest first.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Tool:
    name: str  # one of communities.models.ALL_TOOLS
    label: Callable[[], str]  # lazy, translated at render time
    endpoint: str  # url_for endpoint taking slug=
    order: int = 50
    activity_keys: tuple[str, ...] = ()  # key types of its events and notifications
    on_community_created: Callable[[object], None] | None = None  # fn(community), tools on or off
    demo_content: str | None = None  # "module:function" of fn(community, DemoContext) -> Iterator[datetime]
    # fn(user) -> [(line, url)]: what waits for the person in this tool (announcements to read),
    # for the home page's "Waiting for you" box
    waiting_for: Callable[[object], list[tuple[str, str]]] | None = None


@dataclass
class DemoContext:
    """What a tool's demo content needs to know about one demo community."""

    key: str  # the community's name in the demo data (its slug unless an earlier one held it)
    language: str  # "en" or "zh_Hans": the language its content is written in
    members: list  # the members (Users) who may post, owner first
    now: datetime
    by_name: dict = field(default_factory=dict)  # demo name -> User, members only
    usernames: dict = field(default_factory=dict)  # demo name -> username (another may hold the name)

    @property
    def chinese(self) -> bool:
        return self.language.startswith("zh")

    def ago(self, days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours, minutes=minutes)

    def member(self, name: str, fallback: int = 0):
        """The demo person ``name`` when a member, else the ``fallback``-th member (so the author
        of a piece of demo content is always someone allowed to post it)."""
        return self.by_name.get(name) or self.members[fallback % len(self.members)]

    def mentions(self, text: str) -> str:
        """``text`` with each @name of a demo person made @their-username."""
        return re.sub(r"@([a-z][a-z0-9-]*)", lambda m: "@" + self.usernames.get(m[1], m[1]), text)


_tools: dict[str, Tool] = {}


def register_tool(tool: Tool) -> None:
    _tools[tool.name] = tool


def registered_tools() -> list[Tool]:
    return sorted(_tools.values(), key=lambda t: t.order)


def waiting_for(user) -> list[tuple[str, str]]:
    """What waits for ``user`` in every tool, as (line, url) pairs."""
    return [item for tool in registered_tools() if tool.waiting_for is not None for item in tool.waiting_for(user)]


def community_created(community) -> None:
    """Let every tool set up what a new community needs (called once, as it is created)."""
    for tool in registered_tools():
        if tool.on_community_created is not None:
            tool.on_community_created(community)


def tabs_for(community) -> list[Tool]:
    enabled = community.enabled_tools
    return [t for t in registered_tools() if t.name in enabled]
