"""[[Wiki links]]: which page a title names, rendering a page's Markdown with its links resolved,
and keeping the links (and the cached HTML of linking pages) right as pages appear, move or go.

``[[Title]]`` names the page with that title (compared case-insensitively). Titles are unique
among siblings only, so when several pages share a title the nearest wins: a sibling of the
linking page, then a child of it, then a top-level page, then the shallowest. ``[[Parent/Child]]``
names Child under a page called Parent. A title a page had before a rename still leads to it.

Links lead only to pages everyone who reads the wiki sees: the rendered HTML is shared by all
readers, so a page in the trash, hidden by a moderator or waiting for approval reads like one that
does not exist (its title, address and existence stay with those who may see it). Whenever a page
starts or stops being there for everyone, the pages that name it are rendered again.
"""
from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, false, func, insert, or_, select
from sqlalchemy.orm import undefer

from collab.accounts.models import User
from collab.extensions import db
from collab.text import extract_mentions, extract_wikilinks, render_markdown
from communities.models import Community

from .models import KEY_MAX, TITLE_MAX, WikiComment, WikiLink, WikiPage, WikiRedirect, title_key
from .queries import _live


@dataclass(frozen=True)
class Ref:
    id: int
    parent_id: int | None
    path: str
    title_key: str


def parse_target(target: str) -> list[str]:
    """The folded title segments of a link target ("A / b" -> ["a", "b"])."""
    return [title_key(s) for s in target.split("/") if s.strip()]


def _url_context():
    """url_for needs a request; services run in one (views) or not (tests, commands)."""
    return nullcontext() if has_request_context() else current_app.test_request_context("/")


def resolve(community_id: int, targets: list[str], context_id: int | None = None,
            context_parent_id: int | None = None) -> dict[str, Ref | None]:
    """The page each link target names, in a few queries for all of them."""
    parsed = {t: parse_target(t) for t in targets}
    parsed = {t: segs for t, segs in parsed.items() if segs}
    result: dict[str, Ref | None] = {t: None for t in targets}
    leaves = {segs[-1] for segs in parsed.values()}
    if not leaves:
        return result
    live = _live(community_id)  # pages everyone sees (see the module's note)
    cols = (WikiPage.id, WikiPage.parent_id, WikiPage.path, WikiPage.title_key)
    candidates: dict[str, list[Ref]] = {}
    for row in db.session.execute(select(*cols).where(*live, WikiPage.title_key.in_(leaves))):
        candidates.setdefault(row.title_key, []).append(Ref(*row))
    # Titles of the ancestors of candidates, for [[Parent/Child]] targets.
    chains: dict[str, list[str]] = {}
    if any(len(s) > 1 for s in parsed.values()):
        prefixes = {p.path.rsplit("/", 1)[0] for refs in candidates.values() for p in refs if "/" in p.path}
        wanted = set()
        for prefix in prefixes:
            parts = prefix.split("/")
            wanted.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        keys = dict(db.session.execute(select(WikiPage.path, WikiPage.title_key).where(
            *live, WikiPage.path.in_(wanted))).all()) if wanted else {}
        for refs in candidates.values():
            for p in refs:
                parts = p.path.split("/")
                chains[p.path] = [keys.get("/".join(parts[: i + 1]), "") for i in range(len(parts) - 1)]

    def rank(p: Ref):
        if context_id is not None and p.id == context_id:
            near = -1  # the page itself
        elif p.parent_id == context_parent_id:
            near = 0  # a sibling (top-level pages when the linking page is top-level)
        elif context_id is not None and p.parent_id == context_id:
            near = 1  # a child
        else:
            near = 2 if p.parent_id is None else 3
        return near, p.path.count("/"), p.id

    unresolved = []
    for target, segs in parsed.items():
        refs = candidates.get(segs[-1], [])
        if len(segs) > 1:
            refs = [p for p in refs if chains.get(p.path, [])[-(len(segs) - 1):] == segs[:-1]]
        if refs:
            result[target] = min(refs, key=rank)
        elif len(segs) == 1:
            unresolved.append(target)
    if unresolved:
        # A title the page had before it was renamed.
        keys = {parsed[t][0] for t in unresolved}
        rows = db.session.execute(
            select(WikiRedirect.title_key, *cols).join(WikiPage, WikiPage.id == WikiRedirect.page_id)
            .where(WikiRedirect.community_id == community_id, WikiRedirect.title_key.in_(keys), *live)
            .order_by(WikiRedirect.id.desc())
        ).all()
        by_old: dict[str, Ref] = {}
        for row in rows:
            by_old.setdefault(row[0], Ref(*row[1:]))
        for t in unresolved:
            result[t] = by_old.get(parsed[t][0])
    return result


def render(community: Community, body: str, *, page_id: int | None = None,
           parent_id: int | None = None) -> tuple[str, list[tuple[str, Ref | None]]]:
    """Markdown -> sanitised HTML with [[links]] and @mentions resolved; also the links found,
    as (target as written, page or None)."""
    targets = [t[:TITLE_MAX] for t in extract_wikilinks(body)]
    resolved = resolve(community.id, targets, page_id, parent_id)
    names = extract_mentions(body)
    people = {u.lower(): u for u in db.session.scalars(select(User.username).where(
        func.lower(User.username).in_(names), User.is_deactivated.is_(False)))} if names else {}
    new_parent = page_id if page_id is not None else parent_id

    with _url_context():
        page_base = url_for("wiki.page", slug=community.slug, path="~")[:-1]
        profile_base = url_for("accounts.profile", username="~")[:-1]

        def wikilink(target: str) -> tuple[str, bool]:
            if target not in resolved:
                resolved.update(resolve(community.id, [target], page_id, parent_id))
            ref = resolved.get(target)
            if ref is not None:
                return page_base + ref.path, True
            args = {"title": " ".join(target.split())[:TITLE_MAX]}
            if new_parent is not None:
                args["parent"] = new_parent
            return url_for("wiki.new_page", slug=community.slug, **args), False

        def mention(name: str) -> str | None:
            username = people.get(name.lower())
            return profile_base + username if username else None

        html = render_markdown(body, wikilink=wikilink, mention=mention)
    return html, [(t, resolved.get(t)) for t in targets]


