"""The page tree of one wiki: the navigation beside every page and the parent choices of the
new-page and move forms.

The tree's shape (ids, parents, titles, addresses in sibling order) is read in one query and kept
per process under the wiki's ``tree_version``, which every change to the tree increments in its
own transaction: a page view asks one small primary-key query instead of loading every page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import get_locale, gettext, ngettext
from markupsafe import Markup, escape
from sqlalchemy import select

from collab.cache import app_cache
from collab.extensions import db

from .models import WikiPage
from .queries import _live, wiki_row

# Up to this many pages the navigation holds the whole tree (collapsed below the current page);
# above it, only the top level and the branches along the current page, so that a big wiki does
# not weigh on every view.
FULL_TREE_LIMIT = 300


class Row(NamedTuple):
    id: int
    parent_id: int | None
    title: str
    path: str


@dataclass(frozen=True)
class Shape:
    rows: dict[int, Row]
    children: dict[int | None, list[int]]  # parent id (None: top level) -> child ids, in order
    by_path: dict[str, int]


@dataclass
class Node:
    id: int
    title: str
    path: str
    children: list[Node] = field(default_factory=list)
    open: bool = False  # on the way to the current page
    current: bool = False
    hidden_children: int = 0  # children left out of a pruned tree


def _load(community_id: int) -> Shape:
    rows = db.session.execute(
        select(WikiPage.id, WikiPage.parent_id, WikiPage.title, WikiPage.path)
        .where(*_live(community_id)).order_by(WikiPage.position, WikiPage.id)
    ).all()
    by_id = {r[0]: Row(*r) for r in rows}
    children: dict[int | None, list[int]] = {}
    for r in by_id.values():  # rows come in sibling order, so the lists are ordered
        parent = r.parent_id if r.parent_id in by_id else None
        children.setdefault(parent, []).append(r.id)
    return Shape(by_id, children, {r.path: r.id for r in by_id.values()})


def _version(community_id: int) -> int | None:
    """The tree's version, or None when it changed in this session (perhaps not committed yet:
    nothing may be cached under it)."""
    if community_id in db.session.info.get("wiki_tree_changed", ()):
        return None
    wiki = wiki_row(community_id)
    return wiki.tree_version if wiki is not None else 0


def shape(community_id: int) -> Shape:
    version = _version(community_id)
    if version is None:
        return _load(community_id)
    return app_cache("wiki_tree", 24 * 3600, max_items=512).get_or_set(
        (community_id, version), lambda: _load(community_id))


def navigation(community_id: int, current_path: str | None = None, *, mark: bool = True) -> tuple[list[Node], int]:
    """(top-level nodes, number of pages), with the branch of the current page open (and the page
    itself marked current, unless ``mark`` is false)."""
    s = shape(community_id)
    chain: set[int] = set()
    if current_path:
        parts = current_path.split("/")
        chain = {s.by_path[p] for p in ("/".join(parts[: i + 1]) for i in range(len(parts))) if p in s.by_path}
    full = len(s.rows) <= FULL_TREE_LIMIT

    def build(parent_id: int | None) -> list[Node]:
        nodes = []
        for child_id in s.children.get(parent_id, ()):
            row = s.rows[child_id]
            node = Node(row.id, row.title, row.path, open=child_id in chain,
                        current=mark and row.path == current_path)
            kids = s.children.get(child_id)
            if kids:
                if full or child_id in chain:
                    node.children = build(child_id)
                else:
                    node.hidden_children = len(kids)
            nodes.append(node)
        return nodes

    return build(None), len(s.rows)


def navigation_html(community_id: int, current_path: str | None, base: str) -> tuple[Markup, int]:
    """(the navigation as HTML, number of pages), kept per process under the tree's version, the
    open branch, the address base and the language (a pruned branch's count is worded). A page
    without subpages opens the same branches as its siblings: they share one copy, and the current
    page's link is marked in it per request."""
    s = shape(community_id)
    current_id = s.by_path.get(current_path) if current_path else None
    open_path = current_path
    if current_id is not None and not s.children.get(current_id):
        open_path = current_path.rpartition("/")[0] or None

    def make() -> tuple[str, int]:
        nodes, count = navigation(community_id, open_path, mark=False)
        return (str(nav_html(nodes, base)) if nodes else ""), count

    version = _version(community_id)
    if version is None:
        html, count = make()
    else:
        key = (community_id, version, open_path, base, str(get_locale()))
        html, count = app_cache("wiki_nav", 24 * 3600, max_items=4096).get_or_set(key, make)
    if current_id is not None and html:
        link = f'<a href="{escape(base)}{escape(current_path)}">'
        html = html.replace(link, link[:-1] + ' aria-current="page">', 1)
    return Markup(html), count


def nav_html(nodes: list[Node], base: str) -> Markup:
    """The navigation tree as HTML: nested lists, each branch its page's link and a <details>
    of its subpages (open along the current page), a pruned branch's page count beside its title. Built here rather than by a
    recursive template loop, which cost about a tenth of a page view."""
    out: list[str] = []
    base = escape(base)

    def walk(level: list[Node]) -> None:
        for node in level:
            current = ' aria-current="page"' if node.current else ""
            link = f'<a href="{base}{escape(node.path)}"{current}>{escape(node.title)}</a>'
            if node.children:
                # The link stands beside the branch's toggle, not inside it (a link inside a
                # <summary> is a control inside a control: screen readers announce it twice and
                # it cannot be reached on its own); CSS puts the toggle before the title.
                toggle = escape(gettext("Subpages of %(title)s", title=node.title))
                out.append(f'<li class="branch">{link}<details{" open" if node.open else ""}>'
                           f'<summary aria-label="{toggle}"></summary><ul>')
                walk(node.children)
                out.append("</ul></details></li>")
                continue
            more = ""
            if node.hidden_children:
                label = escape(ngettext("%(num)d subpage", "%(num)d subpages", node.hidden_children))
                more = f' <span class="muted small" title="{label}">+{node.hidden_children}</span>'
            out.append(f'<li><span class="leaf">{link}{more}</span></li>')

    walk(nodes)
    return Markup(f'<ul class="wiki-tree">{"".join(out)}</ul>')


def row(page: WikiPage) -> Row:
    """A page as the tree holds it (for a page outside the shared tree)."""
    return Row(page.id, page.parent_id, page.title, page.path)


def crumbs(page: WikiPage) -> list[Row]:
    """The pages above a page in the tree, top first (its breadcrumbs)."""
    s = shape(page.community_id)
    parts = page.path.split("/")[:-1]
    found = (s.by_path.get("/".join(parts[: i + 1])) for i in range(len(parts)))
    return [s.rows[i] for i in found if i is not None]


def subpages(page: WikiPage) -> list[Row]:
    """The pages right under a page of the tree, in order."""
    s = shape(page.community_id)
    return [s.rows[i] for i in s.children.get(page.id, ())] if page.id in s.rows else []


def parent_choices(community_id: int, exclude: WikiPage | None = None) -> list[tuple[int, str]]:
    """(id, indented title) of every live page in tree order, leaving out ``exclude`` and the
    pages under it (a page cannot move under itself)."""
    s = shape(community_id)
    out: list[tuple[int, str]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for child_id in s.children.get(parent_id, ()):
            if exclude is not None and child_id == exclude.id:
                continue
            out.append((child_id, "\u2003" * depth + s.rows[child_id].title))
            walk(child_id, depth + 1)

    walk(None, 0)
    return out
