"""Wiki operations and their rules. Views call these; nothing here touches the request.

Concurrency: a save locks its page row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite every
write transaction begins IMMEDIATE, so writers take turns) and reads the current revision only
after it holds the lock. Two saves on the same base therefore run one after the other: the second
sees the first's revision and merges three-way with it, or reports a conflict. Operations on the
tree (create, rename, move, reorder, delete, restore) first lock the community row, so they never
interleave with each other either.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, false, func, select, update
from sqlalchemy.orm import undefer

from collab import access
from collab.db import utcnow
from collab.extensions import db
from communities.models import Community
from communities.services import slugify

from . import links
from .diffing import MergeResult, has_conflict_markers, merge, normalise
from .models import (
    BODY_MAX,
    CREATE,
    EDIT,
    MERGE,
    PATH_MAX,
    RENAME,
    RESTORE,
    SLUG_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Wiki,
    WikiPage,
    WikiRedirect,
    WikiRevision,
    title_key,
)
from .permissions import (  # noqa: F401  (the views, the API and the sockets ask services)
    DELETED_WHILE_EDITING,
    may_edit,
    may_edit_page,
    may_lock,
    may_manage,
    may_see_page,
    removed_meanwhile,
    seen_beside,
)
from .queries import _in_tree, revision

FORBIDDEN_IN_TITLES = "/|[]"


class WikiError(ValueError):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class Conflict(WikiError):
    """A save on an older revision overlaps edits saved since. Carries everything the editor
    needs to show both versions: nothing the person typed is lost."""

    def __init__(self, *, page: WikiPage, base_number: int, mine: str, current: WikiRevision,
                 result: MergeResult):
        super().__init__(_l("Someone saved this page while you were editing it, and some of your changes "
                            "overlap with theirs."), "body")
        self.page = page
        self.base_number = base_number
        self.mine = mine  # the person's text, exactly as sent (newlines normalised)
        # Plain values: they outlive the rollback that follows.
        self.current_number = current.number  # the revision saved since
        self.current_author = current.author.name if current.author else None
        self.current_text = current.body
        self.merged = result.text  # both versions of each overlap, between markers
        self.conflicts = result.conflicts
        self.hunks = result.hunks


@dataclass
class SaveResult:
    page: WikiPage
    revision: WikiRevision | None  # None: the text did not change, nothing was saved
    merged: bool = False

    @property
    def changed(self) -> bool:
        return self.revision is not None


def _check_unlocked(page: WikiPage, user) -> None:
    """Re-checked under the page lock: the page may have been locked while someone edited it."""
    if page.is_locked and not access.can_moderate(user, db.session.get(Community, page.community_id)):
        raise WikiError(_l("A moderator locked this page while you were editing it; only moderators can "
                           "change it now. Copy your text before you leave."), "body")


# --------------------------------------------------------------------------- locks and lookups


def _lock_community(community_id: int) -> None:
    db.session.execute(select(Community.id).where(Community.id == community_id).with_for_update())


def _tree_changed(community_id: int) -> None:
    """Note a change to the page tree (call with the community locked): caches of the tree are
    keyed by this version, so every server process sees the change on its next request."""
    bumped = db.session.execute(update(Wiki).where(Wiki.community_id == community_id)
                                .values(tree_version=Wiki.tree_version + 1)).rowcount
    if not bumped:
        db.session.add(Wiki(community_id=community_id, tree_version=1))
        db.session.flush()
    # This session sees a tree that may yet roll back: it must not fill the shared cache.
    db.session.info.setdefault("wiki_tree_changed", set()).add(community_id)


def _lock_page(page_id: int) -> WikiPage | None:
    """The page row, locked and re-read (never a copy loaded before the lock was held)."""
    return db.session.scalars(
        select(WikiPage).where(WikiPage.id == page_id).options(undefer(WikiPage.body))
        .with_for_update().execution_options(populate_existing=True)
    ).one_or_none()


def preview(community: Community, body: str, *, page: WikiPage | None = None,
            parent_id: int | None = None) -> str:
    body = (body or "")[:BODY_MAX]
    if page is not None:
        return links.render(community, body, page_id=page.id, parent_id=page.parent_id)[0]
    return links.render(community, body, parent_id=parent_id)[0]


# --------------------------------------------------------------------------- rules


def clean_title(title: str | None, *, kept: bool = False) -> str:
    """The title as stored, or WikiError: not empty, at most 200 characters, no slashes, bars or
    square brackets (a slash separates pages in addresses and [[Parent/Child]] links; bars and
    brackets delimit [[links]]), no control characters, and a new title has a letter or digit of
    some script or an emoji ("." or "-" names nothing and would get the address page-2). Chinese,
    emoji and all other text is fine. ``kept``: a page's present title, checked again on a move."""
    title = " ".join((title or "").split())
    if not title:
        raise WikiError(_l("A page needs a title."), "title")
    if not kept and not any(c.isalnum() or unicodedata.category(c) == "So" for c in title):
        raise WikiError(_l("A title needs at least one letter, digit or Chinese character: punctuation "
                           "alone does not say what the page is about."), "title")
    if len(title) > TITLE_MAX:
        raise WikiError(_l("A title can have at most %(max)d characters; this one has %(n)d.",
                           max=TITLE_MAX, n=len(title)), "title")
    bad = [c for c in FORBIDDEN_IN_TITLES if c in title]
    if bad:
        raise WikiError(_l("A title cannot contain %(chars)s: a slash separates pages in addresses and "
                           "links, and brackets and bars mark [[links]]. Use a dash or a comma instead.",
                           chars=" ".join(bad)), "title")
    if any(unicodedata.category(c) == "Cc" for c in title):
        raise WikiError(_l("Remove the control characters from this field."), "title")
    return title


