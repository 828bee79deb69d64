"""[[Links]] in wiki comments follow the pages as the pages' own links do: creating the missing page
a comment names, or renaming a page to (or from) the title a comment names, renders the comment
again at once, instead of leaving "missing, create it" (or the old address) until someone edits it."""
from __future__ import annotations

import re

from tests.helpers import text
from tests.wiki.conftest import url
from tests.wiki.test_links import links_in


def _comment(client, community, path, body):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', text(client.get(url(community, path))))
    assert client.post(url(community, path, "comments"), data={"body": body, "token": token.group(1)}).status_code == 302


def _link(client, community, label, path="home"):
    return links_in(text(client.get(url(community, path))))[label]


def test_creating_the_page_a_comment_names_makes_its_link_real(community, people, client_for, wiki):
    home = wiki.create(community, people["owner"], "Home", body="Welcome.")
    member, owner = client_for(people["member"]), client_for(people["owner"])
    _comment(member, community, "home", "Is there a [[Roadmap|plan for next year]]? And [[Budget]]?")
    assert _link(member, community, "plan for next year") == (
        "wikilink missing", f"/c/handbook/wiki/-/new?title=Roadmap&amp;parent={home}")
    r = owner.post(url(community, "-/new"), data={"title": "Roadmap", "body": "Q1: ship."})
    assert r.status_code == 302
    assert _link(member, community, "plan for next year") == ("wikilink", "/c/handbook/wiki/roadmap")
    assert _link(member, community, "Budget")[0] == "wikilink missing"  # the other link is as it was


def test_renaming_a_page_to_or_from_the_title_a_comment_names_follows(community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Home", body="Welcome.")
    wiki.create(community, people["owner"], "Draft", body="Ideas.")
    member, owner = client_for(people["member"]), client_for(people["owner"])
    _comment(member, community, "home", "See [[Launch plan|the plan]].")
    _comment(member, community, "home", "And the [[Draft|draft]].")  # a comment of its own
    assert _link(member, community, "the plan")[0] == "wikilink missing"
    assert _link(member, community, "draft") == ("wikilink", "/c/handbook/wiki/draft")
    r = owner.post(url(community, "draft", "rename"), data={"title": "Launch plan"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/wiki/launch-plan")
    assert _link(member, community, "the plan") == ("wikilink", "/c/handbook/wiki/launch-plan")
    assert _link(member, community, "draft") == ("wikilink", "/c/handbook/wiki/launch-plan")


def test_a_comments_links_to_a_subpage_follow_its_parent_renamed_or_moved(community, people, client_for, wiki):
    home = wiki.create(community, people["owner"], "Home", body="Page: [[Guides/Setup|p1]], [[Setup|p2]].")
    guides = wiki.create(community, people["owner"], "Guides", body="All guides.", parent=home)
    wiki.create(community, people["owner"], "Setup", body="Steps.", parent=guides)
    member, owner = client_for(people["member"]), client_for(people["owner"])
    _comment(member, community, "home", "Comment: [[Guides/Setup|c1]], [[Setup|c2]].")
    found = links_in(text(member.get(url(community, "home"))))
    assert found["c1"] == found["p1"] == found["c2"] == ("wikilink", "/c/handbook/wiki/home/guides/setup")

    assert owner.post(url(community, "home/guides", "rename"), data={"title": "Manuals"}).status_code == 302
    found = links_in(text(member.get(url(community, "home"))))
    assert found["c2"] == found["p2"] == ("wikilink", "/c/handbook/wiki/home/manuals/setup")
    assert found["c1"] == found["p1"]  # as the page's own link, whatever that reads

    assert owner.post(url(community, "home/manuals", "move"), data={"parent": ""}).status_code == 302
    found = links_in(text(member.get(url(community, "home"))))
    assert found["c2"] == found["p2"] == ("wikilink", "/c/handbook/wiki/manuals/setup")
    assert found["c1"] == found["p1"]
