"""A page a moderator hides takes its subpages out of sight with it: for everyone who cannot see the
hidden page, its subpages answer 404 and no list, link, crumb, search result or stream names them
(their addresses name the hidden page). Those who see the hidden page (its author, the moderators)
still see its subtree; showing the page again brings the whole subtree back."""
from __future__ import annotations

import re

from tests.api.conftest import token_for  # noqa: F401  (a fixture)
from tests.helpers import text
from tests.moderation.conftest import resolve
from tests.wiki.conftest import url
from tests.wiki.test_links import links_in

HIDDEN = "home/secret-plans"
CHILD = "home/secret-plans/budget"


def _subtree(community, people, client_for, wiki):
    """Home (linking to [[Budget]]) > Secret plans > Budget (tagged, linking back to Home), the last
    two made through the form (so the stream tells of them), by Other."""
    home = wiki.create(community, people["owner"], "Home", body="Money: [[Budget]].")
    other = client_for(people["other"])
    assert other.post(url(community, "-/new"), data={"title": "Secret plans", "parent": str(home),
                                                     "body": "Moving to the moon."}).status_code == 302
    secret = wiki.find(community, HIDDEN)
    assert other.post(url(community, "-/new"), data={
        "title": "Budget", "parent": str(secret), "body": "Ten zorblax coins. Back to [[Home]].",
        "tags": "money"}).status_code == 302
    return home, secret


def _traces(client, community, search):
    """Every place a reader meets the wiki, as that reader sees it: address -> page text."""
    pages = {p: text(client.get(p)) for p in (
        url(community, "home"), url(community, "-/recent"), url(community, "-/tags"),
        url(community, "-/tags/money"), "/", f"/c/{community.slug}/")}
    results = search(None, "zorblax", client=client)[1]  # (the page repeats the query)
    pages["search"] = " ".join(re.findall(r'<h3 class="result-title">.*?</h3>|<p class="snippet.*?</p>', results, re.S))
    return pages


def test_a_hidden_pages_subpages_go_out_of_sight_with_it(app, community, people, client_for, wiki, index_now,
                                                          find):
    _home, secret = _subtree(community, people, client_for, wiki)
    member, author, moderator = (client_for(people[k]) for k in ("member", "other", "moderator"))
    index_now()
    seen = _traces(member, community, find)
    assert 'wiki/home/secret-plans/budget"' in seen[url(community, "home")]  # tree, subpages, backlinks
    assert links_in(seen[url(community, "home")])["Budget"] == ("wikilink", "/c/handbook/wiki/" + CHILD)
    assert "Budget" in seen["search"] and "Budget" in seen[url(community, "-/tags/money")]
    assert "Budget" in seen["/"] and "Budget" in seen[url(community, "-/recent")]

    assert resolve(moderator, f"wiki_page:{secret}", "hide", reason="Off topic").status_code == 302
    index_now()
    assert member.get(url(community, HIDDEN)).status_code == 404
    assert member.get(url(community, CHILD)).status_code == 404
    assert member.get(url(community, CHILD, "history")).status_code == 404
    for where, html in _traces(member, community, find).items():
        assert "secret-plans" not in html, where
        assert "Secret plans" not in html, where
        assert "zorblax" not in html, where
    home_html = text(member.get(url(community, "home")))
    assert links_in(home_html)["Budget"][0] == "wikilink missing"  # like a page that does not exist
    assert home_html.count(">Budget</a>") == 1  # neither in the tree nor among the backlinks
    assert "money" not in text(member.get(url(community, "-/tags")))
    assert "Budget" not in text(member.get(url(community, "-/recent")))
    assert "Budget" not in find(None, "zorblax", client=member)[0]
    # Its author and the moderators still see the page and what is under it.
    for who in (author, moderator):
        child = text(who.get(url(community, CHILD)))
        assert "Ten zorblax coins" in child
        crumbs = child[child.index('class="crumbs"'):child.index("</nav>", child.index('class="crumbs"'))]
        assert "Secret plans" in crumbs
        assert 'href="/c/handbook/wiki/home/secret-plans/budget"' in text(who.get(url(community, HIDDEN)))

    assert resolve(moderator, f"wiki_page:{secret}", "unhide", reason="").status_code == 302
    index_now()
    assert "Ten zorblax coins" in text(member.get(url(community, CHILD)))
    seen = _traces(member, community, find)
    assert links_in(seen[url(community, "home")])["Budget"] == ("wikilink", "/c/handbook/wiki/" + CHILD)
    assert "Budget" in seen["search"] and "Budget" in seen[url(community, "-/tags/money")]
    assert "Budget" in seen[url(community, "-/recent")] and "Budget" in seen["/"]


