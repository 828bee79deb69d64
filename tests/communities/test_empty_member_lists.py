"""Lists with one person or none say what is missing and what to do next: the members of a
one-person community ("Nobody else has joined yet", and to whoever may invite, a link to do it), and
your own profile's communities when you have joined none (a link to browse them)."""
from __future__ import annotations

import re

from tests.helpers import text


def test_a_one_person_community_says_nobody_else_has_joined(make_user, make_community, client_for):
    owner, reader = make_user("ana"), make_user("bo")
    community = make_community(owner, name="Fresh Start")
    members = f"/c/{community.slug}/members"
    page = text(client_for(owner).get(members))
    assert re.search(rf'<li class="empty">Nobody else has joined yet\. <a href="/c/{community.slug}/invite">Invite people</a></li>', page)
    page = text(client_for(reader).get(members))
    assert '<li class="empty">Nobody else has joined yet.</li>' in page and "Invite people" not in page
    zh = make_user("wang", locale="zh_Hans")
    assert "还没有其他人加入。" in text(client_for(zh).get(members))
    # A search that finds nobody says so, and only that.
    page = text(client_for(owner).get(members, query_string={"q": "zzz"}))
    assert "No members match." in page and "Nobody else" not in page
    # Once someone joins, the note goes.
    client_for(reader).post(f"/c/{community.slug}/join")
    assert "Nobody else" not in text(client_for(owner).get(members))


def test_your_own_profile_without_communities_offers_to_browse_them(make_user, client_for):
    me, other = make_user("ana"), make_user("bo")
    page = text(client_for(me).get("/u/ana"))
    assert re.search(r'<p class="empty">You have not joined a community yet\. <a href="/c/">Browse communities</a></p>', page)
    page = text(client_for(other).get("/u/ana"))
    assert "Not a member of any community you can see." in page and "Browse communities" not in page
