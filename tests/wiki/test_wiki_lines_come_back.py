"""A wiki page shown again after a moderator hid it, or restored from the trash, brings back all
its stream lines, not only its "created" one: its edits' and comments', with their first dates.
Nobody is notified again, and the community's webhooks, told of each line when it happened, are
not told again; an edit made while the page was hidden was never told: showing it is its news."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from collab.activity.models import Event, Notification
from collab.db import utcnow
from collab.extensions import db
from tests.api.conftest import api_as, token_for  # noqa: F401  (fixtures)
from tests.api.test_webhooks import _add_hook, allow_private, deliver, receiver  # noqa: F401  (fixtures)
from tests.helpers import text
from tests.moderation.conftest import resolve
from tests.wiki.conftest import url
from tests.wiki.test_wiki_unhide_webhooks import _told
from wiki.models import WikiPage


def _lines(app) -> list[tuple[str, str, object]]:
    with app.app_context():
        return [(e.verb, e.key.partition(":")[0], e.created_at) for e in db.session.scalars(
            select(Event).where(Event.group_key.like("wiki_page:%")).order_by(Event.id))]


def _same(lines, first, taken_away_at) -> bool:
    """The same lines, each dated when what it tells happened (before the page was taken away),
    not when it came back. (Not "equal to the first line's date": a line is recorded after its
    page's row, and a loaded machine can put seconds between the two.)"""
    return [line[:2] for line in lines] == [line[:2] for line in first] and all(
        line[2] <= taken_away_at and abs(line[2] - was[2]) < timedelta(minutes=1) for line, was in zip(lines, first))


def _notes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Notification.id)).where(Notification.kind != "moderation"))


def _page_edited_and_commented(app, community, people, client_for, receiver, deliver) -> int:
    owner, author, member = (client_for(people[k]) for k in ("owner", "other", "member"))
    assert _add_hook(owner, community.slug, receiver.url, events=("created", "edited", "commented")).status_code == 302
    assert author.post(url(community, "-/new"), data={"title": "Runbook", "body": "Step one."}).status_code == 302
    assert member.post(url(community, "runbook", "edit"),
                       data={"body": "Step one. Step two.", "base_revision": "1"}).status_code == 302
    assert owner.post(url(community, "runbook", "rename"), data={"title": "Run book"}).status_code == 302
    assert member.post(url(community, "run-book", "comments"), data={"body": "Thanks @other"}).status_code == 302
    assert deliver() == 3
    with app.app_context():
        return db.session.scalar(select(WikiPage.id).where(WikiPage.path == "run-book"))


def _in_streams(client_for, people, community) -> list[str]:
    reader = client_for(people["owner"])
    return [text(reader.get(stream)) for stream in ("/", f"/c/{community.slug}/", f"/u/{people['member'].username}")]


def test_a_page_shown_again_brings_back_its_edits_and_comments(app, community, people, client_for, receiver,
                                                               allow_private, deliver):
    page = _page_edited_and_commented(app, community, people, client_for, receiver, deliver)
    before, notes = _lines(app), _notes(app)
    assert [(verb, kind) for verb, kind, _ in before] == [
        ("created", "wiki_page"), ("edited", "wiki_revision"), ("commented", "wiki_comment")]
    moderator = client_for(people["moderator"])

    taken_away_at = utcnow()
    assert resolve(moderator, f"wiki_page:{page}", "hide", reason="Off topic").status_code == 302
    assert _lines(app) == []
    notes_hidden = _notes(app)
    assert notes_hidden < notes  # the watchers' bells lost them too
    assert moderator.post(url(community, "run-book", "edit"),
                          data={"body": "Step one. Step two. Step three.", "base_revision": "3"}).status_code == 302
    assert resolve(moderator, f"wiki_page:{page}", "unhide", reason="").status_code == 302

    after = _lines(app)
    assert _same(after[:3], before, taken_away_at)  # the same lines, with their first dates
    assert [(verb, kind) for verb, kind, _ in after[3:]] == [("edited", "wiki_revision")]  # made while hidden
    assert _notes(app) == notes_hidden  # nobody is notified again
    assert deliver() == 1  # only the edit made while hidden is news
    assert _told(receiver)[-1] == ("edited", "Run book")
    member_stream = _in_streams(client_for, people, community)[2]
    assert "Run book" in member_stream


def test_a_page_restored_from_the_trash_brings_back_its_edits_and_comments(app, community, people, client_for,
                                                                           receiver, allow_private, deliver):
    page = _page_edited_and_commented(app, community, people, client_for, receiver, deliver)
    before, notes = _lines(app), _notes(app)
    moderator = client_for(people["moderator"])

    taken_away_at = utcnow()
    assert moderator.post(url(community, "run-book", "delete")).status_code == 302
    assert _lines(app) == []
    assert all("Run book" not in shown for shown in _in_streams(client_for, people, community))
    notes_trashed = _notes(app)
    assert moderator.post(f"/c/{community.slug}/wiki/-/trash/{page}/restore").status_code == 302

    assert _same(_lines(app), before, taken_away_at)
    assert all("Run book" in shown for shown in _in_streams(client_for, people, community))
    assert _notes(app) == notes_trashed
    assert deliver() == 0