def _check_title(community: Community, parent: WikiPage | None, title: str, exclude_id: int | None = None,
                 *, user=None, kept: bool = False) -> str:
    """The clean title, or WikiError when a sibling has it already: hidden and waiting pages too
    (they come back under their title), but to someone who may not see that page, nothing of it."""
    title = clean_title(title, kept=kept)
    parent_id = parent.id if parent is not None else None
    stmt = select(WikiPage).where(
        *_in_tree(community.id), WikiPage.title_key == title_key(title),
        WikiPage.parent_id == parent_id if parent_id is not None else WikiPage.parent_id.is_(None))
    if exclude_id is not None:
        stmt = stmt.where(WikiPage.id != exclude_id)
    taken = db.session.scalar(stmt.order_by(WikiPage.moderation.is_not(None), WikiPage.id).limit(1))
    if taken is not None:
        if user is not None and not may_see_page(user, taken, community):
            raise WikiError(_l("This title cannot be used here: it belongs to a page you cannot see. Choose "
                               "another title or another parent page."), "title")
        if parent is None:
            raise WikiError(_l("There is a top-level page called “%(title)s” already. Choose another title "
                               "or another parent page.", title=taken.title), "title")
        raise WikiError(_l("“%(parent)s” has a subpage called “%(title)s” already. Choose another title "
                           "or another parent page.", parent=parent.title, title=taken.title), "title")
    return title


def _unique_slug(community_id: int, parent_id: int | None, title: str, *, exclude_id: int | None = None,
                 keep: str | None = None) -> str:
    base = slugify(title)[:SLUG_MAX].strip("-") or "page"
    stmt = select(WikiPage.slug).where(
        *_in_tree(community_id),
        WikiPage.parent_id == parent_id if parent_id is not None else WikiPage.parent_id.is_(None))
    if exclude_id is not None:
        stmt = stmt.where(WikiPage.id != exclude_id)
    taken = set(db.session.scalars(stmt))
    if keep and keep not in taken and (keep == base or re.fullmatch(re.escape(base) + r"-\d+", keep)):
        return keep
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = base[: SLUG_MAX - len(suffix)] + suffix
        n += 1
    return slug


