"""A reply or an edit whose topic or post was deleted, hidden, locked or moved while it was being
written: the person gets their text back with the reason (nothing stored); someone who could never
have written it still gets 404 or 403 and learns nothing."""
from __future__ import annotations

import re

from forums.models import ForumPost, ForumTopic
from tests.forums.conftest import base
from tests.helpers import text

TYPED = "My long reply that I typed with care"


def _moderate(client, community, what, pk, action):
    r = client.post(f"{base(community)}/{what}/{pk}/moderate", data={"action": action})
    assert r.status_code == 302, r.status_code


def test_reply_to_a_topic_deleted_meanwhile_gives_the_text_back(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"], title="Secret plans", body="The opening words")
    member = client_for(people["member"])
    assert member.get(f"{base(community)}/t/{tid}").status_code == 200
    _moderate(client_for(people["moderator"]), community, "t", tid, "delete")
    r = member.post(f"{base(community)}/t/{tid}", data={"body": TYPED, "token": "tok-kept-00001"})
    assert r.status_code == 409
    page = text(r)
    assert TYPED in page and "This topic was deleted; replies are closed." in page
    assert "Secret plans" not in page and "The opening words" not in page  # the topic stays unseen
    assert forums.count(ForumPost, topic_id=tid) == 1


def test_who_could_not_reply_still_gets_404(community, people, client_for, forums, make_user):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"])
    _moderate(client_for(people["moderator"]), community, "t", tid, "delete")
    r = client_for(people["outsider"]).post(f"{base(community)}/t/{tid}", data={"body": TYPED})
    assert r.status_code == 404 and TYPED not in text(r)
    # a topic waiting for approval that the member never saw, then deleted: 404 too
    owner = client_for(people["owner"])
    assert owner.post(f"/c/{community.slug}/moderation/settings", data={"premoderation": "1"}).status_code == 302
    newbie = make_user("newbie")
    assert client_for(newbie).post(f"/c/{community.slug}/join").status_code == 302
    pending = forums.topic(fid, newbie, title="Waiting topic")
    _moderate(client_for(people["moderator"]), community, "t", pending, "delete")
    r = client_for(people["member"]).post(f"{base(community)}/t/{pending}", data={"body": TYPED})
    assert r.status_code == 404 and TYPED not in text(r)


def test_a_moderator_keeps_the_reply_to_a_topic_deleted_meanwhile(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"])
    mod = client_for(people["moderator"])
    _moderate(client_for(people["owner"]), community, "t", tid, "delete")
    r = mod.post(f"{base(community)}/t/{tid}", data={"body": TYPED})
    assert r.status_code == 409 and TYPED in text(r)
    assert forums.count(ForumPost, topic_id=tid) == 1


def test_reply_to_a_topic_locked_meanwhile_keeps_the_text(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"])
    _moderate(client_for(people["moderator"]), community, "t", tid, "lock")
    r = client_for(people["member"]).post(f"{base(community)}/t/{tid}", data={"body": TYPED})
    assert r.status_code == 409 and TYPED in text(r) and "This topic is locked" in text(r)
    assert forums.count(ForumPost, topic_id=tid) == 1


def test_reply_to_a_post_deleted_meanwhile_keeps_the_text(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"])
    rid = forums.reply(tid, people["other"], "the post answered")
    assert client_for(people["other"]).post(f"{base(community)}/p/{rid}/delete").status_code == 302
    member = client_for(people["member"])
    r = member.post(f"{base(community)}/t/{tid}", data={"body": TYPED, "reply_to": str(rid)})
    assert r.status_code == 409 and TYPED in text(r)
    assert "your reply was not posted" in text(r)
    assert forums.count(ForumPost, topic_id=tid) == 2
    # sent again, the form as shown no longer points at the deleted post: a reply to the topic
    sent = re.search(r'name="reply_to" type="hidden" value="([^"]*)"', text(r))
    assert sent and sent.group(1) == ""
    r = member.post(f"{base(community)}/t/{tid}", data={"body": TYPED, "reply_to": sent.group(1)})
    assert r.status_code == 302 and forums.count(ForumPost, topic_id=tid, body=TYPED) == 1


def test_reply_to_a_topic_moved_or_with_its_opening_hidden_is_stored(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    other = forums.forum(community, people["owner"], name="Elsewhere")
    tid = forums.topic(fid, people["owner"])
    mod = client_for(people["moderator"])
    assert mod.post(f"{base(community)}/t/{tid}/moderate", data={"action": "move", "forum": other}).status_code == 302
    _moderate(mod, community, "p", forums.get(ForumTopic, tid).first_post_id, "hide")
    r = client_for(people["member"]).post(f"{base(community)}/t/{tid}", data={"body": TYPED})
    assert r.status_code == 302
    assert forums.count(ForumPost, topic_id=tid, body=TYPED) == 1


def test_edit_of_ones_post_hidden_meanwhile_gives_the_form_back(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"])
    rid = forums.reply(tid, people["member"], "original reply")
    member = client_for(people["member"])
    assert member.get(f"{base(community)}/p/{rid}/edit").status_code == 200
    _moderate(client_for(people["moderator"]), community, "p", rid, "hide")
    r = member.post(f"{base(community)}/p/{rid}/edit", data={"body": "my careful edit", "base": "-"})
    assert r.status_code == 409
    assert "my careful edit" in text(r) and "A moderator hid this post while you were editing it" in text(r)
    assert forums.get(ForumPost, rid).body == "original reply"
    # someone else's post: 403 as before, nothing shown back
    r = client_for(people["other"]).post(f"{base(community)}/p/{rid}/edit", data={"body": "not mine", "base": "-"})
    assert r.status_code == 403 and "not mine" not in text(r)


def test_edit_of_ones_post_deleted_meanwhile_gives_the_form_back(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"])
    rid = forums.reply(tid, people["member"], "original reply")
    assert client_for(people["moderator"]).post(f"{base(community)}/p/{rid}/delete").status_code == 302
    r = client_for(people["member"]).post(f"{base(community)}/p/{rid}/edit", data={"body": "my careful edit"})
    assert r.status_code == 409 and "my careful edit" in text(r) and "This post was deleted while" in text(r)
    assert forums.get(ForumPost, rid).body == "original reply"


def test_edit_in_a_topic_deleted_meanwhile_gives_the_text_back(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"], title="My question", body="original opening")
    first = forums.get(ForumTopic, tid).first_post_id
    _moderate(client_for(people["moderator"]), community, "t", tid, "delete")
    r = client_for(people["member"]).post(f"{base(community)}/p/{first}/edit",
                                          data={"title": "My better title", "body": "my careful edit"})
    assert r.status_code == 409
    page = text(r)
    assert "My better title" in page and "my careful edit" in page and "This topic was deleted while" in page
    assert "original opening" not in page
    assert forums.get(ForumPost, first).body == "original opening"
    r = client_for(people["other"]).post(f"{base(community)}/p/{first}/edit", data={"body": "not mine"})
    assert r.status_code == 404 and "not mine" not in text(r)

