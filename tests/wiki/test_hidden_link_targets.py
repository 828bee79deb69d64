"""[[Links]] to a page a moderator hid, one waiting for approval or one in the trash read like links
to a page that does not exist, for everyone (the rendered HTML is shared), until the page is there
for everyone again; backlinks, old addresses and "create it" tell nothing about such a page either."""
from __future__ import annotations

import re

from tests.helpers import text
from tests.moderation.conftest import resolve
from tests.wiki.conftest import url
from tests.wiki.test_links import links_in

HOME = "Plans: [[Secret plans]] and [[secret PLANS|the plans]]; below: [[Secret plans/Budget]]."


def _new(client, community, title, body, parent=None):
    data = {"title": title, "body": body}
    if parent is not None:
        data["parent"] = str(parent)
    return client.post(url(community, "-/new"), data=data)


def _seen_by(clients, community, path="home"):
    return {who: text(c.get(url(community, path))) for who, c in clients.items()}


def _link(client, community, label="Secret plans", path="home"):
    """(class, href) of the link labelled ``label`` in the page at ``path``, as ``client`` sees it."""
    return links_in(text(client.get(url(community, path))))[label]


def _home_and_secret(community, people, wiki):
    home = wiki.create(community, people["owner"], "Home", body=HOME)
    return home, wiki.create(community, people["other"], "Secret plans", body="Moving to the moon.", parent=home)


def test_links_to_a_hidden_page_read_as_missing_until_it_is_shown_again(community, people, client_for, wiki):
    home = wiki.create(community, people["owner"], "Home", body=HOME)
    secret = wiki.create(community, people["other"], "Secret plans", body="Moving to the moon. See [[Home]].",
                         parent=home)
    wiki.create(community, people["other"], "Budget", body="Ten coins.", parent=secret)
    clients = {"member": client_for(people["member"]), "author": client_for(people["other"]),
               "moderator": client_for(people["moderator"])}
    for html in _seen_by(clients, community).values():  # (fills the shared caches)
        found = links_in(html)
        assert found["Secret plans"] == ("wikilink", "/c/handbook/wiki/home/secret-plans")
        assert found["the plans"] == ("wikilink", "/c/handbook/wiki/home/secret-plans")
        assert found["Secret plans/Budget"] == ("wikilink", "/c/handbook/wiki/home/secret-plans/budget")
        assert ">Secret plans</a>" in html[html.index('id="backlinks"'):]

    assert resolve(clients["moderator"], f"wiki_page:{secret}", "hide", reason="Off topic").status_code == 302
    seen = _seen_by(clients, community)
    for who, html in seen.items():
        found = links_in(html)
        assert found["Secret plans"][0] == "wikilink missing", who
        assert found["Secret plans"][1] == f"/c/handbook/wiki/-/new?title=Secret+plans&amp;parent={home}"
        assert found["the plans"][0] == found["Secret plans/Budget"][0] == "wikilink missing"
        assert 'wiki/home/secret-plans"' not in html, who  # neither its address nor a backlink
        assert ">Secret plans</a>" not in html[html.index('id="backlinks"'):], who
        assert "Moving to the moon" not in html
    # Exactly what a link to a page that never existed looks like.
    assert 'class="wikilink missing" href="/c/handbook/wiki/-/new?title=Secret+plans' in seen["member"]
    assert clients["member"].get(url(community, "home/secret-plans")).status_code == 404
    assert clients["moderator"].get(url(community, "home/secret-plans")).status_code == 200

    assert resolve(clients["moderator"], f"wiki_page:{secret}", "unhide", reason="").status_code == 302
    for who, html in _seen_by(clients, community).items():
        found = links_in(html)
        assert found["Secret plans"] == ("wikilink", "/c/handbook/wiki/home/secret-plans"), who
        assert found["the plans"] == ("wikilink", "/c/handbook/wiki/home/secret-plans"), who
        assert found["Secret plans/Budget"] == ("wikilink", "/c/handbook/wiki/home/secret-plans/budget"), who
        assert ">Secret plans</a>" in html[html.index('id="backlinks"'):]


def test_a_page_waiting_for_approval_is_linked_only_once_approved(app, community, people, client_for,
                                                                 make_user, wiki):
    home = wiki.create(community, people["owner"], "Home", body=HOME)
    owner, moderator = client_for(people["owner"]), client_for(people["moderator"])
    assert owner.post(f"/c/{community.slug}/moderation/settings", data={"premoderation": "1"}).status_code == 302
    newbie = client_for(make_user("newbie"))
    assert newbie.post(f"/c/{community.slug}/join").status_code == 302
    member = client_for(people["member"])
    assert _link(member, community)[0] == "wikilink missing"

    r = _new(newbie, community, "Secret plans", "Moving to the moon.", parent=home)
    assert r.status_code == 302
    assert newbie.get(r.headers["Location"]).status_code == 200  # the author sees it, waiting
    pid = wiki.find(community, "home/secret-plans")
    for who, html in _seen_by({"member": member, "author": newbie, "moderator": moderator}, community).items():
        assert links_in(html)["Secret plans"][0] == "wikilink missing", who
        assert "secret-plans" not in html, who
    # A preview does not tell either.
    r = member.post(url(community, "-/preview"), data={"body": "[[Secret plans]]", "parent": str(home)})
    assert "wikilink missing" in r.get_json()["html"] and "secret-plans" not in r.get_json()["html"]

    assert resolve(moderator, f"wiki_page:{pid}", "approve", reason="").status_code == 302
    assert _link(member, community) == (
        "wikilink", "/c/handbook/wiki/home/secret-plans")