def _join(parent: WikiPage | None, slug: str) -> str:
    return f"{parent.path}/{slug}" if parent is not None else slug


def _check_path(path: str) -> None:
    if len(path) > PATH_MAX:
        raise WikiError(_l("The page would be nested too deeply. Choose a parent page higher up the tree."),
                        "parent")


def _live_parent(community: Community, parent_id: int | None, user) -> WikiPage | None:
    """The parent page by id, if the person may see it (a hidden one answers as a missing one)."""
    if not parent_id:
        return None
    parent = db.session.get(WikiPage, parent_id)
    if parent is None or parent.community_id != community.id or parent.is_deleted \
            or (user is not None and not may_see_page(user, parent, community)):
        raise WikiError(_l("That parent page does not exist (any more)."), "parent")
    return parent


def _next_position(community_id: int, parent_id: int | None) -> int:
    stmt = select(func.max(WikiPage.position)).where(
        *_in_tree(community_id),
        WikiPage.parent_id == parent_id if parent_id is not None else WikiPage.parent_id.is_(None))
    last = db.session.scalar(stmt)
    return 0 if last is None else last + 1


def _clean_body(body: str | None) -> str:
    text = normalise(body)
    if len(text) > BODY_MAX:
        raise WikiError(_l("A page can have at most %(max)d characters; this text has %(n)d.",
                           max=BODY_MAX, n=len(text)), "body")
    return text


def _clean_summary(summary: str | None) -> str:
    return " ".join((summary or "").split())[:SUMMARY_MAX]


def _subtree(page: WikiPage) -> list[WikiPage]:
    """The page and every page under it that is not in the trash (hidden and waiting ones too),
    parents before children."""
    return list(db.session.scalars(
        select(WikiPage).where(*_in_tree(page.community_id)).where(
            (WikiPage.id == page.id) | WikiPage.path.startswith(page.path + "/", autoescape=True))
        .order_by(func.length(WikiPage.path), WikiPage.id)
        .with_for_update().execution_options(populate_existing=True)))


def _hide_below(subtree: list[WikiPage]) -> list[WikiPage]:
    """Mark the pages of ``subtree`` (parents before children) that are under a hidden or waiting
    page (their root's parent among those), and return those whose mark changed."""
    root = subtree[0]
    parent = db.session.get(WikiPage, root.parent_id) if root.parent_id else None
    veiled = {root.parent_id: parent is not None and bool(parent.moderation or parent.hidden_above)}
    changed = []
    for p in subtree:
        above = veiled.get(p.parent_id, False)
        if p.hidden_above != above:
            p.hidden_above = above
            changed.append(p)
        veiled[p.id] = above or bool(p.moderation)
    return changed


def _drop_redirects(community_id: int, paths) -> None:
    paths = list(paths)
    if paths:
        db.session.execute(delete(WikiRedirect).where(
            WikiRedirect.community_id == community_id, WikiRedirect.path.in_(paths)))


def _repath(pages: list[WikiPage], old_root: str, new_root: str) -> None:
    """Give ``pages`` (a subtree, root first) addresses under ``new_root``; their old addresses
    redirect to them from now on."""
    if old_root == new_root:
        return
    new_paths = []
    for p in pages:
        old = p.path
        p.path = new_root + old[len(old_root):]
        new_paths.append(p.path)
        if not p.is_deleted:
            _drop_redirects(p.community_id, [old])
            db.session.add(WikiRedirect(community_id=p.community_id, page_id=p.id, path=old))
    db.session.flush()
    _drop_redirects(pages[0].community_id, new_paths)


def _add_revision(page: WikiPage, user, text: str, *, summary: str = "", kind: str = EDIT,
                  base: int | None = None, restored_from: int | None = None) -> WikiRevision:
    number = page.revision_number + 1
    rev = WikiRevision(
        page_id=page.id, community_id=page.community_id, number=number, title=page.title, body=text,
        summary=_clean_summary(summary), kind=kind, size=len(text.encode()), base_number=base,
        restored_from=restored_from, author_id=getattr(user, "id", None), created_at=utcnow(),
    )
    db.session.add(rev)
    page.revision_number = number
    page.body = text
    page.updated_by_id = getattr(user, "id", None)
    page.updated_at = utcnow()
    links.render_page(page)
    db.session.flush()
    return rev