def test_pages_made_or_moved_under_a_hidden_page_are_out_of_sight_too(app, community, people, client_for, wiki,
                                                                     token_for):
    home, secret = _subtree(community, people, client_for, wiki)
    notes = wiki.create(community, people["member"], "Notes", body="Plain notes.", parent=home)
    member, moderator = client_for(people["member"]), client_for(people["moderator"])
    assert resolve(moderator, f"wiki_page:{secret}", "hide", reason="Off topic").status_code == 302
    # (The forms offer only pages everyone sees as parents; the API and the services take any.)
    wiki.create(community, people["moderator"], "Plan B", body="Mars.", parent=secret)
    wiki.call("move_page", notes, people["moderator"], secret)
    for path in ("home/secret-plans/plan-b", "home/secret-plans/notes"):
        assert member.get(url(community, path)).status_code == 404, path
        assert moderator.get(url(community, path)).status_code == 200, path
    assert member.get(url(community, "home/notes")).status_code == 404  # (its old address tells nothing)
    api = app.test_client().get(f"/api/v1/communities/{community.slug}/wiki/pages",
                                headers={"Authorization": f"Bearer {token_for(people['member'])}"}).get_json()
    assert sorted(p["title"] for p in api["items"]) == ["Home"]
    assert "Plan B" not in text(member.get("/")) and "secret-plans" not in text(member.get(url(community, "home")))

    wiki.call("move_page", notes, people["moderator"], home)
    assert "Plain notes." in text(member.get(url(community, "home/notes")))
    assert member.get(url(community, "home/secret-plans/plan-b")).status_code == 404
    assert wiki.page(notes).hidden_above is False


def test_most_linked_counts_links_from_pages_everyone_sees_only(app, community, people, client_for, wiki):
    from tests.analytics.test_insights import csv_rows

    home = wiki.create(community, people["owner"], "Home", body="Start.")
    wiki.create(community, people["owner"], "Glossary", body="Words.", parent=home)
    wiki.create(community, people["member"], "Notes", body="See [[Glossary]].", parent=home)
    secret = wiki.create(community, people["other"], "Secret plans", body="See [[Glossary]].", parent=home)
    wiki.create(community, people["other"], "Budget", body="See [[Glossary]] too.", parent=secret)
    gone = wiki.create(community, people["other"], "Old", body="See [[Glossary]].", parent=home)
    wiki.call("delete_page", gone, people["owner"])
    owner, moderator = client_for(people["owner"]), client_for(people["moderator"])
    assert resolve(moderator, f"wiki_page:{secret}", "hide", reason="Off topic").status_code == 302
    rows = csv_rows(owner.get(f"/c/{community.slug}/insights.csv?table=linked"))
    # Notes only: not the hidden page, nor the page under it, nor the one in the trash.
    assert [(r["title"], r["links"]) for r in rows] == [("Glossary", "1")]
    assert resolve(moderator, f"wiki_page:{secret}", "unhide", reason="").status_code == 302
    rows = csv_rows(owner.get(f"/c/{community.slug}/insights.csv?table=linked"))
    assert [(r["title"], r["links"]) for r in rows] == [("Glossary", "3")]
