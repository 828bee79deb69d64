"""Related content beside a wiki page, a topic and a blog post: same community, found by search,
never itself nor anything the reader may not see; hideable item by item or as a whole."""
from __future__ import annotations

import html as htmllib
import re

from tests.helpers import text

SLOT = re.compile(r'<div class="flow-related-slot" data-related="([^"]+)" hidden></div>')


def _related_titles(html: str) -> list[str]:
    block = re.search(r'<aside class="flow-related card".*?</aside>', html, re.DOTALL)
    if not block:
        return []
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', block.group(0))


def _page(client, url: str) -> str:
    """The page as the browser ends up showing it: a related list the server left to the browser
    (a slot) is fetched and put in, as static/js/collab.js does."""
    html = text(client.get(url))
    slot = SLOT.search(html)
    if slot:
        part = client.get(htmllib.unescape(slot.group(1)))
        assert part.status_code in (200, 204)
        html = html.replace(slot.group(0), text(part) if part.status_code == 200 else "")
    return html


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
    page = _page(member, f"/c/{agora.slug}/wiki/kubernetes-deployment-guide")
    titles = _related_titles(page)
    assert set(titles) == {"Helm upgrade fails on the kubernetes cluster", "Kubernetes tips for developers"}
    topic = _related_titles(_page(member, f"/c/{agora.slug}/forums/t/{ids['topic']}"))
    assert "Kubernetes deployment guide" in topic and "Helm upgrade fails on the kubernetes cluster" not in topic
    post = _related_titles(_page(member, f"/c/{agora.slug}/blog/{ids['post']}"))
    assert "Kubernetes deployment guide" in post and "Kubernetes tips for developers" not in post
    assert all("vault" not in t.lower() and "Lunch" not in t for t in titles + topic + post)
    # Inside the private community its readers get its own related items.
    insider = client_for(people["insider"])
    make.page(vault, people["owner"], "Helm charts we trust", body="kubernetes helm charts")
    index_now()
    vault_page = _related_titles(_page(insider, f"/c/{vault.slug}/wiki/kubernetes-secrets-in-the-vault"))
    assert vault_page == ["Helm charts we trust"]


def test_hide_an_item_and_the_list_and_get_it_back(app, people, agora, vault, make, client_for, index_now):
    _setup(make, people, agora, vault)
    index_now()
    member = client_for(people["member"])
    url = f"/c/{agora.slug}/wiki/kubernetes-deployment-guide"
    page = _page(member, url)
    key = re.search(r'name="key" value="(forums:\d+)"', page).group(1)
    r = member.post("/flows/related/hide", data={"key": key, "next": url})
    assert r.status_code == 302 and r.headers["Location"] == url
    assert _related_titles(_page(member, url)) == ["Kubernetes tips for developers"]
    # Only for that person.
    assert len(_related_titles(_page(client_for(people["owner"]), url))) == 2
    member.post("/flows/related/list", data={"show": "0", "next": url})
    page = _page(member, url)
    assert _related_titles(page) == [] and "Show related content" in page
    member.post("/flows/related/list", data={"show": "1", "next": url})
    assert _related_titles(_page(member, url)) == ["Kubernetes tips for developers"]
    # A redirect never leaves the site.
    r = member.post("/flows/related/list", data={"show": "1", "next": "https://evil.example/"})
    assert r.headers["Location"] == "/"


def test_nothing_related_shows_no_list(app, people, agora, vault, make, client_for, index_now):
    make.page(agora, people["owner"], "Zymurgy notes", body="Brewing.")
    index_now()
    member = client_for(people["member"])
    page = _page(member, f"/c/{agora.slug}/wiki/zymurgy-notes")
    assert 'data-testid="related"' not in page and "flow-related-slot" not in page
    # Once known to be empty, the page says nothing about it, not even a slot.
    assert "flow-related-slot" not in text(member.get(f"/c/{agora.slug}/wiki/zymurgy-notes"))