# --------------------------------------------------------------------------- operations


def create_page(community: Community, user, *, title: str, parent_id: int | None = None, body: str = "",
                summary: str = "") -> WikiPage:
    _lock_community(community.id)
    _tree_changed(community.id)
    parent = _live_parent(community, parent_id, user)
    title = _check_title(community, parent, title, user=user)
    text = _clean_body(body)
    slug = _unique_slug(community.id, parent.id if parent else None, title)
    path = _join(parent, slug)
    _check_path(path)
    page = WikiPage(
        community_id=community.id, parent_id=parent.id if parent else None, title=title,
        title_key=title_key(title), slug=slug, path=path,
        position=_next_position(community.id, parent.id if parent else None),
        revision_number=0, body="", body_html="", created_by_id=getattr(user, "id", None),
    )
    _hide_below([page])
    db.session.add(page)
    db.session.flush()
    _drop_redirects(community.id, [path])
    _add_revision(page, user, text, summary=summary, kind=CREATE)
    # Links to this title elsewhere were "missing" (or led to a farther page of that name).
    links.refresh_linking(community, leaf_keys={page.title_key}, exclude={page.id})
    return page


def save_page(page: WikiPage, user, *, body: str, base_number: int, summary: str = "",
              resolving: bool = False) -> SaveResult:
    """Save a new text that was edited from revision ``base_number``.

    Same base as the current revision: a new revision. Older base: the edits made since are merged
    three-way with this one; if they do not overlap the merged text is saved (``merged=True``),
    if they do a ``Conflict`` is raised and nothing is saved. Text equal to the current text saves
    nothing (``revision is None``)."""
    text = _clean_body(body)
    if resolving and has_conflict_markers(text):
        raise WikiError(_l("The text still has conflict markers (<<<<<<<, =======, >>>>>>>). Keep the "
                           "lines you want, delete the markers, then save."), "body")
    locked = _lock_page(page.id)
    if locked is None or locked.is_deleted:
        raise WikiError(DELETED_WHILE_EDITING, "body")
    page = locked
    _check_unlocked(page, user)
    current = page.body
    merged = False
    if base_number == page.revision_number:
        new_text = text
    elif 1 <= base_number < page.revision_number:
        base = revision(page, base_number)
        if text in (base.body, current):
            return SaveResult(page, None)
        latest = revision(page, page.revision_number)
        result = merge(base.body, current, text,
                       their_label=str(_l("saved by others (revision %(number)d)", number=page.revision_number)),
                       my_label=str(_l("your edit")))
        if not result.clean:
            raise Conflict(page=page, base_number=base_number, mine=text, current=latest, result=result)
        new_text, merged = result.text, True
    else:
        raise WikiError(_l("Your edit started from a revision this page does not have. Copy your text, "
                           "reload the editor and paste it in again."), "body")
    if new_text == current:
        return SaveResult(page, None)
    rev = _add_revision(page, user, new_text, summary=summary, kind=MERGE if merged else EDIT,
                        base=base_number)
    return SaveResult(page, rev, merged)


def restore_revision(page: WikiPage, user, number: int, summary: str = "") -> WikiRevision:
    """Make an old revision's text the current text again, as a new revision."""
    page = _lock_page(page.id)
    if page is None or page.is_deleted:
        raise WikiError(_l("This page is in the trash."))
    _check_unlocked(page, user)
    old = revision(page, number)
    if old is None:
        raise WikiError(_l("This page has no revision %(number)d.", number=number))
    if old.body == page.body:
        raise WikiError(_l("Revision %(number)d has the same text as the current page; there is nothing to "
                           "restore.", number=number))
    return _add_revision(page, user, old.body, summary=summary, kind=RESTORE, base=page.revision_number,
                         restored_from=number)


