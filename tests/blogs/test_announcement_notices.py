"""Members are told about an announcement (a notification of its own kind, by their chosen
channel) and find it under "Waiting for you" on the home page until they acknowledge it."""
from __future__ import annotations

import re

from tests.blogs.conftest import blog_url, post_id, write
from tests.helpers import text


def _waiting(html: str) -> str:
    m = re.search(r'<div class="card attention">(.*?)</div>', html, re.S)
    return m.group(1) if m else ""


def test_members_are_notified_and_asked_on_the_home_page_until_they_acknowledge(community, people, client_for):
    base = blog_url(community)
    owner, member, other = (client_for(people[k]) for k in ("owner", "member", "other"))
    outsider = client_for(people["outsider"])
    assert other.post("/settings/notifications", data={"announcement": "off"}).status_code == 302
    assert "Announcements I am asked to read" in text(other.get("/settings/notifications"))
    pid = post_id(write(owner, base, title="New travel policy"))
    assert "New travel policy" not in _waiting(text(member.get("/")))
    owner.post(base + f"{pid}/announce")
    owner.post(base + f"{pid}/announce")  # marked twice: told once
    line = "Owner asks you to read and acknowledge New travel policy"
    inbox = text(member.get("/notifications"))
    assert inbox.count(line) == 1 and f"Unread: </span>{line}" in inbox
    box = _waiting(text(member.get("/")))
    assert "Waiting for you" in box and f'href="{base}{pid}"' in box
    assert "Read and acknowledge “New travel policy” in Newsroom" in box
    # Preference off: no notification, but the home page still asks; outsiders and the owner: nothing.
    assert line not in text(other.get("/notifications")) and "New travel policy" in _waiting(text(other.get("/")))
    assert line not in text(outsider.get("/notifications")) and "New travel policy" not in text(outsider.get("/"))
    assert "New travel policy" not in _waiting(text(owner.get("/")))
    # Acknowledged: gone from the box, the notification read.
    member.post(base + f"{pid}/acknowledge")
    assert "New travel policy" not in _waiting(text(member.get("/")))
    inbox = text(member.get("/notifications"))
    assert line in inbox and f"Unread: </span>{line}" not in inbox
    # No longer an announcement: nobody is asked any more.
    owner.post(base + f"{pid}/announce", data={"undo": "1"})
    assert "New travel policy" not in _waiting(text(other.get("/")))
    assert line not in text(client_for(people["moderator"]).get("/notifications"))


def test_an_announcement_marked_as_a_draft_is_told_when_published(community, people, client_for):
    base = blog_url(community)
    owner, member = client_for(people["owner"]), client_for(people["member"])
    pid = post_id(write(owner, base, title="Office move", action="draft"))
    owner.post(base + f"{pid}/announce")
    assert "Office move" not in text(member.get("/notifications")) + _waiting(text(member.get("/")))
    r = owner.post(base + f"{pid}/edit", data={"title": "Office move", "body": "We move on Monday.", "summary": "",
                                               "tags": "", "publish_at": "", "action": "publish"})
    assert r.status_code == 302
    assert "Owner asks you to read and acknowledge Office move" in text(member.get("/notifications"))
    assert "Office move" in _waiting(text(member.get("/")))