def store_links(page: WikiPage, found: list[tuple[str, Ref | None]]) -> None:
    """Replace the page's recorded links with those of its current text."""
    db.session.execute(delete(WikiLink).where(WikiLink.page_id == page.id))
    rows, seen = [], set()
    for target, ref in found:
        segs = parse_target(target)
        if not segs:
            continue
        key = "/".join(segs)[:KEY_MAX]
        if key in seen:
            continue
        seen.add(key)
        rows.append({"community_id": page.community_id, "page_id": page.id, "target": target[:TITLE_MAX],
                     "target_key": key, "leaf_key": segs[-1], "target_page_id": ref.id if ref else None})
    if rows:
        db.session.execute(insert(WikiLink), rows)


def render_page(page: WikiPage, community: Community | None = None) -> None:
    """Re-render a page's cached HTML from its current text and record its links."""
    community = community or db.session.get(Community, page.community_id)
    html, found = render(community, page.body, page_id=page.id, parent_id=page.parent_id)
    page.body_html = html
    store_links(page, found)


def refresh_linking(community: Community, *, page_ids=(), leaf_keys=(), exclude=(), named: bool = False) -> int:
    """Re-render the live pages whose links pointed at ``page_ids`` or name one of ``leaf_keys``
    (their link may now resolve elsewhere, or its page's address changed), and the comments whose
    links name one of ``leaf_keys`` or one of ``page_ids`` (by a title it has or had: comments
    record no links, and ``[[Parent/Child]]`` names Child). ``named``: the pages naming one of
    ``page_ids`` too (see refresh_naming). Returns how many pages."""
    page_ids, leaf_keys = set(page_ids), set(leaf_keys)
    names = _names_of(page_ids)
    if named:
        leaf_keys |= names
    if not page_ids and not leaf_keys:
        return 0
    conditions = []
    if page_ids:
        conditions.append(WikiLink.target_page_id.in_(page_ids))
    if leaf_keys:
        conditions.append(WikiLink.leaf_key.in_(leaf_keys))
    sources = select(WikiLink.page_id).where(WikiLink.community_id == community.id, or_(*conditions))
    stmt = (
        select(WikiPage).where(WikiPage.id.in_(sources), WikiPage.is_deleted == false())
        .options(undefer(WikiPage.body)).order_by(WikiPage.id)
        .with_for_update().execution_options(populate_existing=True)
    )
    if exclude:
        stmt = stmt.where(WikiPage.id.not_in(set(exclude)))
    if leaf_keys or names:
        _refresh_comments(community, leaf_keys | names)
    pages = db.session.scalars(stmt).all()
    for p in pages:
        render_page(p, community)
    return len(pages)


def _names_of(page_ids: set[int]) -> set[str]:
    """The folded titles the pages have, and had before a rename."""
    if not page_ids:
        return set()
    keys = set(db.session.scalars(select(WikiPage.title_key).where(WikiPage.id.in_(page_ids))))
    keys.update(db.session.scalars(select(WikiRedirect.title_key).where(
        WikiRedirect.page_id.in_(page_ids), WikiRedirect.title_key.is_not(None))))
    return keys


def refresh_naming(community: Community, page_ids, *, exclude=()) -> int:
    """Re-render the live pages (and the comments) whose links lead to one of ``page_ids`` or name
    one of them by a title it has or had before a rename: those pages went, came back, or started
    or stopped being there for everyone. Returns how many pages."""
    return refresh_linking(community, page_ids=page_ids, exclude=exclude, named=True)


def _refresh_comments(community: Community, leaf_keys: set[str]) -> None:
    """Re-render the comments whose links name one of ``leaf_keys``. Comments record no links, so
    those of the community with any link are read: only when pages are created, renamed, moved, go,
    come back, or are hidden or shown, which is rare next to reading."""
    stmt = (select(WikiComment).where(WikiComment.community_id == community.id,
                                      WikiComment.body.contains("[[", autoescape=True))
            .order_by(WikiComment.id).with_for_update(of=WikiComment).execution_options(populate_existing=True))
    for comment in db.session.scalars(stmt):
        named = {segs[-1] for segs in map(parse_target, extract_wikilinks(comment.body)) if segs}
        if named & leaf_keys:
            comment.body_html = render(community, comment.body, page_id=comment.page_id)[0]


def visibility_changed(page: WikiPage, community: Community | None = None) -> int:
    """The page was hidden, shown again, held for approval or approved: re-render the pages that
    name it, or a page under it as [[Page/Subpage]] (links lead only to pages everyone sees, and
    through them only)."""
    community = community or db.session.get(Community, page.community_id)
    db.session.flush()
    subtree = db.session.scalars(select(WikiPage.id).where(
        WikiPage.community_id == page.community_id, WikiPage.is_deleted == false(),
        (WikiPage.id == page.id) | WikiPage.path.startswith(page.path + "/", autoescape=True)))
    return refresh_naming(community, subtree)
