"""Two submits of one topic or reply form racing (both miss the other's duplicate-submit token,
as under PostgreSQL's READ COMMITTED): the unique index refuses the second and that request answers
what the first stored: one topic, one reply, never a 500."""
from __future__ import annotations

from collab.extensions import db
from tests.blogs.test_idea_tokens import racing
from tests.forums.conftest import base
from tests.helpers import text


def test_racing_submits_of_one_reply_form_make_one_reply(app, community, people, client_for, forums, monkeypatch):
    from collab.accounts.models import User
    from forums import services
    from forums.models import ForumPost, ForumTopic

    fid = forums.forum(community, people["owner"])
    tid = forums.topic(fid, people["owner"])
    racing(monkeypatch, services, "clean_body", lambda body: services.reply(
        db.session.get(ForumTopic, tid), db.session.get(User, people["member"].id), body=body, token="tok-race-r01"))
    member = client_for(people["member"])
    r = member.post(f"{base(community)}/t/{tid}", data={"body": "Restart the canary first.", "token": "tok-race-r01"})
    assert r.status_code == 302
    assert text(member.get(f"{base(community)}/t/{tid}")).count("Restart the canary first.") == 1
    assert forums.count(ForumPost, topic_id=tid) == 2 and forums.get(ForumTopic, tid).reply_count == 1


def test_racing_submits_of_one_topic_form_make_one_topic(app, community, people, client_for, forums, monkeypatch):
    from collab.accounts.models import User
    from forums import services
    from forums.models import Forum, ForumTopic

    fid = forums.forum(community, people["owner"])
    racing(monkeypatch, services, "clean_tags", lambda tags: services.create_topic(
        db.session.get(Forum, fid), db.session.get(User, people["member"].id), title="Canary failed",
        body="What now?", tags=tags, token="tok-race-t01"))
    member = client_for(people["member"])
    r = member.post(f"{base(community)}/f/{fid}/new", data={"title": "Canary failed", "body": "What now?",
                                                           "token": "tok-race-t01"})
    assert r.status_code == 302
    assert forums.count(ForumTopic, forum_id=fid) == 1
    assert text(member.get(f"{base(community)}/f/{fid}")).count("Canary failed") == 1
