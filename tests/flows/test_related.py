"""Related content beside a wiki page, a topic and a blog post: same community, found by search,
never itself nor anything the reader may not see; hideable item by item or as a whole."""
from __future__ import annotations

import re

from tests.helpers import text


def _related_titles(html: str) -> list[str]:
    block = re.search(r'<aside class="flow-related card".*?</aside>', html, re.S)
    if not block:
        return []
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', block.group(0))


def _setup(make, people, agora, vault):
    forum = make.forum(agora, people["owner"])
    ids = {
        "page": make.page(agora, people["owner"], "Kubernetes deployment guide",
                          body="How we deploy services to the kubernetes cluster with helm."),
        "topic": make.topic(forum, people["member"], title="Helm upgrade fails on the kubernetes cluster",
                            body="The deploy stops with a timeout.", tags="kubernetes"),
        "post": make.post(agora, people["owner"], "Kubernetes tips for developers", body="Use namespaces.",
                          tags="kubernetes"),
        "lunch": make.page(agora, people["owner"], "Lunch menu", body="Noodles on Tuesday."),
        "secret": make.page(vault, people["owner"], "Kubernetes secrets in the vault", body="kubernetes helm"),
    }
    return ids


def test_each_item_lists_related_items_of_its_community(app, people, agora, vault, make, client_for, index_now):
    ids = _setup(make, people, agora, vault)
    index_now()
    member = client_for(people["member"])
    page = text(member.get(f"/c/{agora.slug}/wiki/kubernetes-deployment-guide"))
    titles = _related_titles(page)
    assert set(titles) == {"Helm upgrade fails on the kubernetes cluster", "Kubernetes tips for developers"}
    topic = _related_titles(text(member.get(f"/c/{agora.slug}/forums/t/{ids['topic']}")))
    assert "Kubernetes deployment guide" in topic and "Helm upgrade fails on the kubernetes cluster" not in topic
    post = _related_titles(text(member.get(f"/c/{agora.slug}/blog/{ids['post']}")))
    assert "Kubernetes deployment guide" in post and "Kubernetes tips for developers" not in post
    assert all("vault" not in t.lower() and "Lunch" not in t for t in titles + topic + post)
    # Inside the private community its readers get its own related items.
    insider = client_for(people["insider"])
    make.page(vault, people["owner"], "Helm charts we trust", body="kubernetes helm charts")
    index_now()
    vault_page = _related_titles(text(insider.get(f"/c/{vault.slug}/wiki/kubernetes-secrets-in-the-vault")))
    assert vault_page == ["Helm charts we trust"]


def test_hide_an_item_and_the_list_and_get_it_back(app, people, agora, vault, make, client_for, index_now):
    _setup(make, people, agora, vault)
    index_now()
    member = client_for(people["member"])
    url = f"/c/{agora.slug}/wiki/kubernetes-deployment-guide"
    page = text(member.get(url))
    key = re.search(r'name="key" value="(forums:\d+)"', page).group(1)
    r = member.post("/flows/related/hide", data={"key": key, "next": url})
    assert r.status_code == 302 and r.headers["Location"] == url
    assert _related_titles(text(member.get(url))) == ["Kubernetes tips for developers"]
    # Only for that person.
    assert len(_related_titles(text(client_for(people["owner"]).get(url)))) == 2
    member.post("/flows/related/list", data={"show": "0", "next": url})
    page = text(member.get(url))
    assert _related_titles(page) == [] and "Show related content" in page
    member.post("/flows/related/list", data={"show": "1", "next": url})
    assert _related_titles(text(member.get(url))) == ["Kubernetes tips for developers"]
    # A redirect never leaves the site.
    r = member.post("/flows/related/list", data={"show": "1", "next": "https://evil.example/"})
    assert r.headers["Location"] == "/"


def test_nothing_related_shows_no_list(app, people, agora, vault, make, client_for, index_now):
    make.page(agora, people["owner"], "Zymurgy notes", body="Brewing.")
    index_now()
    page = text(client_for(people["member"]).get(f"/c/{agora.slug}/wiki/zymurgy-notes"))
    assert 'data-testid="related"' not in page
