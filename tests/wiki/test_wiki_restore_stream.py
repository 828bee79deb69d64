"""A wiki page restored from the trash, with the subpages that went there with it, comes back to
the activity streams (home, community, the author's profile) with its first date, and the
community's webhooks, told of the pages when they were made, are not told again."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from collab.activity.models import Event
from collab.extensions import db
from tests.api.conftest import api_as, token_for  # noqa: F401  (fixtures)
from tests.api.test_webhooks import allow_private, deliver, receiver  # noqa: F401  (fixtures)
from tests.helpers import text
from tests.wiki.conftest import url
from tests.wiki.test_wiki_unhide_webhooks import _told, page_and_subpage_told


def _created(app) -> dict[str, object]:
    with app.app_context():
        return {e.title: e.created_at for e in db.session.scalars(
            select(Event).where(Event.key.like("wiki_page:%"), Event.verb == "created"))}


def test_a_wiki_page_restored_from_the_trash_is_back_in_the_streams_untold(app, community, people, client_for, api_as,
                                                                          receiver, allow_private, deliver):
    page = page_and_subpage_told(community, people, client_for, api_as, receiver, deliver)
    moderator = client_for(people["moderator"])
    first = _created(app)
    assert set(first) == {"Secret plans", "Budget"}
    member = client_for(people["member"])
    streams = ("/", f"/c/{community.slug}/", f"/u/{people['other'].username}")

    assert moderator.post(url(community, "secret-plans", "delete")).status_code == 302
    for stream in streams:
        shown = text(member.get(stream))
        assert "Secret plans" not in shown and "Budget" not in shown, stream
    r = moderator.post(f"/c/{community.slug}/wiki/-/trash/{page}/restore")
    assert r.status_code == 302, r.status_code

    for stream in streams:
        shown = text(member.get(stream))
        assert "Secret plans" in shown and "Budget" in shown, stream  # their lines are back
    again = _created(app)
    assert set(again) == set(first)  # with their first dates (the pages')
    assert all(abs(again[title] - first[title]) < timedelta(seconds=2) for title in first)
    assert deliver() == 0  # the webhooks heard of them when they were made
    assert _told(receiver) == [("created", "Secret plans"), ("created", "Budget")]
