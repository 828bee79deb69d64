"""A page view's body is kept in the server process (wiki/views._page_body, collab.fragments):
whatever changes what a page shows must show at once, and each reader keeps their own rights,
language, count and one-time form token."""
from __future__ import annotations

import re

from tests.helpers import text
from tests.wiki.conftest import url


def _views(html: str) -> int:
    return int(re.search(r'data-testid="views">(\d+) views?<', html).group(1))


def test_a_kept_page_shows_each_change_at_once(app, community, people, client_for, wiki):
    owner, member = people["owner"], people["member"]
    home = wiki.create(community, owner, "Home", body="Welcome")
    runbook = wiki.create(community, owner, "Runbook", parent=home, body="# Steps\n\nFirst version.")
    reader = client_for(member)
    page = url(community, "home/runbook")
    first = text(reader.get(page))
    assert "First version." in first and "Revision 1" in first
    assert text(reader.get(page)) .count("First version.") == 1  # the kept copy, once

    # A new revision: its text, number and author.
    wiki.save(runbook, people["moderator"], "# Steps\n\nSecond version.", base=1)
    after = text(reader.get(page))
    assert "Second version." in after and "First version." not in after and "Revision 2" in after
    assert ">Moder<" in after

    # The author renames themselves: the revision line follows.
    client_for(people["moderator"]).post("/settings/profile", data={"display_name": "Mira the moderator",
                                                                    "timezone": "", "title": ""})
    assert ">Mira the moderator<" in text(reader.get(page))

    # Another page starts linking here: it is listed under "Pages that link here".
    wiki.create(community, owner, "Oncall", parent=home, body="Read [[Runbook]] first.")
    backlinks = text(reader.get(page)).split('id="backlinks"')[1]
    assert ">Oncall</a>" in backlinks

    # Tags and a subpage.
    r = client_for(owner).post(url(community, "home/runbook", "edit"),
                               data={"body": "# Steps\n\nSecond version.", "base_revision": "2", "tags": "ops, 运维"})
    assert r.status_code == 302
    wiki.create(community, owner, "Rollback", parent=runbook)
    now = text(reader.get(page))
    assert re.search(r'class="tag" href="[^"]+/-/tags/ops">ops</a>', now) and "运维" in now
    assert ">Rollback</a>" in now.split('<h2 class="h3">Subpages</h2>')[1]

    # A moderator locks it: the member's kept copy loses its Edit button.
    assert "/-/edit" in now
    client_for(people["moderator"]).post(url(community, "home/runbook", "lock"), data={"locked": "1"})
    locked = text(reader.get(page))
    assert "Locked" in locked and "/-/edit" not in locked


def test_each_reader_keeps_their_rights_count_language_and_token(app, community, people, client_for, wiki):
    owner = people["owner"]
    home = wiki.create(community, owner, "Home", body="Welcome")
    wiki.create(community, owner, "Runbook", parent=home, body="Text.")
    page = url(community, "home/runbook")
    member, outsider, mod = client_for(people["member"]), client_for(people["outsider"]), client_for(people["moderator"])

    as_member = text(member.get(page))
    as_outsider = text(outsider.get(page))  # right after: the member's copy must not be reused
    as_mod = text(mod.get(page))
    assert "/-/edit" in as_member and "/-/edit" not in as_outsider
    assert ">Lock<" in as_mod and ">Lock<" not in as_member
    assert "Delete" in text(client_for(owner).get(page)) and ">Delete<" not in as_member

    # Watching is each reader's own.
    member.post(url(community, "home/runbook", "watch"), data={"on": "1"})
    assert "Stop watching" in text(member.get(page)) and "Stop watching" not in text(outsider.get(page))

    # The count moves with every view, though the rest of the page is kept.
    before = _views(text(member.get(page)))
    assert _views(text(member.get(page))) == before + 1

    # The comment form's one-time token differs per view (a double submit is recognised by it).
    tokens = [re.search(r'name="token" type="hidden" value="([^"]+)"', text(member.get(page))).group(1)
              for _ in range(2)]
    assert tokens[0] != tokens[1]

    # Each reader's language, alternating on the same page.
    zh = text(member.get(page, headers={"Accept-Language": "zh-CN"}))
    en = text(outsider.get(page, headers={"Accept-Language": "en"}))
    assert "历史" in zh and "History" not in zh
    assert "History" in en and "历史" not in en
    assert "\x00" not in zh + en + as_member
