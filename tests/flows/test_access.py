"""The flow pages for every kind of person on public, moderated and restricted communities:
starting a topic from the chat and a wiki page from a topic need the right to post there; a copy
needs the right to read the source; outside a restricted community everything is 404."""
from __future__ import annotations

import pytest

from tests.helpers import text

ROLES = ["anonymous", "outsider", "member", "owner", "admin"]


@pytest.mark.parametrize("access", ["public", "moderated", "restricted"])
def test_flow_pages_by_role(app, access, make_user, make_community, admin_user, make, client_for):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    c = make_community(owner, name=f"Secret {access}", access=access, members=[member])
    forum = make.forum(c, owner)
    topic = make.topic(forum, member, title="Secret question", question=True)
    answer = make.reply(topic, owner, "Secret answer")
    make.accept(topic, answer, member)
    room_id, room_slug = make.room(c)
    make.message(room_id, owner, "Secret message")
    people = {"anonymous": None, "outsider": outsider, "member": member, "owner": owner, "admin": admin_user}
    routes = {
        "to_forum": (f"/c/{c.slug}/chat/{room_slug}/to-forum", "post"),
        "to_wiki": (f"/c/{c.slug}/forums/t/{topic}/to-wiki", "post"),
        "copy": (f"/flows/copy?key=forum_topic:{topic}", "view"),
    }
    failures = []
    for role, person in people.items():
        client = client_for(person)
        for name, (url, need) in routes.items():
            r = client.get(url)
            if role == "anonymous":
                want = 302
            elif access == "restricted" and role == "outsider":
                want = 404
            elif need == "view":
                want = 200
            else:
                want = 200 if role in ("member", "owner") else 403
            if r.status_code != want:
                failures.append(f"{role} {name}: got {r.status_code}, want {want}")
            if want == 404:
                assert "Secret" not in text(r), f"{url} leaks to {role}"
            if role == "anonymous":
                assert "/login" in r.headers["Location"]
    assert failures == []
