"""A topic page reads as a conversation, not a control panel: each post shows Like, Reply, Quote
(and the asker's Accept) and keeps the rest in its "⋯" menu; the topic's moderator actions sit in
one Moderate menu; ticking replies to split them off is a mode a moderator asks for (?split=1),
and nothing for anyone else."""
from __future__ import annotations

import re

from tests.forums.conftest import base
from tests.helpers import text


def _post(html: str, pid: int) -> str:
    start = html.index(f'id="post-{pid}"')
    return html[start:html.index("</article>", start)]


def _in_sight_and_menu(post_html: str) -> tuple[str, str]:
    """A post's footer: what is in sight, and what its "⋯" menu holds."""
    footer = post_html[post_html.index("<footer"):]
    if "<details" not in footer:
        return footer, ""
    return footer[:footer.index("<details")], footer[footer.index("<details"):]


def test_a_post_shows_its_frequent_actions_and_keeps_the_rest_in_a_menu(community, people, client_for, forums):
    owner, member, other = people["owner"], people["member"], people["other"]
    fid = forums.forum(community, owner)
    tid = forums.topic(fid, member, title="Which port?", question=True, body="How?")
    pid = forums.reply(tid, other, "Port 8443.")
    page = f"{base(community)}/t/{tid}"

    # The asker: Like, Reply, Quote and Accept in sight; Flag in the menu, named for the post.
    sight, menu = _in_sight_and_menu(_post(text(client_for(member).get(page)), pid))
    assert ">Reply</a>" in sight and ">Quote</a>" in sight and "/like" in sight and f"/accept/{pid}" in sight
    assert "Flag" not in sight and "Flag" in menu and 'aria-label="More actions for post #2"' in menu
    assert '<details class="menu action-menu' in menu and "/moderate" not in menu

    # The author: Edit and Delete (with its CSRF token and confirmation) in the menu, not in sight.
    sight, menu = _in_sight_and_menu(_post(text(client_for(other).get(page)), pid))
    assert "/edit" not in sight and "/delete" not in sight
    assert f"/p/{pid}/edit" in menu and f'action="{base(community)}/p/{pid}/delete"' in menu
    assert 'data-confirm="Delete this post?"' in menu and 'name="csrf_token"' in menu

    # A moderator: Hide in the menu; no split checkbox until asked for.
    html = text(client_for(people["moderator"]).get(page))
    sight, menu = _in_sight_and_menu(_post(html, pid))
    assert 'value="hide"' in menu and 'value="hide"' not in sight
    assert 'name="posts"' not in html and 'id="split-form"' not in html

    # The asker's accepted answer: the mark in sight, Un-accept in the menu.
    client_for(member).post(f"{page}/accept/{pid}")
    post = _post(text(client_for(member).get(page)), pid)
    sight, menu = _in_sight_and_menu(post)
    assert "Accepted answer" in post[:post.index("<footer")] and "/unaccept" in menu and "/unaccept" not in sight


def test_moderators_get_one_moderate_menu_and_a_split_mode(community, people, client_for, forums):
    owner, member, other = people["owner"], people["member"], people["other"]
    fid = forums.forum(community, owner)
    forums.forum(community, owner, name="Ideas")
    tid = forums.topic(fid, member, title="Deploys", body="How?")
    first = forums.reply(tid, other, "Like this.")
    second = forums.reply(tid, other, "An aside about lunch.")
    page = f"{base(community)}/t/{tid}"
    mod = client_for(people["moderator"])

    html = text(mod.get(page))
    head = html[html.index('class="forum-topic-head"'):html.index("</header>", html.index('class="forum-topic-head"'))]
    menu = head[head.index('<details class="menu action-menu forum-moderate">'):]
    assert ">Moderate</summary>" in menu and ">Follow</button>" in head[:head.index("<details")]
    for action in ("pin", "lock", "move", "delete"):
        assert f'value="{action}"' in menu, action
    assert 'id="move-forum"' in menu and f'href="{page}?split=1">Split replies…</a>' in menu

    # Split mode: a checkbox per reply (none on the opening post) and the form, then the split.
    split = text(mod.get(page + "?split=1"))
    assert re.findall(r'name="posts" value="(\d+)" form="split-form"', split) == [str(first), str(second)]
    assert 'id="split-form"' in split and "Tick the replies" in split
    assert "Split replies…" not in split  # already in the mode
    missing = mod.post(f"{page}/split", data={"title": "Lunch"})  # nothing ticked: back to the mode
    assert missing.status_code == 302 and missing.headers["Location"].endswith(f"{page}?split=1")
    done = mod.post(f"{page}/split", data={"title": "Lunch", "posts": [str(second)]})
    assert done.status_code == 302 and "An aside about lunch." in text(mod.get(done.headers["Location"]))
    assert "An aside about lunch." not in text(mod.get(page))

    # The same in Chinese.
    mod.post("/settings/language", data={"language": "zh_Hans"})
    zh = text(mod.get(page, headers={"Accept-Language": "zh-CN"}))
    assert ">管理</summary>" in zh and "拆分回复…" in zh


def test_members_get_no_moderate_menu_and_no_split_mode(community, people, client_for, forums):
    owner, member, other = people["owner"], people["member"], people["other"]
    fid = forums.forum(community, owner)
    tid = forums.topic(fid, other, title="Deploys", body="How?")
    forums.reply(tid, other, "Like this.")
    page = f"{base(community)}/t/{tid}"
    reader = client_for(member)
    plain, asked = text(reader.get(page)), text(reader.get(page + "?split=1"))
    for html in (plain, asked):
        assert "forum-moderate" not in html and ">Moderate<" not in html and "Split replies" not in html
        assert 'name="posts"' not in html and 'id="split-form"' not in html and "Tick the replies" not in html
        assert 'value="pin"' not in html and 'value="hide"' not in html
    assert plain.count("<article") == asked.count("<article")
