"""What the wiki tells the rest of the platform when something happens: events in the activity
stream, notifications to the people watching a page and to the people @mentioned (all through
collab.activity). Called by the views after a service succeeded, before the commit.

Keys: a page is "wiki_page:<id>"; every event and notification about the page or its comments is
grouped under that key, so moving a page to the trash retracts everything said about it at once.
"""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import select

from collab import activity, moderation
from collab.db import utcnow
from collab.extensions import db
from communities.models import Community

from . import services, social
from .models import CREATE, RENAME, WikiPage, WikiRevision


def page_key(page_id: int) -> str:
    return f"wiki_page:{page_id}"


def _url(page, community: Community, anchor: str = "") -> str:
    return url_for("wiki.page", slug=community.slug, path=page.path) + anchor


def out_of_sight(page) -> bool:
    """Hidden, waiting for approval, or under such a page: nobody is told of it."""
    return bool(page.moderation or page.hidden_above)


def created(page, user) -> None:
    """A new page, from the form, the API or a knowledge flow. From someone whose posts wait for
    approval (collab.moderation.must_wait) it is held instead: no event, watch or search, seen by
    its author and the moderators only, until a moderator approves it (then ``published``)."""
    community = db.session.get(Community, page.community_id)
    if moderation.must_wait(user, community):
        services.set_moderation(page, "pending")  # links made to it as it was created lead nowhere now
        moderation.hold(page_key(page.id), community, user)
        return
    published(page, user, community)


def published(page, user, community: Community | None = None) -> None:
    """The page is there for everyone: the stream, the mentioned people, the author's watch. (Under
    a hidden or waiting page: the watch only, the stream hears of it if that page is shown.)"""
    community = community or db.session.get(Community, page.community_id)
    key = page_key(page.id)
    if out_of_sight(page):
        social.watch(page, user, True)
        return
    activity.record(user, "created", key, community=community, title=page.title, url=_url(page, community))
    activity.notify_mentions(page.body, actor=user, key=key, community=community, title=page.title,
                             url=_url(page, community))
    social.watch(page, user, True)  # the author hears about later edits and comments


def created_again(pages, told_until: datetime | None = None) -> None:
    """Pages are there for everyone again (shown again, restored from the trash): their stream
    lines come back with their first dates, their edits' and comments' too (what trashed() took
    out). Lines from before ``told_until`` were told of then, the community's webhooks too: they
    are not told again (activity.record(told_at=...)); the others (made while out of sight) are
    news. Nobody is notified again."""
    lines = []
    for page in pages:
        if out_of_sight(page):
            continue
        community = db.session.get(Community, page.community_id)
        if page.created_by is not None:
            lines.append((page.created_at, page.id, lambda told, p=page, c=community: activity.record(
                p.created_by, "created", page_key(p.id), community=c, title=p.title, url=_url(p, c), told_at=told)))
        revisions = db.session.scalars(select(WikiRevision).where(
            WikiRevision.page_id == page.id, WikiRevision.kind.not_in((CREATE, RENAME)),
            WikiRevision.author_id.is_not(None)))  # a rename is no stream line
        lines += [(r.created_at, page.id, lambda told, p=page, c=community, r=r: _edited_line(p, r, r.author, c, told))
                  for r in revisions]
        lines += [(m.created_at, page.id, lambda told, p=page, c=community, m=m: _commented_line(p, m, m.author, c, told))
                  for m in social.comments_of(page.id) if m.author is not None]
    for when, _page_id, line in sorted(lines, key=lambda t: (t[0], t[1])):  # the stream's order is the events' ids
        told = told_until is not None and when <= told_until
        line(when if told else None).created_at = when


def _edited_line(page, revision, user, community, told_at=None):
    return activity.record(user, "edited", f"wiki_revision:{revision.id}", group=page_key(page.id),
                           community=community, title=page.title, url=_url(page, community),
                           summary=revision.summary, told_at=told_at)


def _commented_line(page, comment, user, community, told_at=None):
    return activity.record(user, "commented", f"wiki_comment:{comment.id}", group=page_key(page.id),
                           community=community, title=page.title,
                           url=_url(page, community, f"#comment-{comment.id}"), told_at=told_at)


def edited(page, revision, user, *, previous: str | None = None) -> None:
    """A new revision (an edit, a merge, a restore, a rename)."""
    if out_of_sight(page):
        return  # hidden or waiting: nobody hears of it
    community = db.session.get(Community, page.community_id)
    key, group = f"wiki_revision:{revision.id}", page_key(page.id)
    url = _url(page, community)
    _edited_line(page, revision, user, community)
    activity.notify(social.watcher_ids(page.id), "watched_edit", actor=user, key=key, group=group,
                    community=community, title=page.title,
                    url=url_for("wiki.diff", slug=community.slug, path=page.path, to=revision.number))
    if previous is not None:
        activity.notify_mentions(page.body, actor=user, key=key, group=group, community=community,
                                 title=page.title, url=url, previous=previous)


def commented(page, comment, user) -> None:
    if out_of_sight(page):
        return
    community = db.session.get(Community, page.community_id)
    key, group = f"wiki_comment:{comment.id}", page_key(page.id)
    url = _url(page, community, f"#comment-{comment.id}")
    _commented_line(page, comment, user, community)
    activity.notify(social.watcher_ids(page.id), "comment", actor=user, key=key, group=group,
                    community=community, title=page.title, url=url)
    activity.notify_mentions(comment.body, actor=user, key=key, group=group, community=community,
                             title=page.title, url=url)


def comment_edited(page, comment, user, previous: str) -> None:
    if out_of_sight(page):
        return  # nobody is told of what is hidden or waits for approval
    community = db.session.get(Community, page.community_id)
    key, group = f"wiki_comment:{comment.id}", page_key(page.id)
    activity.notify_mentions(comment.body, actor=user, key=key, group=group, community=community,
                             title=page.title, url=_url(page, community, f"#comment-{comment.id}"),
                             previous=previous)


def comment_deleted(comment) -> None:
    activity.retract(f"wiki_comment:{comment.id}")


def trashed(page_ids) -> None:
    """Pages went to the trash: what the stream and the bells said about them goes too."""
    for page_id in page_ids:
        activity.retract(page_key(page_id))


def deleted(page_ids) -> None:
    """Pages went to the trash (deleted, or rejected while waiting for approval): trashed(), and
    those that waited for approval leave the moderation queue until they are restored."""
    trashed(page_ids)
    _queue_waiting(page_ids, waiting=False)


def restored(page_ids) -> None:
    """Pages came back from the trash: what trashed() took out of the streams comes back with its
    first dates, told of before (the webhooks are not told again), and those that waited for
    approval wait in the moderation queue again (a restore neither publishes nor loses them)."""
    created_again(db.session.scalars(select(WikiPage).where(WikiPage.id.in_(page_ids))).all(), told_until=utcnow())
    _queue_waiting(page_ids, waiting=True)


def _queue_waiting(page_ids, *, waiting: bool) -> None:
    for page in db.session.scalars(select(WikiPage).where(WikiPage.id.in_(page_ids), WikiPage.moderation == "pending")):
        if not waiting:
            moderation.forget(page_key(page.id))
        elif page.created_by is not None:
            moderation.hold(page_key(page.id), db.session.get(Community, page.community_id), page.created_by)
