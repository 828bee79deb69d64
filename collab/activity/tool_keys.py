"""Events and notifications of a tool a community has switched off are not shown: not in the
streams, not on /notifications, the bell or the API. Decided at read time, like access, so
switching the tool on again brings them back. The streams drop such events as they load a page
(``shown``: the page's read joins the community row already); notifications filter in SQL.

Each tool names the key types of what it tells (``collab.tools.Tool.activity_keys``: "wiki_page"
for "wiki_page:<id>"); an event or notification belongs to the tool whose type its key starts
with, and is left out when its community's ``tools`` lacks that tool. The condition is a
correlated NOT EXISTS on the community's row (by primary key), so a query keeps its index scan
and reads an event's key only when its community has a tool off.
"""
from __future__ import annotations

import functools
import re

from collab.tools import registered_tools

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _registry() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((t.name, tuple(t.activity_keys)) for t in registered_tools() if t.activity_keys)


def switched_on_sql(table: str) -> str | None:
    """SQL: the row of ``table`` (activity_events or notifications) is not about a tool its
    community has switched off; None when no tool names its keys."""
    return _switched_on_sql(table, _registry())


@functools.cache
def _tool_by_type(registry) -> dict[str, str]:
    return {key: name for name, keys in registry for key in keys}


def shown(key: str, community_tools: str | None) -> bool:
    """Whether an event with ``key`` in a community whose ``tools`` setting is ``community_tools``
    is shown (None: no community, personal content)."""
    if community_tools is None:
        return True
    tool = _tool_by_type(_registry()).get(key.partition(":")[0])
    return tool is None or tool in community_tools.split(",")


def some_tool_off_sql(table: str = "communities") -> str | None:
    """SQL: the community row of ``table`` has switched off a tool that names its keys."""
    return _some_tool_off_sql(table, _registry())


def _off(table: str, name: str) -> str:
    return f"',' || {table}.tools || ',' NOT LIKE '%,{name},%'"


@functools.cache
def _some_tool_off_sql(table: str, registry) -> str | None:
    parts = [_off(table, name) for name, _keys in registry if _NAME.match(name)]
    return f"({' OR '.join(parts)})" if parts else None


@functools.cache
def _switched_on_sql(table: str, registry) -> str | None:
    parts = []
    for name, keys in registry:
        keys = [k for k in keys if _NAME.match(k)]
        if not keys or not _NAME.match(name):
            continue
        of_tool = " OR ".join(f"{table}.key LIKE '{k}:%'" for k in keys)
        parts.append(f"({_off('tc', name)} AND ({of_tool}))")
    if not parts:
        return None
    return (f"NOT EXISTS (SELECT 1 FROM communities tc WHERE tc.id = {table}.community_id "
            f"AND ({' OR '.join(parts)}))")