def rename_page(page: WikiPage, user, title: str) -> WikiPage:
    """Change the title (and with it the address; the old address and title keep leading here)."""
    community = db.session.get(Community, page.community_id)
    _lock_community(community.id)
    _tree_changed(community.id)
    page = _lock_page(page.id)
    if page is None or page.is_deleted:
        raise WikiError(_l("This page is in the trash."))
    _check_unlocked(page, user)
    parent = db.session.get(WikiPage, page.parent_id) if page.parent_id else None
    title = _check_title(community, parent, title, exclude_id=page.id, user=user)
    if title == page.title:
        return page
    old_key = page.title_key
    page.title, page.title_key = title, title_key(title)
    slug = _unique_slug(community.id, page.parent_id, title, exclude_id=page.id, keep=page.slug)
    moved: set[int] = set()
    if slug != page.slug:
        new_path = _join(parent, slug)
        subtree = _subtree(page)
        if max(len(p.path) for p in subtree) - len(page.path) + len(new_path) > PATH_MAX:
            raise WikiError(_l("The new title would make some subpages' addresses too long. Choose a "
                               "shorter title."), "title")
        page.slug = slug
        _repath(subtree, page.path, new_path)
        moved = {p.id for p in subtree}
    if old_key != page.title_key:
        db.session.add(WikiRedirect(community_id=community.id, page_id=page.id, title_key=old_key))
    _add_revision(page, user, page.body, kind=RENAME, base=page.revision_number)
    # Links naming the new title may lead here now; comments (which record no links) naming the
    # old one are rendered again with the new address.
    links.refresh_linking(community, page_ids=moved | {page.id}, leaf_keys={page.title_key, old_key},
                          exclude={page.id})
    return page


def move_page(page: WikiPage, user, parent_id: int | None) -> WikiPage:
    """Put the page (with its subpages) under another parent, or at the top level (None)."""
    community = db.session.get(Community, page.community_id)
    _lock_community(community.id)
    _tree_changed(community.id)
    page = _lock_page(page.id)
    if page is None or page.is_deleted:
        raise WikiError(_l("This page is in the trash."))
    parent = _live_parent(community, parent_id, user)
    if parent is not None and (parent.id == page.id or parent.path.startswith(page.path + "/")):
        raise WikiError(_l("A page cannot be moved under itself or under one of its own subpages."), "parent")
    new_parent_id = parent.id if parent else None
    if new_parent_id == page.parent_id:
        return page
    _check_title(community, parent, page.title, exclude_id=page.id, user=user, kept=True)
    slug = _unique_slug(community.id, new_parent_id, page.title, exclude_id=page.id, keep=page.slug)
    new_path = _join(parent, slug)
    subtree = _subtree(page)
    if max(len(p.path) for p in subtree) - len(page.path) + len(new_path) > PATH_MAX:
        raise WikiError(_l("The page would be nested too deeply. Choose a parent page higher up the tree."),
                        "parent")
    page.position = _next_position(community.id, new_parent_id)
    page.parent_id = new_parent_id
    page.slug = slug
    _repath(subtree, page.path, new_path)
    _hide_below(subtree)
    db.session.flush()
    links.render_page(page, community)  # its nearest namesakes are others now
    links.refresh_linking(community, page_ids={p.id for p in subtree},
                          leaf_keys={p.title_key for p in subtree}, exclude={page.id})
    return page


def reorder_page(page: WikiPage, user, where: str) -> WikiPage:
    """Move the page among its siblings: "up", "down", "first" or "last"."""
    _lock_community(page.community_id)
    _tree_changed(page.community_id)
    cond = WikiPage.parent_id == page.parent_id if page.parent_id else WikiPage.parent_id.is_(None)
    siblings = list(db.session.scalars(select(WikiPage).where(*_in_tree(page.community_id), cond)
                                       .order_by(WikiPage.position, WikiPage.id)))
    ids = [p.id for p in siblings]
    if page.id not in ids:
        raise WikiError(_l("This page is in the trash."))
    i = ids.index(page.id)
    j = {"up": i - 1, "down": i + 1, "first": 0, "last": len(ids) - 1}.get(where, i)
    j = max(0, min(len(ids) - 1, j))
    siblings.insert(j, siblings.pop(i))
    for n, p in enumerate(siblings):
        if p.position != n:
            p.position = n
    return page


