"""[[Wiki links]], missing-page links, backlinks, and the rendering of page bodies."""
from __future__ import annotations

import re

from tests.helpers import text
from tests.wiki.conftest import url


def links_in(html: str) -> dict[str, tuple[str, str]]:
    """label -> (class, href) of every wiki link in a page."""
    return {label: (cls, href) for cls, href, label in
            re.findall(r'<a class="(wikilink[^"]*)" href="([^"]+)"[^>]*>(.*?)</a>', html)}


def test_links_resolve_missing_links_offer_creation_and_backlinks(community, people, client_for, wiki):
    owner = people["owner"]
    home = wiki.create(community, owner, "Home", body="See [[Setup guide]], [[setup GUIDE|the guide]] and [[Roadmap]].\n\n"
                                                        "`[[Not a link]]`")
    client = client_for(people["member"])
    found = links_in(text(client.get(url(community, "home"))))
    assert found["Setup guide"][0] == "wikilink missing"
    assert found["Setup guide"][1] == f"/c/handbook/wiki/-/new?title=Setup+guide&amp;parent={home}"
    assert "Not a link" not in found
    # Following the missing link opens the form with the title and parent filled in.
    form = text(client.get(found["Setup guide"][1].replace("&amp;", "&")))
    assert 'value="Setup guide"' in form and re.search(rf'<option selected value="{home}">|value="{home}" selected', form)
    r = client.post(url(community, "-/new"), data={"title": "Setup guide", "parent": str(home), "body": "Back to [[Home]]."})
    assert r.status_code == 302
    # The linking page now links to the new page, under both spellings, and it lists its backlinks.
    found = links_in(text(client.get(url(community, "home"))))
    assert found["Setup guide"] == ("wikilink", "/c/handbook/wiki/home/setup-guide")
    assert found["the guide"] == ("wikilink", "/c/handbook/wiki/home/setup-guide")
    assert found["Roadmap"][0] == "wikilink missing"
    setup = text(client.get(url(community, "home/setup-guide")))
    backlinks = setup[setup.index('id="backlinks"'):]
    assert '<a href="/c/handbook/wiki/home">Home</a>' in backlinks
    home_page = text(client.get(url(community, "home")))
    assert '<a href="/c/handbook/wiki/home/setup-guide">Setup guide</a>' in home_page[home_page.index('id="backlinks"'):]


def test_links_follow_renames_moves_and_deletes(community, people, client_for, wiki):
    owner = people["owner"]
    home = wiki.create(community, owner, "Home")
    target = wiki.create(community, owner, "Target", parent=home)
    linker = wiki.create(community, owner, "Linker", parent=home, body="Go to [[Target]].")
    client, mod = client_for(people["member"]), client_for(people["moderator"])
    client.post(url(community, "home/target", "rename"), data={"title": "Destination"})
    found = links_in(text(client.get(url(community, "home/linker"))))
    # The old title still leads to the renamed page, at its new address.
    assert found["Target"] == ("wikilink", "/c/handbook/wiki/home/destination")
    mod.post(url(community, "home/destination", "move"), data={"parent": ""})
    assert links_in(text(client.get(url(community, "home/linker"))))["Target"] == ("wikilink", "/c/handbook/wiki/destination")
    mod.post(url(community, "destination", "delete"))
    assert links_in(text(client.get(url(community, "home/linker"))))["Target"][0] == "wikilink missing"
    mod.post(url(community, f"-/trash/{target}/restore"))
    assert links_in(text(client.get(url(community, "home/linker"))))["Target"][0] == "wikilink"
    assert linker


def test_nearest_namesake_and_parent_child_links(community, people, client_for, wiki):
    owner = people["owner"]
    home = wiki.create(community, owner, "Home")
    alpha = wiki.create(community, owner, "Alpha", parent=home)
    beta = wiki.create(community, owner, "Beta", parent=home)
    wiki.create(community, owner, "Setup", parent=alpha)
    wiki.create(community, owner, "Setup", parent=beta)
    wiki.create(community, owner, "Notes", parent=beta, body="[[Setup]] and [[Alpha/Setup]] and [[Gamma/Setup|x]]")
    found = links_in(text(client_for(people["member"]).get(url(community, "home/beta/notes"))))
    assert found["Setup"] == ("wikilink", "/c/handbook/wiki/home/beta/setup")  # the sibling
    assert found["Alpha/Setup"] == ("wikilink", "/c/handbook/wiki/home/alpha/setup")
    assert found["x"][0] == "wikilink missing"


def test_rendering_headings_toc_code_tables_tasks(community, people, client_for, wiki):
    body = ("# Guide\n\n## Install\n\nText.\n\n### On Linux\n\n## 使用方法\n\n"
            "```python\ndef hello():\n    return 'hi'\n```\n\n"
            "| Tool | Use |\n|---|---|\n| git | history |\n\n- [ ] open task\n- [x] done task\n\n@owner wrote this.")
    wiki.create(community, people["owner"], "Guide", body=body)
    page = text(client_for(people["member"]).get(url(community, "guide")))
    for anchor in ("h-guide", "h-install", "h-on-linux", "h-使用方法"):
        assert f'id="{anchor}"' in page
    toc = page[page.index('class="wiki-toc"'):page.index('class="prose wiki-body"')]
    assert '<a href="#h-install">Install</a>' in toc and '<a href="#h-使用方法">使用方法</a>' in toc
    assert '<div class="highlight"><pre>' in page and '<span class="k">def</span>' in page
    assert "<table>" in page and "<td>git</td>" in page
    assert '<li class="task"><input disabled="" type="checkbox"> open task' in page
    assert '<input checked="" disabled="" type="checkbox"> done task' in page
    assert '<a class="mention" href="/u/owner"' in page


def test_links_are_recorded_for_the_current_text_only(app, community, people, wiki):
    from sqlalchemy import select

    from collab.extensions import db
    from wiki.models import WikiLink

    page = wiki.create(community, people["owner"], "Page", body="[[One]] [[Two]] [[one]]")
    with app.app_context():
        assert sorted(db.session.scalars(select(WikiLink.target_key).where(WikiLink.page_id == page))) == ["one", "two"]
    wiki.save(page, people["owner"], "[[Three]]", base=1)
    with app.app_context():
        assert list(db.session.scalars(select(WikiLink.target).where(WikiLink.page_id == page))) == ["Three"]
