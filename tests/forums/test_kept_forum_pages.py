"""A forum's topic list and a topic's posts are kept in the server process (forums/views._forum_body
and _posts_block, collab.fragments): whatever changes what they show must show at once, and each
reader keeps their own rights, likes, read position, language and tokens."""
from __future__ import annotations

import re

from tests.forums.conftest import base
from tests.helpers import text


def _row(listing: str, title: str) -> str:
    """The table row of the topic titled ``title``."""
    start = listing.index(f">{title}</a>")
    return listing[listing.rindex("<tr>", 0, start):listing.index("</tr>", start)]


def test_a_kept_topic_list_shows_each_change_at_once(community, people, client_for, forums):
    owner, member, other = people["owner"], people["member"], people["other"]
    fid = forums.forum(community, owner)
    tid = forums.topic(fid, other, title="Which port?", question=True, tags="ops")
    reader = client_for(member)
    listing_url = f"{base(community)}/f/{fid}"
    first = text(reader.get(listing_url))
    assert "Which port?" in first and ">Question<" in _row(first, "Which port?")
    assert text(reader.get(listing_url)).count(">Which port?</a>") == 1  # the kept copy, once

    # A new topic, a reply (its count), and the topic moving up.
    forums.topic(fid, owner, title="Second topic")
    forums.reply(tid, owner, "Port 8443.")
    after = text(reader.get(listing_url))
    assert after.index(">Which port?</a>") < after.index(">Second topic</a>")
    assert '<td class="num">1</td>' in _row(after, "Which port?")

    # The reader reads the topic; a later reply shows as "1 new" for them only.
    reader.get(f"{base(community)}/t/{tid}")
    assert "new</a>" not in _row(text(reader.get(listing_url)), "Which port?")
    answer = forums.reply(tid, people["moderator"], "No, 443.")
    assert "1 new</a>" in _row(text(reader.get(listing_url)), "Which port?")
    # The asker, with the same rights, read only their own opening post: two new for them.
    assert "2 new</a>" in _row(text(client_for(other).get(listing_url)), "Which port?")
    assert "new</a>" not in _row(text(client_for(people["outsider"]).get(listing_url)), "Which port?")

    # The author renames themselves; the asker accepts an answer.
    client_for(other).post("/settings/profile", data={"display_name": "Olga Other", "timezone": "", "title": ""})
    client_for(other).post(f"{base(community)}/t/{tid}/accept/{answer}")
    row = _row(text(reader.get(listing_url)), "Which port?")
    assert ">Olga Other</a>" in row and ">Answered<" in row and ">Question<" not in row

    # A filter and a tag each have their own kept page.
    assert "Second topic" not in text(reader.get(f"{listing_url}?tag=ops"))
    assert "No topics match this filter." in text(reader.get(f"{listing_url}?show=mine"))
    assert "Which port?" in text(reader.get(f"{listing_url}?show=answered"))
    assert "Which port?" not in text(reader.get(f"{listing_url}?show=unanswered"))


def test_a_kept_topic_page_shows_each_change_at_once(community, people, client_for, forums):
    owner, member, other = people["owner"], people["member"], people["other"]
    fid = forums.forum(community, owner)
    tid = forums.topic(fid, member, title="Deploys", question=True, body="How?")
    pid = forums.reply(tid, other, "Use the runbook v1.")
    reader = client_for(owner)
    page = f"{base(community)}/t/{tid}"
    assert "Use the runbook v1." in text(reader.get(page))
    assert text(reader.get(page)).count("Use the runbook v1.") == 1

    # An edit: the new text and the "edited" mark.
    assert client_for(other).post(f"{base(community)}/p/{pid}/edit", data={"body": "Use the runbook v2."}).status_code == 302
    now = text(reader.get(page))
    assert "Use the runbook v2." in now and "v1." not in now and "forum-edited" in now

    # A like by someone else moves the count the reader sees.
    client_for(member).post(f"{base(community)}/p/{pid}/like")
    assert '<span class="forum-like-count">1</span>' in text(reader.get(page))

    # The author renames themselves; the asker accepts the reply.
    client_for(other).post("/settings/profile", data={"display_name": "Olga Other", "timezone": "", "title": ""})
    client_for(member).post(f"{base(community)}/t/{tid}/accept/{pid}")
    now = text(reader.get(page))
    assert ">Olga Other</a>" in now and "Accepted answer by Olga Other" in now

    # A new reply answering it, then a moderator locks the topic: the Reply buttons go.
    forums.reply(tid, member, "Thanks!", reply_to=pid)
    now = text(reader.get(page))
    assert "Thanks!" in now and re.search(r"In reply to <a [^>]+>Olga Other #2</a>", now)
    assert "reply_to=" in now
    client_for(people["moderator"]).post(f"{base(community)}/t/{tid}/moderate", data={"action": "lock"})
    locked = text(reader.get(page))
    assert "reply_to=" not in locked and "This topic is locked" in locked

    # The reply is deleted by its author.
    client_for(other).post(f"{base(community)}/p/{pid}/delete")
    assert "This post was deleted." in text(reader.get(page))