def test_a_page_never_waits_for_the_related_search(app, people, agora, vault, make, client_for, index_now):
    """The first view of an item leaves its related list to the browser (a search costs more than
    the rest of the page); the list it fetches is the one later views show in the page itself."""
    ids = _setup(make, people, agora, vault)
    index_now()
    member = client_for(people["member"])
    url = f"/c/{agora.slug}/forums/t/{ids['topic']}"
    first = text(member.get(url))
    slot = SLOT.search(first)
    assert slot and _related_titles(first) == []
    part = member.get(htmllib.unescape(slot.group(1)))
    assert part.status_code == 200
    fetched = _related_titles(text(part))
    assert "Kubernetes deployment guide" in fetched
    # The hide buttons in the fetched part come back to the page they were shown on.
    assert f'name="next" value="{url}"' in text(part)
    again = text(member.get(url))
    assert SLOT.search(again) is None and _related_titles(again) == fetched


def test_the_related_part_follows_the_access_policy(app, people, agora, vault, make, client_for, index_now):
    ids = _setup(make, people, agora, vault)
    index_now()
    secret = f"/flows/related?key=wiki_page:{ids['secret']}&next=/"
    # An outsider learns nothing about the private community's page, not even that it exists.
    outsider = client_for(people["outsider"])
    assert outsider.get(secret).status_code == 404
    assert outsider.get("/flows/related?key=wiki_page:999999").status_code == 404
    assert outsider.get("/flows/related?key=nonsense").status_code == 404
    assert client_for(None).get(secret).status_code in (302, 401)
    insider = client_for(people["insider"])
    assert insider.get(secret).status_code in (200, 204)
    # A "next" leading off the site is never put into the hide forms.
    evil = insider.get(f"/flows/related?key=forum_topic:{ids['topic']}&next=https://evil.example/")
    assert evil.status_code == 200 and "evil.example" not in text(evil)
    assert f'name="next" value="/c/{agora.slug}/forums/t/{ids["topic"]}"' in text(evil)


def test_a_hidden_opening_post_does_not_steer_the_related_list(app, people, agora, vault, make, client_for,
                                                                 index_now):
    """The list beside a topic is searched from its title, tags and opening post: once a
    moderator hides that post, its words no longer pick what everyone is shown."""
    from collab.accounts.models import User
    from collab.extensions import db
    from forums import moderation
    from forums.models import ForumPost, ForumTopic

    forum = make.forum(agora, people["owner"])
    make.page(agora, people["owner"], "Quokka migration handbook", body="Zanzibar quokka migration steps.")
    shown = make.topic(forum, people["member"], title="Weekly status one", body="Zanzibar quokka migration.")
    hidden = make.topic(forum, people["member"], title="Weekly status two", body="Zanzibar quokka migration.")
    with app.test_request_context("/", method="POST"):
        topic = db.session.get(ForumTopic, hidden)
        moderation.hide_post(db.session.get(ForumPost, topic.first_post_id), db.session.get(User, people["owner"].id))
        db.session.commit()
    index_now()
    owner = client_for(people["owner"])
    assert "Quokka migration handbook" in _related_titles(_page(owner, f"/c/{agora.slug}/forums/t/{shown}"))
    assert "Quokka migration handbook" not in _related_titles(_page(owner, f"/c/{agora.slug}/forums/t/{hidden}"))


def test_a_page_a_moderator_hides_leaves_the_lists_already_made(app, people, agora, vault, make, client_for,
                                                                index_now):
    """The lists are kept a while for all of a community's readers: a moderator's hide must not
    wait for them to expire."""
    from collab.accounts.models import User
    from collab.extensions import db
    from collab.moderation import services as moderation

    make.page(agora, people["owner"], "Quokka migration handbook", body="Zanzibar quokka migration steps.")
    incident = make.page(agora, people["member"], "Quokka incident report", body="Zanzibar quokka migration outage.")
    index_now()
    reader = client_for(people["outsider"])
    url = f"/c/{agora.slug}/wiki/quokka-migration-handbook"
    assert "Quokka incident report" in _related_titles(_page(reader, url))
    with app.test_request_context("/", method="POST"):
        moderation.resolve(db.session.get(User, people["owner"].id), f"wiki_page:{incident}", "hide", "private")
        db.session.commit()
    index_now()
    assert "Quokka incident report" not in _related_titles(_page(reader, url))
