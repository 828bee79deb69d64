"""Every endpoint through the HTTP client: the happy path, and access for outsiders, members and
token scopes (a restricted community is 404 to non-members, as on the pages)."""
from __future__ import annotations

import pytest

from collab.extensions import db, socketio


@pytest.fixture
def world(make_user, make_community):
    """An owner, a member, an outsider; a public and a restricted community."""
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    public = make_community(owner, name="Open Lab", members=[member])
    secret = make_community(owner, name="Skunkworks", access="restricted", members=[member])
    return owner, member, outsider, public, secret


def _all_pages(api, path, limit=2):
    items, cursor, pages = [], None, 0
    while True:
        r = api.get(path, query_string={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.json
        items += r.json["items"]
        pages += 1
        cursor = r.json["next_cursor"]
        if not cursor:
            return items, pages


def test_communities_members_and_pagination(make_community, world, api_as):
    owner, member, outsider, public, secret = world
    for i in range(3):
        make_community(owner, name=f"Extra {i}")
    as_out, as_mem = api_as(outsider), api_as(member)
    slugs, pages = _all_pages(as_out, "/communities")
    assert pages == 2 and [c["slug"] for c in slugs] == ["open-lab", "extra-0", "extra-1", "extra-2"]
    member_view, _ = _all_pages(as_mem, "/communities", limit=100)
    assert {"open-lab", "skunkworks"} <= {c["slug"] for c in member_view}
    mine = as_mem.get("/communities?member=true").json["items"]
    assert [(c["slug"], c["my_role"]) for c in mine] == [("open-lab", "member"), ("skunkworks", "member")]
    # A restricted community does not exist for an outsider, in any endpoint.
    for path in ("/communities/skunkworks", "/communities/skunkworks/members", "/communities/skunkworks/wiki/pages",
                 "/communities/skunkworks/blog/posts", "/communities/skunkworks/forums",
                 "/communities/skunkworks/chat/rooms"):
        r = as_out.get(path)
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found", path
        assert as_mem.get(path).status_code == 200, path
    one = as_mem.get("/communities/skunkworks").json
    assert one["access"] == "restricted" and one["url"].endswith("/c/skunkworks/")
    people, _ = _all_pages(as_out, "/communities/open-lab/members", limit=1)
    assert [(p["user"]["username"], p["role"]) for p in people] == [("owner", "owner"), ("member", "member")]


def test_wiki_read_create_edit_merge_and_conflict(world, api_as):
    owner, member, outsider, public, secret = world
    api = api_as(member)
    r = api.post("/communities/open-lab/wiki/pages", json={"title": "Handbook", "body": "one\ntwo\nthree\n"})
    assert r.status_code == 201, r.json
    page = r.json
    assert page["revision"] == 1 and page["path"] == "handbook" and "<p>one" in page["html"]
    child = api.post("/communities/open-lab/wiki/pages", json={"title": "Setup", "parent_id": page["id"]}).json
    assert child["path"] == "handbook/setup"
    assert api.get("/communities/open-lab/wiki/pages?path=handbook/setup").json["items"][0]["id"] == child["id"]
    assert api.get(f"/communities/open-lab/wiki/pages/{page['id']}").json["body"] == "one\ntwo\nthree\n"
    # Edit from the current revision.
    url = f"/communities/open-lab/wiki/pages/{page['id']}"
    r = api.patch(url, json={"body": "ONE\ntwo\nthree\n", "base_revision": 1, "summary": "caps"})
    assert r.status_code == 200 and r.json["saved"] and not r.json["merged"] and r.json["page"]["revision"] == 2
    # From an older revision, not overlapping: merged.
    r = api.patch(url, json={"body": "one\ntwo\nTHREE\n", "base_revision": 1})
    assert r.status_code == 200 and r.json["merged"] and r.json["page"]["body"] == "ONE\ntwo\nTHREE\n"
    # Overlapping: 409 with the current revision; nothing saved.
    r = api.patch(url, json={"body": "uno\ntwo\nthree\n", "base_revision": 1})
    assert r.status_code == 409 and r.json["error"]["code"] == "conflict"
    details = r.json["error"]["details"]
    assert details["current_revision"] == 3 and details["current_body"] == "ONE\ntwo\nTHREE\n"
    assert "<<<<<<<" in details["merged_body"]
    assert api.get(url).json["revision"] == 3
    # Bad input: error objects naming the field; nothing saved.
    r = api.post("/communities/open-lab/wiki/pages", json={"title": "a/b"})
    assert r.status_code == 422 and r.json["error"]["field"] == "title"
    r = api.post("/communities/open-lab/wiki/pages", json={"title": "x", "colour": "red"})
    assert r.status_code == 422 and r.json["error"]["details"][0]["loc"] == ["body", "colour"]
    for bad in ("nul\x00here", "lone \ud800 surrogate"):  # PostgreSQL cannot store these: 422, never 500
        r = api.post("/communities/open-lab/wiki/pages", json={"title": bad})
        assert r.status_code == 422 and r.json["error"]["field"] == "title"
    r = api.post("/communities/open-lab/wiki/pages", data="title=x")
    assert r.status_code == 415
    r = api.post("/communities/open-lab/wiki/pages", data="{", content_type="application/json")
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_json"
    # Access: an outsider reads a public wiki but may not write; the restricted one is 404.
    out = api_as(outsider)
    assert out.get(url).status_code == 200
    assert out.patch(url, json={"body": "x", "base_revision": 3}).status_code == 403
    assert out.post("/communities/open-lab/wiki/pages", json={"title": "Mine"}).status_code == 403
    assert out.post("/communities/skunkworks/wiki/pages", json={"title": "Mine"}).status_code == 404
    assert api.get("/communities/open-lab/wiki/pages/999999").status_code == 404


def test_blog_posts(world, api_as):
    owner, member, outsider, public, secret = world
    api = api_as(member)
    r = api.post("/communities/open-lab/blog/posts", json={"title": "Launch", "body": "We *launched*.",
                                                            "tags": ["news", "Launch"], "client_token": "t-123456"})
    assert r.status_code == 201 and r.json["status"] == "published" and r.json["tags"] == ["news", "launch"]
    again = api.post("/communities/open-lab/blog/posts", json={"title": "Launch", "body": "We *launched*.",
                                                                "client_token": "t-123456"})
    assert again.json["id"] == r.json["id"]  # a double submit makes one post
    draft = api.post("/communities/open-lab/blog/posts", json={"title": "Draft", "publish": False}).json
    assert draft["status"] == "draft"
    out = api_as(outsider)
    listed = out.get("/communities/open-lab/blog/posts").json["items"]
    assert [p["title"] for p in listed] == ["Launch"]
    assert out.get(f"/communities/open-lab/blog/posts/{r.json['id']}").json["html"].count("<em>launched</em>") == 1
    assert out.get(f"/communities/open-lab/blog/posts/{draft['id']}").status_code == 404
    assert api.get(f"/communities/open-lab/blog/posts/{draft['id']}").status_code == 200
    assert out.post("/communities/open-lab/blog/posts", json={"title": "Hi"}).status_code == 403
    assert api_as(member, write=False).post("/communities/open-lab/blog/posts", json={"title": "Hi"}).status_code == 403


def test_forums_topics_and_replies(app, world, api_as):
    from collab.accounts.models import User
    from communities.models import Community
    from forums import services

    owner, member, outsider, public, secret = world
    with app.app_context():
        forum_id = services.create_forum(db.session.get(Community, public.id), db.session.get(User, owner.id),
                                         name="Help").id
        db.session.commit()
    api = api_as(member)
    assert [f["name"] for f in api.get("/communities/open-lab/forums").json["items"]] == ["Help"]
    r = api.post(f"/communities/open-lab/forums/{forum_id}/topics",
                 json={"title": "How to deploy?", "body": "Steps please", "is_question": True, "tags": ["ops"],
                       "client_token": "topic-token-1"})
    assert r.status_code == 201 and r.json["is_question"] and r.json["tags"] == ["ops"]
    topic = r.json
    again = api.post(f"/communities/open-lab/forums/{forum_id}/topics",
                     json={"title": "How to deploy?", "body": "Steps please", "client_token": "topic-token-1"})
    assert again.json["id"] == topic["id"]
    # The same token for something else is refused: never answered with the first topic as if made.
    reused = api.post(f"/communities/open-lab/topics/{topic['id']}/posts",
                      json={"body": "A reply", "client_token": "topic-token-1"})
    assert reused.status_code == 409 and "already sent" in reused.json["error"]["message"]
    owner_api = api_as(owner)
    reply = owner_api.post(f"/communities/open-lab/topics/{topic['id']}/posts", json={"body": "Read the **docs**"})
    assert reply.status_code == 201 and reply.json["number"] == 2 and "<strong>docs</strong>" in reply.json["html"]
    for i in range(3):
        api.post(f"/communities/open-lab/topics/{topic['id']}/posts", json={"body": f"thanks {i}"})
    posts, pages = _all_pages(api, f"/communities/open-lab/topics/{topic['id']}/posts")
    assert [p["number"] for p in posts] == [1, 2, 3, 4, 5] and pages == 3
    assert api.get(f"/communities/open-lab/topics/{topic['id']}").json["reply_count"] == 4
    assert [t["id"] for t in api.get(f"/communities/open-lab/forums/{forum_id}/topics").json["items"]] == [topic["id"]]
    r = api.post(f"/communities/open-lab/topics/{topic['id']}/posts", json={"body": "x", "reply_to_id": 999999})
    assert r.status_code == 422
    out = api_as(outsider)
    assert out.get(f"/communities/open-lab/topics/{topic['id']}/posts").status_code == 200
    r = out.post(f"/communities/open-lab/topics/{topic['id']}/posts", json={"body": "let me in"})
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"
    assert out.get(f"/communities/skunkworks/topics/{topic['id']}").status_code == 404
    assert api.get(f"/communities/open-lab/forums/{forum_id + 100}/topics").status_code == 404


def test_chat_message_reaches_live_clients_and_follows_the_delivery_contract(app, world, api_as, client_for):
    owner, member, outsider, public, secret = world
    api = api_as(member)
    rooms = api.get("/communities/open-lab/chat/rooms").json["items"]
    assert [r["name"] for r in rooms] == ["general"]
    room = rooms[0]["id"]
    watcher = socketio.test_client(app, namespace="/chat", flask_test_client=client_for(owner))
    try:
        assert watcher.emit("join", {"room": room}, namespace="/chat", callback=True)["ok"]
        watcher.get_received("/chat")
        r = api.post(f"/communities/open-lab/chat/rooms/{room}/messages", json={"body": "hello @owner", "client_id": "api-1"})
        assert r.status_code == 201 and r.json["seq"] == 1 and not r.json["duplicate"]
        live = [e["args"][0] for e in watcher.get_received("/chat") if e["name"] == "new_message"]
        assert [(m["seq"], m["body"], m["sender"]["username"]) for m in live] == [(1, "hello @owner", "member")]
        retry = api.post(f"/communities/open-lab/chat/rooms/{room}/messages", json={"body": "hello @owner", "client_id": "api-1"})
        assert retry.json["id"] == r.json["id"] and retry.json["duplicate"]
        assert not [e for e in watcher.get_received("/chat") if e["name"] == "new_message"]  # not shown twice
        # A message from the page's socket and the API share one sequence.
        ack = watcher.emit("send", {"room": room, "body": "from the page", "client_id": "page-1"}, namespace="/chat",
                           callback=True)
        assert ack["seq"] == 2
    finally:
        watcher.disconnect(namespace="/chat")
    listed = api.get(f"/communities/open-lab/chat/rooms/{room}/messages").json
    assert [m["seq"] for m in listed["items"]] == [1, 2] and listed["next_cursor"] is None
    assert [m["seq"] for m in api.get(f"/communities/open-lab/chat/rooms/{room}/messages?after=1").json["items"]] == [2]
    # The owner was mentioned: a notification, readable and markable through the API.
    owner_api = api_as(owner)
    notes = owner_api.get("/notifications?unread=true").json["items"]
    assert [n["kind"] for n in notes] == ["mention"] and notes[0]["actor"]["username"] == "member"
    marked = owner_api.post(f"/notifications/{notes[0]['id']}/read")
    assert marked.status_code == 200 and marked.json["read_at"]
    assert owner_api.get("/notifications?unread=true").json["items"] == []
    assert api.post(f"/notifications/{notes[0]['id']}/read").status_code == 404  # not someone else's
    assert owner_api.post("/notifications/read-all").json == {"marked": 0}
    out = api_as(outsider)
    r = out.post(f"/communities/open-lab/chat/rooms/{room}/messages", json={"body": "hi", "client_id": "x1"})
    assert r.status_code == 403
    assert out.get(f"/communities/skunkworks/chat/rooms/{room}/messages").status_code == 404
    r = api.post(f"/communities/open-lab/chat/rooms/{room}/messages", json={"body": "  ", "client_id": "x2"})
    assert r.status_code == 422


def test_search_shows_only_what_the_token_owner_may_read(app, world, api_as):
    from collab.search import flush

    owner, member, outsider, public, secret = world
    api = api_as(member)
    api.post("/communities/open-lab/wiki/pages", json={"title": "Kubernetes guide", "body": "kubernetes basics"})
    api.post("/communities/skunkworks/wiki/pages", json={"title": "Kubernetes secrets", "body": "kubernetes plans"})
    with app.app_context():
        flush(app)
    titles = {h["title"] for h in api.get("/search?q=kubernetes").json["items"]}
    assert titles == {"Kubernetes guide", "Kubernetes secrets"}
    r = api_as(outsider).get("/search?q=kubernetes").json
    assert [h["title"] for h in r["items"]] == ["Kubernetes guide"] and r["total"] == 1
    assert r["items"][0]["url"].startswith("http://localhost/c/open-lab/wiki/")
    assert api_as(outsider).get("/search?q=kubernetes&community=skunkworks").status_code == 404
    assert [h["title"] for h in api.get("/search?q=kubernetes&community=skunkworks").json["items"]] == ["Kubernetes secrets"]
    assert api.get("/search").status_code == 422


@pytest.mark.app_config(API_RATE_LIMIT="3 per minute")
def test_rate_limit_headers_and_429(make_user, api_as):
    api = api_as(make_user())
    first = api.get("/me")
    assert first.headers["X-RateLimit-Limit"] == "3" and first.headers["X-RateLimit-Remaining"] == "2"
    assert int(first.headers["X-RateLimit-Reset"]) > 0
    api.get("/me"), api.get("/me")
    r = api.get("/me")
    assert r.status_code == 429 and r.json["error"]["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) > 0 and r.headers["X-RateLimit-Remaining"] == "0"
    # Another token has its own budget.
    assert api_as(make_user()).get("/me").status_code == 200