def test_each_reader_keeps_their_rights_likes_position_language_and_tokens(
        community, people, client_for, forums, make_user):
    owner, member, other = people["owner"], people["member"], people["other"]
    newbie = make_user("newbie")
    as_newbie = client_for(newbie)
    assert as_newbie.post(f"/c/{community.slug}/join").status_code == 302  # a member with the same rights
    fid = forums.forum(community, owner)
    tid = forums.topic(fid, owner, title="Deploys", body="How?")
    pid = forums.reply(tid, other, "A reply.")
    page = f"{base(community)}/t/{tid}"
    as_member, as_outsider = client_for(member), client_for(people["outsider"])
    as_other, as_mod = client_for(other), client_for(people["moderator"])

    # Rights, read right after each other on the same page.
    m, o, a, d = (text(c.get(page)) for c in (as_member, as_outsider, as_other, as_mod))
    like_form = f'action="{base(community)}/p/{pid}/like"'
    assert like_form in m and like_form not in o and like_form not in a  # no likes of one's own post
    assert f"/p/{pid}/edit" in a and f"/p/{pid}/edit" not in m
    assert f"/p/{pid}/moderate" in d and f"/p/{pid}/moderate" not in m and 'id="split-form"' not in d
    # The split mode is the moderator's own kept page, and nothing for anyone else.
    assert 'id="split-form"' in text(as_mod.get(page + "?split=1")) and 'id="split-form"' not in text(as_mod.get(page))
    assert 'id="split-form"' not in m and 'id="split-form"' not in text(as_member.get(page + "?split=1"))

    # Likes are each reader's own (newbie has the member's rights, and has read as far).
    as_newbie.get(page)
    forums.reply(tid, other, "Newer.")
    as_member.post(f"{base(community)}/p/{pid}/like")
    assert 'aria-pressed="true"' in text(as_member.get(page))
    assert 'aria-pressed="true"' not in text(as_newbie.get(page))

    # The unread divider follows each reader's position: newbie read it all just now.
    as_member.get(page)
    forums.reply(tid, other, "Newest.")
    assert 'id="unread"' in text(as_member.get(page)) and 'id="unread"' in text(as_newbie.get(page))
    assert 'id="unread"' not in text(as_newbie.get(page))  # read now
    assert 'id="unread"' not in text(client_for(make_user("visitor")).get(page))  # a first visit: none

    # Language, the same reader alternating, then another; and the forms' tokens.
    zh = text(as_member.get(page, headers={"Accept-Language": "zh-CN"}))
    en = text(as_member.get(page, headers={"Accept-Language": "en"}))
    assert "回复" in zh and "Reply<" not in zh
    assert "Reply<" in en and "回复" not in en
    assert "回复" in text(as_newbie.get(page, headers={"Accept-Language": "zh-CN"}))
    tokens = set()
    for client in (as_member, as_newbie):
        html = text(client.get(page))
        tokens.update(re.findall(r'name="csrf_token" value="([^"]+)"', html))
        assert "\x00" not in html
    assert len(tokens) == 2  # each session's own CSRF token, in every kept form
