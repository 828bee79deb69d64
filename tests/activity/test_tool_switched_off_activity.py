"""A tool a community switches off takes its items' lines out of the streams (home, community,
profile) and its notifications off /notifications, the bell and the API; switching it on again
brings them back. The other tools' lines stay."""
from __future__ import annotations

import re

from collab.accounts.models import Follow
from collab.extensions import db
from tests.api.conftest import api_as, token_for  # noqa: F401  (shared fixtures)
from tests.helpers import text

PAGE, POST = "Layoff plan Zebra", "Quarterly numbers"


def plain(response) -> str:
    return re.sub(r"<[^>]+>", "", text(response))


def _switch(client, slug, tools):
    r = client.post(f"/c/{slug}/settings", data={"name": "Lab", "slug": slug, "description": "", "tags": "",
                                                  "access": "public", "posting": "members", "tools": tools})
    assert r.status_code == 302, r.status_code


def test_switching_the_wiki_off_hides_its_lines_and_notifications_until_it_is_on_again(
        app, make_user, make_community, client_for, api_as):
    owner, member, follower, outsider = (make_user(n) for n in ("owner", "member", "follower", "outsider"))
    make_community(owner, name="Lab", members=[member])
    with app.app_context():  # the follower reads the owner's lines through the owner, not the community
        db.session.add(Follow(follower_id=follower.id, followed_id=owner.id))
        db.session.commit()
    r = api_as(owner).post("/communities/lab/wiki/pages", json={"title": PAGE, "body": "hello @member"})
    assert r.status_code == 201, r.json
    assert api_as(owner).post("/communities/lab/blog/posts", json={"title": POST, "body": "x"}).status_code == 201
    oc, mc, fc, xc = (client_for(u) for u in (owner, member, follower, outsider))

    def seen(title):
        return {"member home": title in plain(mc.get("/")),
                "follower home": title in plain(fc.get("/")),
                "follower home, this community": title in plain(fc.get(f"/?community={_cid(app)}")),
                "community": title in plain(xc.get("/c/lab/")),
                "profile": title in plain(xc.get("/u/owner")),
                "notifications": title in plain(mc.get("/notifications")),
                "api": title in str(api_as(member).get("/notifications").json)}

    everywhere = dict.fromkeys(seen(PAGE), True)
    assert seen(PAGE) == everywhere
    assert mc.get("/notifications/count").json["unread"] == 1
    assert 'data-testid="notification-count" data-bell-count>1<' in mc.get("/").get_data(as_text=True)

    _switch(oc, "lab", ["blog", "forums", "chat"])
    assert seen(PAGE) == dict.fromkeys(everywhere, False)
    assert mc.get("/notifications/count").json["unread"] == 0
    assert 'data-testid="notification-count" data-bell-count hidden>0<' in mc.get("/").get_data(as_text=True)
    assert api_as(member).get("/notifications?unread=true").json["items"] == []
    # The blog is still on: its post's line stays.
    assert POST in plain(mc.get("/")) and POST in plain(xc.get("/c/lab/")) and POST in plain(fc.get("/"))

    _switch(oc, "lab", ["wiki", "blog", "forums", "chat"])
    assert seen(PAGE) == everywhere
    assert mc.get("/notifications/count").json["unread"] == 1
    assert 'data-testid="notification-count" data-bell-count>1<' in mc.get("/").get_data(as_text=True)


def _cid(app) -> int:
    from communities.models import Community

    with app.app_context():
        return db.session.query(Community.id).filter_by(slug="lab").scalar()
