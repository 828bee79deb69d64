"""Bad input and edge cases: script in every text field, replies after leaving a community, to a
locked topic; restricted forums stay invisible in search."""
from __future__ import annotations

from forums.models import ForumPost
from tests.forums.conftest import base
from tests.helpers import assert_no_active_content, text

XSS = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '[click](javascript:alert(1))',
    '<a href="javascript:alert(1)">x</a>',
    '"><svg onload=alert(1)>',
    "<iframe src=//evil></iframe>",
    "' OR 1=1; DROP TABLE forum_posts; --",
]


def test_script_in_every_text_field_never_runs(community, people, client_for, forums):
    owner = client_for(people["owner"])
    for payload in XSS:
        r = owner.post(f"{base(community)}/new-forum", data={"name": payload[:90], "description": payload})
        assert r.status_code == 302
    fid = forums.forum(community, people["owner"], "Plain")
    member = client_for(people["member"])
    tids = []
    for n, payload in enumerate(XSS):
        r = member.post(f"{base(community)}/f/{fid}/new", data={
            "title": payload, "body": payload, "tags": payload, "is_question": "y", "token": f"tok-xss-{n:05d}"})
        assert r.status_code == 302, text(r)[:500]
        tids.append(int(r.headers["Location"].rsplit("/", 1)[1]))
    other = client_for(people["other"])
    for n, tid in enumerate(tids):
        other.post(f"{base(community)}/t/{tid}", data={"body": XSS[n], "token": f"tok-xssr-{n:05d}"})
    pid = forums.reply(tids[0], people["other"], "target")
    assert member.post("/moderation/flag", data={"key": f"forum_post:{pid}", "reason": "other",
                                                 "details": XSS[0]}).status_code == 302
    mod = client_for(people["moderator"])
    pages = [f"{base(community)}/", f"{base(community)}/f/{fid}", f"/c/{community.slug}/moderation/",
             f"{base(community)}/f/{fid}?tag=" + XSS[0]]
    pages += [f"{base(community)}/t/{tid}" for tid in tids]
    for url in pages:
        body = text(mod.get(url))
        assert_no_active_content(body)
        assert "<script>alert" not in body
    assert forums.count(ForumPost) >= len(XSS) * 2  # the SQL-looking text is stored as text
    similar = other.get(f"{base(community)}/similar?title=" + XSS[6]).get_json()
    assert isinstance(similar, list)


def test_no_reply_after_leaving_the_community(community, people, client_for, forums, make_community):
    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"])
    leaver = client_for(people["other"])
    leaver.post(f"/c/{community.slug}/leave")
    r = leaver.post(f"{base(community)}/t/{tid}", data={"body": "still here?", "token": "tok-left-00001"})
    assert r.status_code == 403 and "Join it first" in text(r) and "still here?" in text(r)
    assert forums.count(ForumPost, topic_id=tid) == 1
    # In a restricted community, leaving makes the forums disappear altogether.
    secret = make_community(people["owner"], name="Vault", access="restricted", members=[people["member"]])
    sfid = forums.forum(secret, people["owner"])
    stid = forums.topic(sfid, people["member"])
    member = client_for(people["member"])
    member.post(f"/c/{secret.slug}/leave")
    assert member.post(f"/c/{secret.slug}/forums/t/{stid}", data={"body": "x"}).status_code == 404
    assert member.get(f"/c/{secret.slug}/forums/t/{stid}").status_code == 404


def test_search_finds_forum_posts_only_for_readers(app, make_user, make_community, forums, index_now, find,
                                                  client_for):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    secret = make_community(owner, name="Vault", access="restricted", members=[member])
    open_ = make_community(owner, name="Agora", access="public", members=[member])
    sf, of = forums.forum(secret, owner), forums.forum(open_, owner)
    st = forums.topic(sf, owner, title="Quokka rollout", body="the quokka plan", tags="zoo")
    ot = forums.topic(of, owner, title="Quokka care", body="feeding")
    reply = forums.reply(ot, member, "quokka sleep schedule")
    index_now()
    titles, body = find(member, "quokka")
    assert set(titles) == {"Quokka rollout", "Quokka care"}
    assert f"/c/agora/forums/p/{reply}" in body and f"/c/vault/forums/t/{st}" in body
    assert set(find(outsider, "quokka")[0]) == {"Quokka care"}
    assert find(member, "type:forums tag:zoo")[0] == ["Quokka rollout"]
    # A deleted reply leaves the index; a renamed topic is found under its new title.
    client_for(member).post(f"/c/agora/forums/p/{reply}/delete")
    first = forums.get(__import__("forums.models", fromlist=["ForumTopic"]).ForumTopic, ot).first_post_id
    client_for(owner).post(f"/c/agora/forums/p/{first}/edit", data={"title": "Wombat care", "body": "feeding"})
    index_now()
    titles, body = find(member, "sleep schedule")
    assert titles == []
    assert find(member, "wombat")[0] == ["Wombat care"]
