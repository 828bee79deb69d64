"""Search within one tool: the wiki's sidebar, the forums' index and the blog's index each have a
search box that finds that tool's content of that community only."""
from __future__ import annotations

import re

from collab.extensions import db


def _box(html: str, label: str) -> dict[str, str]:
    """The fields of the search form named ``label``, as the browser would send them (without q)."""
    form = re.search(r'<form class="scoped-search[^"]*" action="/search" method="get" role="search" '
                     rf'aria-label="{re.escape(label)}">(.*?)</form>', html, re.S)
    assert form, f"no search box “{label}”"
    assert 'type="search" name="q"' in form.group(1)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))


def test_each_tool_searches_itself_in_its_community(app, make_user, make_community, client_for, index_now):
    from blogs import services as blogs
    from collab.accounts.models import User
    from communities.models import Community
    from forums import services as forums
    from wiki import hooks, services as wiki

    owner = make_user("owner")
    here, there = make_community(owner, name="Merger Team"), make_community(owner, name="Other Team")
    with app.test_request_context("/", method="POST"):
        me = db.session.get(User, owner.id)
        for c in (here, there):
            community = db.session.get(Community, c.id)
            hooks.created(wiki.create_page(community, me, title=f"Zanzibar page {c.name}", body="zanzibar"), me)
            forums.create_topic(forums.create_forum(community, me, name="General"), me,
                                title=f"Zanzibar topic {c.name}", body="zanzibar")
            blogs.create_post(blogs.Blog(community=community), me, blogs.PostInput(
                title=f"Zanzibar post {c.name}", body="zanzibar", action="publish"))
        blogs.create_post(blogs.Blog(owner=me), me, blogs.PostInput(
            title="Zanzibar diary", body="zanzibar", action="publish"))
        db.session.commit()
    index_now()
    client = client_for(make_user("reader"))

    pages = [
        (f"/c/{here.slug}/wiki/", "Search this wiki", "Zanzibar page Merger Team"),
        (f"/c/{here.slug}/forums/", "Search the forums", "Zanzibar topic Merger Team"),
        (f"/c/{here.slug}/blog/", "Search this blog", "Zanzibar post Merger Team"),
    ]
    for url, label, found in pages:
        page = client.get(url, follow_redirects=True)
        assert page.status_code == 200, url
        params = _box(page.get_data(as_text=True), label)
        r = client.get("/search", query_string={**params, "q": "zanzibar"})
        titles = [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<h3 class="result-title"><a href="[^"]*">(.*?)</a>', r.get_data(as_text=True))]
        assert titles == [found], (url, params, titles)

    home = client.get(f"/c/{here.slug}/").get_data(as_text=True)  # the community's box: the same form
    assert _box(home, "Search in this community") == {"community": str(here.id)}
