"""Editing and deleting blog and forum posts over the API: authors and moderators may, others get
403 (404 where they may not read), and an edit made from a stale read is refused with 409 and the
current text instead of overwriting someone else's change."""
from __future__ import annotations

from collab import audit
from collab.extensions import db
from tests.api.test_endpoints import world  # noqa: F401  (fixture)


def test_blog_post_edit_conflict_and_delete(app, world, api_as, client_for):  # noqa: F811
    owner, member, outsider, public, secret = world
    api = api_as(member)
    post = api.post("/communities/open-lab/blog/posts", json={"title": "Roadmap", "body": "Q1: search"}).json
    path = f"/communities/open-lab/blog/posts/{post['id']}"

    r = api.patch(path, json={"title": "Roadmap 2027", "body": "Q1: search\nQ2: chat", "tags": ["plans"],
                              "base_version": post["version"]})
    assert r.status_code == 200 and r.json["title"] == "Roadmap 2027" and r.json["status"] == "published"
    assert r.json["version"] != post["version"] and r.json["tags"] == ["plans"]
    # the owner (a moderator of the community) edits from the version they read before that change
    stale = api_as(owner).patch(path, json={"title": "Roadmap", "body": "Q1: search, fixed typo",
                                            "base_version": post["version"]})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    assert stale.json["error"]["details"]["current"]["body"] == "Q1: search\nQ2: chat"
    assert api.get(path).json["body"] == "Q1: search\nQ2: chat"  # nothing overwritten
    assert api.patch(path, json={"title": "", "body": "x"}).status_code == 422
    assert api_as(outsider).patch(path, json={"title": "Mine now"}).status_code == 403
    assert api_as(member, write=False).delete(path).status_code == 403
    assert api.patch(path, json={"title": "Roadmap 2027", "body": "Q1", "publish": False}).json["status"] == "draft"
    assert api_as(outsider).get(path).status_code == 404  # a draft is its author's

    assert api_as(outsider).delete(path).status_code == 404
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    assert "Roadmap" not in client_for(outsider).get("/c/open-lab/blog/").get_data(as_text=True)

    other = api.post("/communities/open-lab/blog/posts", json={"title": "Off topic", "body": "spam"}).json
    assert api_as(owner).delete(f"/communities/open-lab/blog/posts/{other['id']}").status_code == 204
    with app.app_context():
        actions = [e.action for e in db.session.scalars(audit.entries_query(community_id=public.id))]
    assert "blogs.delete_post" in actions  # a moderator's removal is in the audit log


def test_forum_post_edit_conflict_and_delete(app, world, api_as):  # noqa: F811
    from collab.accounts.models import User
    from communities.models import Community
    from forums import services

    owner, member, outsider, public, secret = world
    with app.app_context():
        forum_id = services.create_forum(db.session.get(Community, public.id), db.session.get(User, owner.id),
                                         name="Help").id
        db.session.commit()
    api = api_as(member)
    topic = api.post(f"/communities/open-lab/forums/{forum_id}/topics",
                     json={"title": "Deploy?", "body": "How do I deploy?"}).json
    opening = api.get(f"/communities/open-lab/topics/{topic['id']}/posts").json["items"][0]
    assert opening["edited_at"] is None
    path = f"/communities/open-lab/posts/{opening['id']}"

    r = api.patch(path, json={"body": "How do I deploy to staging?", "title": "Deploy to staging?",
                              "tags": ["ops"], "is_question": True, "base_edited_at": None})
    assert r.status_code == 200 and r.json["body"] == "How do I deploy to staging?" and r.json["edited_at"]
    t = api.get(f"/communities/open-lab/topics/{topic['id']}").json
    assert t["title"] == "Deploy to staging?" and t["tags"] == ["ops"] and t["is_question"]
    stale = api_as(owner).patch(path, json={"body": "Moderator's rewrite", "base_edited_at": None})
    assert stale.status_code == 409 and stale.json["error"]["details"]["current_body"] == "How do I deploy to staging?"
    ok = api_as(owner).patch(path, json={"body": "How do I deploy to staging? (edited)",
                                         "base_edited_at": r.json["edited_at"]})
    assert ok.status_code == 200
    assert api_as(outsider).patch(path, json={"body": "hijack"}).status_code == 403
    assert api.patch(path, json={"body": ""}).status_code == 422
    assert api_as(outsider).patch(f"/communities/skunkworks/posts/{opening['id']}",
                                  json={"body": "x"}).status_code == 404

    reply = api_as(outsider).post(f"/communities/open-lab/topics/{topic['id']}/posts", json={"body": "Use the CLI"})
    assert reply.status_code == 403  # outsiders of a public community read, members post
    reply = api_as(owner).post(f"/communities/open-lab/topics/{topic['id']}/posts", json={"body": "Use the CLI"}).json
    assert api.delete(f"/communities/open-lab/posts/{reply['id']}").status_code == 403  # not the author's
    assert api.delete(path.replace(str(opening["id"]), str(reply["id"]))).status_code == 403
    assert api_as(owner).delete(f"/communities/open-lab/posts/{reply['id']}").status_code == 204
    posts = api.get(f"/communities/open-lab/topics/{topic['id']}/posts").json["items"]
    assert [p["state"] for p in posts] == ["visible", "deleted"] and posts[1]["body"] is None
    assert api.delete(f"/communities/open-lab/posts/{reply['id']}").status_code == 404  # already gone
    # the author deletes the opening post: the topic is gone for members
    assert api.delete(path).status_code == 204
    assert api.get(f"/communities/open-lab/topics/{topic['id']}").status_code == 404
