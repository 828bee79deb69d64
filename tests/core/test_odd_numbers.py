"""Numbers people type or tamper with: a 20-digit id in an address, a query string or a form, and
digits Python's str.isdigit takes but int does not ("²"), are "not found" or "bad request",
never a server error."""
from __future__ import annotations

import pytest

from collab.extensions import db

HUGE = "9" * 20


@pytest.fixture
def place(app, make_user, make_community):
    from collab.accounts.models import User
    from communities.models import Community
    from forums import services
    from wiki import services as wiki

    owner = make_user("owner")
    c = make_community(owner, name="Numbers", access="public")
    with app.test_request_context("/", method="POST"):
        community, me = db.session.get(Community, c.id), db.session.get(User, owner.id)
        forum = services.create_forum(community, me, name="General")
        topic = services.create_topic(forum, me, title="A topic", body="Text.")
        wiki.create_page(community, me, title="Home", body="Text.")
        db.session.commit()
        return owner, c.slug, topic.id


def test_huge_and_odd_numbers_are_client_errors(place, client_for):
    owner, slug, topic = place
    client = client_for(owner)
    not_found = [f"/c/{slug}/forums/t/{HUGE}", f"/c/{slug}/forums/p/{HUGE}", f"/moderation/flag?key=forum_post:{HUGE}",
                 "/moderation/flag?key=forum_post:²"]
    for url in not_found:
        assert client.get(url).status_code == 404, url
    fine = [f"/?before={HUGE}", f"/u/owner?before={HUGE}", f"/c/{slug}/forums/t/{topic}?quote={HUGE}",
            f"/c/{slug}/forums/t/{topic}?reply_to={HUGE}", f"/c/{slug}/wiki/-/new?parent={HUGE}",
            f"/c/{slug}/wiki/home/-/diff?from=1&to={HUGE}", f"/admin/audit?community={HUGE}"]
    for url in fine:
        status = client.get(url).status_code
        assert status in (200, 400, 403, 404), (url, status)
    for reply_to in ("²", HUGE):
        r = client.post(f"/c/{slug}/forums/t/{topic}", data={"body": f"A reply to {reply_to}.", "reply_to": reply_to})
        assert r.status_code == 302, (reply_to, r.status_code)  # posted, as a plain reply
    assert client.post(f"/c/{slug}/forums/t/{topic}/split", data={"posts": ["²", HUGE], "title": "Split"}).status_code < 500
