"""An edited post's "edited" mark shows, on hover, when it was edited as a person reads a time (in
their language and zone), not the database's raw timestamp."""
from __future__ import annotations

import re

from tests.helpers import text


def test_the_edited_mark_says_when_in_the_readers_language_and_zone(community, people, client_for, forums, make_user):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"])
    pid = forums.reply(tid, people["member"], body="first words")
    address = f"/c/{community.slug}/forums"
    member = client_for(people["member"])
    assert member.post(f"{address}/p/{pid}/edit", data={"body": "better words"}).status_code == 302

    def hover(client) -> str:
        page = text(client.get(f"{address}/t/{tid}"))
        return re.search(r'class="muted small forum-edited" title="([^"]*)"', page).group(1)

    english = hover(member)
    assert re.search(r"20\d\d", english) and "+00:00" not in english and not re.search(r"\.\d{6}", english)
    zh = make_user("wang", locale="zh_Hans", timezone="Asia/Shanghai")
    chinese = hover(client_for(zh))
    assert "年" in chinese and "月" in chinese and "+00:00" not in chinese
