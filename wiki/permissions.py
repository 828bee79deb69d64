"""Who may do what in a wiki: read a page (hidden and waiting pages, and the pages under them),
write, lock and manage pages. Views, the API and the sockets ask these through services, which
carries them on."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from collab import access
from communities.models import Community

from .models import WikiPage
from .queries import ancestors, wiki_row

DELETED_WHILE_EDITING = _l("This page was deleted while you were editing it. Copy your text before you "
                           "leave; a moderator can restore the page from the trash.")


def may_edit(user, community: Community) -> bool:
    """Create and edit pages, rename them, restore old revisions: the community's members, or only
    its owners and moderators where the wiki's settings say so."""
    if not access.can_post(user, community):
        return False
    wiki = wiki_row(community.id)
    return not (wiki is not None and wiki.edit_restricted) or access.can_moderate(user, community)


def _may_see_itself(user, page: WikiPage, community: Community) -> bool:
    return not page.moderation or (user.is_authenticated and page.created_by_id == user.id) \
        or access.can_moderate(user, community)


def may_see_page(user, page: WikiPage, community: Community) -> bool:
    """A page a moderator hid, or one waiting for approval: its author and the moderators only
    (everyone else gets 404, on every way in: page, API, socket, attachments, related lists). The
    pages under it go out of sight with it: for those who may see every such page above them."""
    if not _may_see_itself(user, page, community):
        return False
    if not page.hidden_above or access.can_moderate(user, community):
        return True
    if not user.is_authenticated:  # (an author deleted since leaves created_by_id None: not "mine")
        return False
    return all(above.created_by_id == user.id for above in ancestors(page, hidden=True))


def seen_beside(user, pages, community: Community) -> list:
    """Of the pages under (or beside) a page the person sees, those they see too: the pages above
    are the same, so only each page's own state counts."""
    return [p for p in pages if _may_see_itself(user, p, community)]


def may_edit_page(user, page: WikiPage, community: Community) -> bool:
    """Edit this page: as may_edit, and a locked page only by moderators, owners and admins."""
    return may_edit(user, community) and (not page.is_locked or access.can_moderate(user, community))


def removed_meanwhile(user, page: WikiPage, community: Community, *, may_write: bool, comment: bool = False):
    """Why an edit of (or a comment on) ``page`` the person typed cannot be saved when only a removal
    made since they opened it stops it: the page deleted, or hidden by a moderator. The views show
    this with the person's text. None when the page is there for them, when they may not write
    (``may_write``: may_edit, or may comment for a ``comment``), or when they never saw it (one
    waiting for approval)."""
    if not may_write or (not page.is_deleted and may_see_page(user, page, community)):
        return None
    if page.moderation == "pending" and page.created_by_id != user.id:
        return None
    if comment:
        return _l("This page was deleted or hidden by a moderator, so your comment was not posted.")
    if page.is_deleted:
        return DELETED_WHILE_EDITING
    return _l("A moderator hid this page while you were editing it, so your edit was not saved.")


def may_lock(user, community: Community) -> bool:
    return may_manage(user, community)


def may_manage(user, community: Community) -> bool:
    """Move, reorder, delete and restore pages from the trash: moderators, owners and admins."""
    return access.can_moderate(user, community) and (not community.is_archived or access.is_admin(user))