def test_links_to_a_page_in_the_trash_come_back_with_it(community, people, client_for, wiki):
    home, secret = _home_and_secret(community, people, wiki)
    member, moderator = client_for(people["member"]), client_for(people["moderator"])
    assert _link(member, community)[0] == "wikilink"
    assert moderator.post(url(community, "home/secret-plans", "delete")).status_code == 302
    html = text(member.get(url(community, "home")))
    assert links_in(html)["Secret plans"][0] == "wikilink missing" and "secret-plans" not in html
    assert moderator.post(url(community, f"-/trash/{secret}/restore")).status_code == 302
    assert _link(member, community) == (
        "wikilink", "/c/handbook/wiki/home/secret-plans")


def test_creating_a_page_whose_title_a_hidden_page_has(community, people, client_for, wiki):
    home, secret = _home_and_secret(community, people, wiki)
    moderator, member = client_for(people["moderator"]), client_for(people["member"])
    assert resolve(moderator, f"wiki_page:{secret}", "hide", reason="Off topic").status_code == 302
    missing = _link(member, community)[1].replace("&amp;", "&")
    form = text(member.get(missing))
    assert 'value="Secret plans"' in form

    # "create it": a clear answer on the form, nothing of the hidden page, and no second page.
    r = _new(member, community, "secret plans", "My own plans.", parent=home)
    assert r.status_code == 200
    html = text(r)
    assert "This title cannot be used here" in html
    assert "Moving to the moon" not in html and "secret-plans" not in html and "Secret plans" not in html
    assert "My own plans." in html  # what was typed is kept
    assert wiki.find(community, "home/secret-plans-2") is None
    # Renaming a page to it answers the same.
    wiki.create(community, people["member"], "Other plans", body="x", parent=home)
    r = member.post(url(community, "home/other-plans", "rename"), data={"title": "Secret plans"})
    assert r.status_code == 200 and "This title cannot be used here" in text(r)
    # Who may see the hidden page is told which page has the title.
    r = _new(moderator, community, "Secret plans", "Again.", parent=home)
    assert r.status_code == 200 and "has a subpage called “Secret plans” already" in text(r)

    # Shown again: one page with that title, linked from Home as before.
    assert resolve(moderator, f"wiki_page:{secret}", "unhide", reason="").status_code == 302
    assert _link(member, community)[1] == "/c/handbook/wiki/home/secret-plans"


def test_old_addresses_of_a_hidden_page_do_not_lead_to_it(community, people, client_for, wiki):
    home = wiki.create(community, people["owner"], "Home")
    secret = wiki.create(community, people["other"], "Secret plans", body="Moving to the moon.", parent=home)
    other = client_for(people["other"])
    assert other.post(url(community, "home/secret-plans", "rename"), data={"title": "Moon base"}).status_code == 302
    moderator, member = client_for(people["moderator"]), client_for(people["member"])
    assert resolve(moderator, f"wiki_page:{secret}", "hide", reason="Off topic").status_code == 302
    wiki.create(community, people["owner"], "Index", body="[[Secret plans]] and [[Moon base]]", parent=home)
    # The old address: no redirect that would tell the new one.
    r = member.get(url(community, "home/secret-plans"))
    assert r.status_code == 404 and "moon-base" not in (r.headers.get("Location") or "")
    assert member.get(url(community, "home/moon-base")).status_code == 404
    found = links_in(text(member.get(url(community, "home/index"))))
    assert found["Secret plans"][0] == found["Moon base"][0] == "wikilink missing"
    # Its author and the moderators still follow it.
    for c in (moderator, other):
        r = c.get(url(community, "home/secret-plans"))
        assert r.status_code == 308 and r.headers["Location"].endswith("/home/moon-base")
    assert resolve(moderator, f"wiki_page:{secret}", "unhide", reason="").status_code == 302
    found = links_in(text(member.get(url(community, "home/index"))))
    assert found["Secret plans"] == found["Moon base"] == ("wikilink", "/c/handbook/wiki/home/moon-base")


def test_links_in_comments_follow_too(community, people, client_for, wiki):
    home, secret = _home_and_secret(community, people, wiki)
    member, moderator = client_for(people["member"]), client_for(people["moderator"])

    def comment(body):
        token = re.search(r'name="token" type="hidden" value="([^"]+)"', text(member.get(url(community, "home"))))
        r = member.post(url(community, "home", "comments"), data={"body": body, "token": token.group(1)})
        assert r.status_code == 302

    comment("Read [[Secret plans|the plans in a comment]] first.")
    assert _link(member, community, "the plans in a comment")[0] == "wikilink"
    assert resolve(moderator, f"wiki_page:{secret}", "hide", reason="Off topic").status_code == 302
    comment("And [[Secret plans|a later comment]].")
    for label in ("the plans in a comment", "a later comment"):
        assert _link(member, community, label)[0] == "wikilink missing"
    assert resolve(moderator, f"wiki_page:{secret}", "unhide", reason="").status_code == 302
    for label in ("the plans in a comment", "a later comment"):
        assert _link(member, community, label) == ("wikilink", "/c/handbook/wiki/home/secret-plans")
    assert moderator.post(url(community, "home/secret-plans", "delete")).status_code == 302
    assert _link(member, community, "the plans in a comment")[0] == "wikilink missing"
    assert moderator.post(url(community, f"-/trash/{secret}/restore")).status_code == 302
    assert _link(member, community, "a later comment")[0] == "wikilink"
