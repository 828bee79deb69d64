"""Moderators: pin, lock, move, hide/restore/delete, split; flags through the one moderation queue."""
from __future__ import annotations

from forums.models import ForumPost, ForumTopic
from tests.forums.conftest import base
from tests.helpers import text


def test_pin_keeps_a_topic_on_top_and_lock_stops_replies(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    old = forums.topic(fid, people["member"], title="Old rules")
    forums.topic(fid, people["member"], title="Newer chat")
    mod = client_for(people["moderator"])
    mod.post(f"{base(community)}/t/{old}/moderate", data={"action": "pin"})
    listing = text(mod.get(f"{base(community)}/f/{fid}"))
    assert listing.index("Old rules") < listing.index("Newer chat") and "Pinned" in listing
    mod.post(f"{base(community)}/t/{old}/moderate", data={"action": "lock"})
    member = client_for(people["member"])
    page = text(member.get(f"{base(community)}/t/{old}"))
    assert "This topic is locked" in page and 'name="body"' not in page
    r = member.post(f"{base(community)}/t/{old}", data={"body": "let me in", "token": "tok-locked-001"})
    assert r.status_code == 409 and "locked" in text(r) and "let me in" in text(r)
    assert forums.count(ForumPost, topic_id=old) == 1
    mod.post(f"{base(community)}/t/{old}/moderate", data={"action": "unlock"})
    assert member.post(f"{base(community)}/t/{old}", data={"body": "now", "token": "tok-locked-002"}).status_code == 302


def test_move_a_topic_to_another_forum_of_the_same_community(community, people, client_for, forums, make_community):
    a = forums.forum(community, people["owner"], "A")
    b = forums.forum(community, people["owner"], "B")
    elsewhere = make_community(people["owner"], name="Elsewhere")
    foreign = forums.forum(elsewhere, people["owner"], "Foreign")
    tid = forums.topic(a, people["member"], title="Wandering topic", tags="roam")
    mod = client_for(people["moderator"])
    mod.post(f"{base(community)}/t/{tid}/moderate", data={"action": "move", "forum": str(foreign)})
    assert forums.get(ForumTopic, tid).forum_id == a
    mod.post(f"{base(community)}/t/{tid}/moderate", data={"action": "move", "forum": str(b)})
    assert forums.get(ForumTopic, tid).forum_id == b
    assert "Wandering topic" in text(mod.get(f"{base(community)}/f/{b}?tag=roam"))
    assert "Wandering topic" not in text(mod.get(f"{base(community)}/f/{a}"))


def test_hide_restore_and_delete_posts(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"])
    pid = forums.reply(tid, people["other"], "Borderline remark")
    mod = client_for(people["moderator"])
    mod.post(f"{base(community)}/p/{pid}/moderate", data={"action": "hide"})
    member = client_for(people["member"])
    page = text(member.get(f"{base(community)}/t/{tid}"))
    assert "Borderline remark" not in page and "hidden by a moderator" in page
    assert "Borderline remark" in text(mod.get(f"{base(community)}/t/{tid}"))
    mod.post(f"{base(community)}/p/{pid}/moderate", data={"action": "restore"})
    assert "Borderline remark" in text(member.get(f"{base(community)}/t/{tid}"))
    mod.post(f"{base(community)}/p/{pid}/delete")
    assert forums.get(ForumPost, pid).is_deleted
    mod.post(f"{base(community)}/p/{pid}/moderate", data={"action": "restore"})
    assert not forums.get(ForumPost, pid).is_deleted
    # Deleting a topic hides it from everyone but moderators, who can restore it.
    mod.post(f"{base(community)}/t/{tid}/moderate", data={"action": "delete"})
    assert member.get(f"{base(community)}/t/{tid}").status_code == 404
    assert mod.get(f"{base(community)}/t/{tid}").status_code == 200
    mod.post(f"{base(community)}/t/{tid}/moderate", data={"action": "restore"})
    assert member.get(f"{base(community)}/t/{tid}").status_code == 200


def test_split_replies_into_a_new_topic(community, people, client_for, forums):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"], title="Mixed thread")
    keep = forums.reply(tid, people["other"], "On topic")
    off1 = forums.reply(tid, people["other"], "Tangent one")
    off2 = forums.reply(tid, people["member"], "Tangent two", reply_to=off1)
    mod = client_for(people["moderator"])
    r = mod.post(f"{base(community)}/t/{tid}/split", data={"posts": [str(off1), str(off2)], "title": "The tangent"})
    new_id = int(r.headers["Location"].rsplit("/", 1)[1])
    new = forums.get(ForumTopic, new_id)
    assert new.title == "The tangent" and new.reply_count == 1 and new.first_post_id == off1
    assert [forums.get(ForumPost, p).number for p in (off1, off2)] == [1, 2]
    assert forums.get(ForumPost, off2).reply_to_id == off1
    old = forums.get(ForumTopic, tid)
    assert old.reply_count == 1 and forums.get(ForumPost, keep).topic_id == tid
    page = text(mod.get(f"{base(community)}/t/{new_id}"))
    assert "Tangent one" in page and "Tangent two" in page and "On topic" not in page
    # Nothing chosen: a clear message, nothing changes.
    r = mod.post(f"{base(community)}/t/{tid}/split", data={"title": "Nothing"}, follow_redirects=True)
    assert "Choose the replies" in text(r)
    # A deleted reply cannot open a topic (it would be a live topic without a readable opening).
    gone = forums.reply(tid, people["other"], "Deleted soon")
    assert client_for(people["other"]).post(f"{base(community)}/p/{gone}/delete").status_code == 302
    r = mod.post(f"{base(community)}/t/{tid}/split", data={"posts": [str(gone)], "title": "Odd"},
                 follow_redirects=True)
    assert "The first reply you move opens the new topic" in text(r)
    assert forums.get(ForumPost, gone).topic_id == tid


def test_three_flags_hide_a_post_until_reviewed_and_the_queue_resolves_them(
        community, people, client_for, forums, make_user):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["member"])
    pid = forums.reply(tid, people["other"], "Buy cheap watches")
    key = f"forum_post:{pid}"

    def flag(c, **data):
        return c.post("/moderation/flag", data={"key": key, **data})

    flaggers = [client_for(people["member"]), client_for(people["owner"]), client_for(make_user("passerby"))]
    # the post's Flag link leads to the one queue's form (the old address still works)
    topic_page = text(flaggers[0].get(f"{base(community)}/t/{tid}"))
    assert f"/moderation/flag?key=forum_post:{pid}" in topic_page
    assert flaggers[0].get(f"{base(community)}/p/{pid}/flag").headers["Location"].startswith("/moderation/flag?")
    r = flag(flaggers[0], reason="other", details="")
    assert r.status_code == 400 and "Say what is wrong" in text(r)
    flag(flaggers[0], reason="spam")
    flag(flaggers[0], reason="spam")  # the same person again: one flag
    flag(flaggers[1], reason="offensive", details="<b>rude</b>")
    assert not forums.get(ForumPost, pid).hidden_reason
    mod = client_for(people["moderator"])
    queue = text(mod.get(f"/c/{community.slug}/moderation/"))
    assert "Buy cheap watches" in queue and "Spam or advertising" in queue and "&lt;b&gt;rude&lt;/b&gt;" in queue
    assert 'data-testid="flag-count">1<' in text(mod.get(f"{base(community)}/"))
    flag(flaggers[2], reason="spam")  # not a member, can still flag
    post = forums.get(ForumPost, pid)
    assert post.hidden_reason == "flags"
    reader = client_for(people["member"])
    assert "Buy cheap watches" not in text(reader.get(f"{base(community)}/t/{tid}"))
    # Keep: shown again, flags closed.
    assert mod.post("/moderation/resolve", data={"key": key, "decision": "keep"}).status_code == 302
    assert forums.get(ForumPost, pid).hidden_reason is None
    assert "Nothing to review" in text(mod.get(f"/c/{community.slug}/moderation/"))
    assert "Buy cheap watches" in text(reader.get(f"{base(community)}/t/{tid}"))
    # A new flag by someone else, then hide from the queue.
    flag(client_for(make_user("another")), reason="spam")
    mod.post("/moderation/resolve", data={"key": key, "decision": "hide", "reason": "Advertising"})
    assert forums.get(ForumPost, pid).hidden_reason == "moderator"
    assert "Buy cheap watches" not in text(reader.get(f"{base(community)}/t/{tid}"))
    # Members cannot see the queue; nobody flags their own post.
    assert reader.get(f"{base(community)}/moderation").status_code == 403
    assert reader.get(f"/c/{community.slug}/moderation/").status_code == 403
    r = flag(client_for(people["other"]), reason="spam")
    assert r.status_code == 400 and "what you wrote yourself" in text(r)



def test_a_deleted_topic_leaves_no_line_behind_split_off_replies_and_likes_included(app, make_user, make_community,
                                                                                     client_for):
    from collab.accounts.models import User
    from collab.extensions import db
    from communities.models import Community
    from forums import moderation, services

    def run(fn):
        with app.test_request_context("/", method="POST"):
            out = fn()
            db.session.commit()
            return out

    own, bo, cy, reader = make_user("own"), make_user("bo"), make_user("cy"), make_user("reader")
    c = make_community(own, name="Facilities", access="public", members=[bo, cy])

    def u(person):
        return db.session.get(User, person.id)

    forum = run(lambda: services.create_forum(db.session.get(Community, c.id), u(own), name="General").id)
    topic = run(lambda: services.create_topic(db.session.get(services.Forum, forum), u(bo), title="Printer broken",
                                              body="The third floor printer jams.").id)
    reply = run(lambda: services.reply(db.session.get(ForumTopic, topic), u(cy),
                                       body="Off topic: the VPN key is Hunter2-Winter").id)
    run(lambda: services.toggle_like(db.session.get(ForumPost, db.session.get(ForumTopic, topic).first_post_id), u(cy)))
    watcher = client_for(reader)
    assert "Hunter2-Winter" in text(watcher.get("/u/cy")) and "Printer broken" in text(watcher.get("/u/cy"))

    # A moderator splits the reply off into a topic of its own, then deletes that topic.
    split = run(lambda: moderation.split_topic(db.session.get(ForumTopic, topic), u(own), [reply], "Split off").id)
    run(lambda: moderation.delete_topic(db.session.get(ForumTopic, split), u(own)))
    assert watcher.get(f"/c/{c.slug}/forums/p/{reply}").status_code == 404
    for url in (f"/c/{c.slug}/", "/u/cy", "/"):
        assert "Hunter2-Winter" not in text(watcher.get(url)), url
    # Deleting the first topic takes its likes' lines ("cy liked Printer broken") too.
    run(lambda: moderation.delete_topic(db.session.get(ForumTopic, topic), u(own)))
    for url in (f"/c/{c.slug}/", "/u/cy"):
        assert "Printer broken" not in text(watcher.get(url)), url
