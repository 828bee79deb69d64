"""The access matrix for every blog route: anonymous, non-member, member, moderator, owner and
admin on public, moderated and restricted communities. A restricted community's blog answers 404
to non-members everywhere, feeds and images included."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from collab.extensions import db
from tests.blogs.conftest import post_id, write
from tests.helpers import text

ACCESS = ["public", "moderated", "restricted"]
ROLES = ["anonymous", "outsider", "member", "moderator", "owner", "admin"]


def png_bytes(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(app, make_user, make_community, admin_user, client_for, access):
    """The people, their feed tokens, and the community of the access the test is for (built alone:
    the test reads no other)."""
    owner, moderator, member, outsider = (make_user(n) for n in ("owner", "moder", "member", "outsider"))
    people = {"owner": owner, "moderator": moderator, "member": member, "outsider": outsider,
              "admin": admin_user, "anonymous": None}
    made = {}
    for access in [access]:
        c = make_community(owner, name=f"{access.title()} Place", access=access, members=[member],
                           moderators=[moderator])
        base = f"/c/{c.slug}/blog/"
        o, m = client_for(owner), client_for(member)
        r = o.post(base + "new", data={"title": "Draft with image", "body": "", "action": "upload",
                                       "image": (io.BytesIO(png_bytes()), "red.png")},
                   content_type="multipart/form-data")
        image = int(re.search(r"/blog/images/(\d+)", text(r)).group(1))
        pid = post_id(write(o, base, title=f"{access} news", body=f"![red]({base}images/{image})"))
        r = m.post(base + f"{pid}/comments", data={"body": "A comment"})
        cid = int(r.headers["Location"].rsplit("comment-", 1)[1])
        r = o.post(base + "ideas/new", data={"title": "Campaign", "description": ""})
        camp = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        r = m.post(base + f"ideas/{camp}/ideas", data={"title": "Idea", "body": ""})
        idea = int(re.search(r"/idea/(\d+)", r.headers["Location"]).group(1))
        made[access] = (c, base, pid, cid, camp, idea, image)
    tokens = {}
    for role, person in people.items():
        if person is not None:
            cl = client_for(person)
            cl.post("/blog/feed-token", data={"next": "/"})
            from blogs.models import BlogFeedToken

            with app.app_context():
                tokens[role] = db.session.get(BlogFeedToken, person.id).token
    return people, made, tokens


def expected(route: str, access: str, role: str) -> int:
    """Written from the rules, not from the code."""
    is_member = role in ("member", "moderator", "owner")
    sees = role == "admin" or is_member or (access != "restricted" and role != "anonymous")
    if route in ("feed", "tag_feed", "token_feed"):
        return 200 if sees else 404  # no sign-in page for feed readers: a valid viewer or nothing
    if role == "anonymous":
        return 302
    if not sees:
        return 404
    moderates = role in ("moderator", "owner", "admin")
    manages = role in ("owner", "admin")
    return {
        "index": 200, "post": 200, "image": 200, "campaigns": 200, "campaign": 200, "idea": 200,
        "new": 200 if is_member else 403,
        "edit": 200 if moderates else 403,
        "comment": 302 if is_member else 403,
        "like": 302 if is_member else 403,
        "delete_comment": 302 if (moderates or role == "member") else 403,
        "settings": 200 if manages else 403,
        "announce": 302 if manages else 403,
        "new_campaign": 200 if manages else 403,
        "status": 302 if manages else 403,
        "vote": 303,  # refused with a message for non-members, on the idea's page
        "submit": 302 if is_member else 403,
    }[route]


ROUTES = ["index", "post", "image", "campaigns", "campaign", "idea", "new", "edit", "comment", "like",
          "delete_comment", "settings", "announce", "new_campaign", "status", "vote", "submit", "feed", "tag_feed",
          "token_feed"]


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("role", ROLES)
def test_blog_routes(world, client_for, access, role):
    people, made, tokens = world
    c, base, pid, cid, camp, idea, image = made[access]
    client = client_for(people[role])
    urls = {
        "index": ("GET", base), "post": ("GET", f"{base}{pid}"), "image": ("GET", f"{base}images/{image}"),
        "campaigns": ("GET", f"{base}ideas/"), "campaign": ("GET", f"{base}ideas/{camp}"),
        "idea": ("GET", f"{base}ideas/idea/{idea}"), "new": ("GET", f"{base}new"),
        "edit": ("GET", f"{base}{pid}/edit"), "comment": ("POST", f"{base}{pid}/comments"),
        "like": ("POST", f"{base}{pid}/like"), "delete_comment": ("POST", f"{base}comments/{cid}/delete"),
        "settings": ("GET", f"{base}settings"), "announce": ("POST", f"{base}{pid}/announce"),
        "new_campaign": ("GET", f"{base}ideas/new"), "status": ("POST", f"{base}ideas/idea/{idea}/status"),
        "vote": ("POST", f"{base}ideas/idea/{idea}/vote"), "submit": ("POST", f"{base}ideas/{camp}/ideas"),
        "feed": ("GET", f"{base}feed.atom"), "tag_feed": ("GET", f"{base}tags/news/feed.atom"),
        "token_feed": ("GET", f"{base}feed.atom?token={tokens.get(role, '')}"),
    }
    data = {"comment": {"body": "hi"}, "status": {"status": "accepted", "comment": ""},
            "submit": {"title": "Another idea"}}
    failures = []
    for route in ROUTES:
        method, url = urls[route]
        if route == "token_feed":
            r = client_for(None).get(url)  # a feed reader: the token, no session
        else:
            r = client.open(url, method=method, data=data.get(route, {}))
        want = expected(route, access, role)
        if r.status_code != want:
            failures.append(f"{method} {url}: got {r.status_code}, want {want}")
        if want == 404:
            body = text(r) if not r.mimetype.startswith("image/") else ""
            assert c.name not in body and "news" not in body, f"{url} leaks the restricted community"
        if r.status_code == 200 and route == "image":
            assert r.mimetype == "image/png" and r.headers["X-Content-Type-Options"] == "nosniff"
        r.close()
    assert not failures, "\n".join(failures)
