"""Atom feeds a real feed reader parses, per blog and per tag, behind personal feed tokens; blog
posts, comments and ideas in search for exactly their readers."""
from __future__ import annotations

import re

import feedparser

from tests.blogs.conftest import blog_url, post_id, write
from tests.helpers import text


def feed_address(client, base) -> str:
    client.post("/blog/feed-token", data={"next": base})
    page = text(client.get(base))
    m = re.search(r'class="blog-feed-url" type="text" readonly value="([^"]+)"', page)
    assert m, "no feed address on the blog page"
    return m.group(1).replace("&amp;", "&").replace("http://localhost", "")


def test_feed_parses_with_feedparser(community, people, client_for, app):
    author = client_for(people["member"])
    base = blog_url(community)
    first = post_id(write(author, base, title="First & foremost", body="Body with <script>alert(1)</script> and *em*",
                          summary="The summary", tags="alpha"))
    write(author, base, title="Second post", tags="beta")
    write(author, base, title="A draft", action="draft")
    write(author, base, title="Later", action="schedule", publish_at="2099-05-01 10:00")
    address = feed_address(author, base)
    r = client_for(None).get(address)  # a feed reader: no session, the token only
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    parsed = feedparser.parse(r.data)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    titles = [e.title for e in parsed.entries]
    assert titles == ["Second post", "First & foremost"]
    entry = parsed.entries[1]
    assert entry.link.endswith(f"{base}{first}") and entry.summary == "The summary"
    assert "<em>em</em>" in entry.content[0].value and "<script" not in entry.content[0].value
    assert [t.term for t in entry.tags] == ["alpha"] and entry.author == "Member"
    tag_feed = address.replace("/blog/feed.atom", "/blog/tags/alpha/feed.atom")
    parsed = feedparser.parse(client_for(None).get(tag_feed).data)
    assert [e.title for e in parsed.entries] == ["First & foremost"]
    # Without a valid token, a reader gets nothing.
    assert client_for(None).get(f"{base}feed.atom").status_code == 404
    assert client_for(None).get(f"{base}feed.atom?token=forged").status_code == 404


def test_restricted_feed_never_leaks(make_user, make_community, client_for):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    vault = make_community(owner, name="Vault", access="restricted", members=[member])
    base = blog_url(vault)
    write(client_for(owner), base, title="Secret roadmap")
    member_feed = feed_address(client_for(member), base)
    assert "Secret roadmap" in text(client_for(None).get(member_feed))
    # The outsider's own valid token opens nothing in the vault.
    out = client_for(outsider)
    out.post("/blog/feed-token", data={"next": "/"})
    own = feed_address(out, f"/u/{outsider.username}/blog/")
    token = own.split("token=")[1]
    for path in (f"{base}feed.atom", f"{base}tags/x/feed.atom"):
        assert client_for(None).get(f"{path}?token={token}").status_code == 404
        assert out.get(path).status_code == 404
    # A member who leaves loses the feed; a reset token stops working.
    client_for(member).post(f"/c/{vault.slug}/leave")
    assert client_for(None).get(member_feed).status_code == 404
    fresh = client_for(owner)
    old = feed_address(fresh, base)
    fresh.post("/blog/feed-token/reset", data={"next": base})
    assert client_for(None).get(old).status_code == 404
    assert client_for(None).get(feed_address(fresh, base)).status_code == 200


def test_posts_comments_and_ideas_are_searchable_by_their_readers(make_user, make_community, client_for,
                                                                    index_now, find):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    vault = make_community(owner, name="Vault", access="restricted", members=[member])
    agora = make_community(owner, name="Agora", access="public")
    o = client_for(owner)
    secret = post_id(write(o, blog_url(vault), title="Quokka strategy", body="quokka plans", tags="zoo"))
    write(o, blog_url(agora), title="Quokka facts", body="public quokka")
    write(o, blog_url(agora), title="Quokka draft", body="quokka hidden", action="draft")
    client_for(member).post(blog_url(vault, f"{secret}/comments"), data={"body": "wombat remark"})
    r = o.post(blog_url(vault, "ideas/new"), data={"title": "Ideas", "description": ""})
    cid = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    client_for(member).post(blog_url(vault, f"ideas/{cid}/ideas"), data={"title": "Numbat idea", "body": ""})
    write(client_for(member), f"/u/{member.username}/blog/", title="Quokka diary", body="personal")
    index_now()
    assert set(find(member, "quokka")[0]) == {"Quokka strategy", "Quokka facts", "Quokka diary"}
    assert set(find(outsider, "quokka")[0]) == {"Quokka facts", "Quokka diary"}
    assert find(member, "wombat")[0] == ["Quokka strategy"] and find(outsider, "wombat")[0] == []
    assert find(member, "numbat")[0] == ["Numbat idea"] and find(outsider, "numbat")[0] == []
    assert set(find(member, "quokka type:blogs")[0]) == {"Quokka strategy", "Quokka facts", "Quokka diary"}
    # Deleting a post removes it and its comments.
    o.post(blog_url(vault, f"{secret}/delete"))
    index_now()
    assert find(member, "wombat")[0] == [] and "Quokka strategy" not in find(member, "quokka")[0]