def delete_page(page: WikiPage, user) -> int:
    """Move the page and its subpages to the trash; returns how many subpages went with it."""
    community = db.session.get(Community, page.community_id)
    _lock_community(community.id)
    _tree_changed(community.id)
    page = _lock_page(page.id)
    if page is None or page.is_deleted:
        raise WikiError(_l("This page is in the trash already."))
    subtree = _subtree(page)
    now = utcnow()
    for p in subtree:
        p.is_deleted = True
        p.deleted_at = now
        p.deleted_by_id = getattr(user, "id", None)
        p.deleted_with_id = None if p.id == page.id else page.id
    db.session.flush()
    ids = {p.id for p in subtree}
    links.refresh_naming(community, ids, exclude=ids)
    return len(subtree) - 1


def restore_page(page: WikiPage, user) -> WikiPage:
    """Bring a page back from the trash, with the subpages that were deleted along with it."""
    community = db.session.get(Community, page.community_id)
    _lock_community(community.id)
    _tree_changed(community.id)
    page = _lock_page(page.id)
    if page is None or not page.is_deleted:
        raise WikiError(_l("This page is not in the trash."))
    if page.deleted_with_id:
        with_page = db.session.get(WikiPage, page.deleted_with_id)
        raise WikiError(_l("This page was deleted together with “%(title)s”; restore that page.",
                           title=with_page.title if with_page else "?"))
    parent = db.session.get(WikiPage, page.parent_id) if page.parent_id else None
    if parent is not None and parent.is_deleted:
        raise WikiError(_l("Its parent page “%(title)s” is in the trash too: restore that one first.",
                           title=parent.title))
    try:
        _check_title(community, parent, page.title, exclude_id=page.id, kept=True)
    except WikiError:
        raise WikiError(_l("A page called “%(title)s” exists in its place now. Rename or move that page, "
                           "then restore this one.", title=page.title)) from None
    group = [page] + list(db.session.scalars(
        select(WikiPage).where(WikiPage.deleted_with_id == page.id, WikiPage.is_deleted.is_(True))
        .order_by(func.length(WikiPage.path), WikiPage.id)
        .with_for_update().execution_options(populate_existing=True)))
    slug = _unique_slug(community.id, page.parent_id, page.title, exclude_id=page.id, keep=page.slug)
    old_root, new_root = page.path, _join(parent, slug)
    page.slug = slug
    for p in group:
        p.is_deleted = False
        p.deleted_at = p.deleted_by_id = p.deleted_with_id = None
        if p.path == old_root or p.path.startswith(old_root + "/"):
            p.path = new_root + p.path[len(old_root):]
    _hide_below(group)
    db.session.flush()
    _drop_redirects(community.id, [p.path for p in group])
    for p in group:
        links.render_page(p, community)
    ids = {p.id for p in group}
    links.refresh_naming(community, ids, exclude=ids)
    return page


def set_moderation(page: WikiPage, value: str | None) -> list[WikiPage]:
    """Hide the page ("hidden"; "flags": hidden by flags), hold it for approval ("pending") or show
    it to everyone again (None). Hidden and waiting pages, and the pages under them, are left out of
    the tree, and links in other pages lead to pages everyone sees only, so both are brought up to
    date. Returns the pages under it that went out of sight (or came back) with it."""
    was_shown = not page.moderation
    page.moderation = value
    _tree_changed(page.community_id)
    if was_shown == (not value):
        return []
    below = _hide_below(_subtree(page))
    links.visibility_changed(page)
    return below
