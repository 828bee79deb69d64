"""A moderator's typed text comes back with the reason, as an author's does, and nothing is stored:
an edit of someone's post whose topic was deleted meanwhile (a moderator's edit of a reply deleted
meanwhile already came back), a reason typed in the moderation queue for a post deleted meanwhile."""
from __future__ import annotations

from forums.models import ForumPost, ForumTopic
from tests.forums.conftest import base
from tests.helpers import text
from tests.moderation.conftest import flag, resolve

TYPED = "The moderator careful correction"


def test_moderators_edit_of_a_topic_deleted_meanwhile_gives_the_text_back(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"], title="A question", body="original opening")
    rid = forums.reply(tid, people["other"], "original reply")
    first = forums.get(ForumTopic, tid).first_post_id
    mod = client_for(people["moderator"])
    edits = ((rid, {"body": TYPED, "base": "-"}), (first, {"title": "A better title", "body": TYPED, "base": "-"}))
    for pid, _ in edits:
        assert mod.get(f"{base(community)}/p/{pid}/edit").status_code == 200
    r = client_for(people["owner"]).post(f"{base(community)}/t/{tid}/moderate", data={"action": "delete"})
    assert r.status_code == 302
    assert mod.get(f"{base(community)}/p/{rid}/edit").status_code == 403  # closed to edits, as to replies
    for pid, data in edits:
        r = mod.post(f"{base(community)}/p/{pid}/edit", data=data)
        assert r.status_code == 409, (pid, r.status_code)
        assert TYPED in text(r) and "This topic was deleted while you were editing a post in it" in text(r)
    assert forums.get(ForumPost, rid).body == "original reply"
    assert forums.get(ForumPost, first).body == "original opening"
    assert forums.get(ForumTopic, tid).title == "A question"


def test_a_reason_typed_in_the_queue_for_a_post_deleted_meanwhile_comes_back(community, people, client_for,
                                                                             forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"])
    rid = forums.reply(tid, people["member"], "an off-topic reply")
    assert flag(client_for(people["other"]), f"forum_post:{rid}").status_code == 302
    mod = client_for(people["moderator"])
    assert f"forum_post:{rid}" in text(mod.get(f"/c/{community.slug}/moderation/"))
    assert client_for(people["member"]).post(f"{base(community)}/p/{rid}/delete").status_code == 302
    for decision in ("hide", "delete"):
        r = resolve(mod, f"forum_post:{rid}", decision, reason=TYPED, next=f"/c/{community.slug}/moderation/")
        assert r.status_code == 409, (decision, r.status_code)
        page = text(r)
        assert TYPED in page and "This was deleted meanwhile, so your decision was not recorded." in page
    assert forums.get(ForumPost, rid).hidden_reason is None
