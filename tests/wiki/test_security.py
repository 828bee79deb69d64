"""The XSS corpus through every wiki text field (title, body, edit summary, link targets, the
new-page form's query string) and every page that shows them: none of it becomes active."""
from __future__ import annotations

import re
from urllib.parse import quote

from tests.helpers import assert_no_active_content, text
from tests.security.test_xss import CORPUS
from tests.wiki.conftest import url


def as_title(payload: str) -> str:
    """The payload as a title can carry it (titles refuse / | [ ] and are one line)."""
    return " ".join(re.sub(r"[/|\[\]]", "-", payload).split())[:200]


def test_xss_corpus_through_every_wiki_field(community, people, client_for, wiki):
    member, mod = client_for(people["member"]), client_for(people["moderator"])
    body = "\n\n".join(CORPUS) + "\n\n" + "\n".join(f"[[{p.replace(']', '')[:60]}]]" for p in CORPUS)
    home = wiki.create(community, people["owner"], "Home", body="Start")
    paths = []
    for i, payload in enumerate(CORPUS):
        r = member.post(url(community, "-/new"), data={"title": as_title(payload) or f"p{i}", "parent": str(home),
                                                       "body": body, "summary": payload.replace("\n", " ")})
        assert r.status_code == 302, (payload, text(r)[-2000:])
        path = r.headers["Location"].split("/wiki/", 1)[1]
        paths.append(path)
        # A second revision with a hostile summary and a changed body, for history and diffs.
        r = member.post(url(community, path, "edit"), data={"body": body + "\n\n" + payload, "base_revision": "1",
                                                            "summary": payload.replace("\n", " ")})
        assert r.status_code == 302
    # Raw payloads as titles: refused or cleaned, and the error page is inert too.
    for payload in CORPUS:
        r = member.post(url(community, "-/new"), data={"title": payload, "parent": "", "body": payload})
        assert_no_active_content(text(r))
    pages = [url(community), url(community, "-/recent"), url(community, "-/new") + "?title=" + quote(CORPUS[0])]
    for path in paths[:8] + paths[-4:]:
        pages += [url(community, path), url(community, path, "history"), url(community, path, "revisions/1"),
                  url(community, path, "diff") + "?from=1&to=2", url(community, path, "diff") + "?from=1&to=2&view=inline",
                  url(community, path, "edit"), url(community, path, "move")]
    for page in pages:
        r = mod.get(page)
        assert r.status_code == 200, page
        assert_no_active_content(text(r))
    # The live preview returns sanitised HTML.
    html = member.post(url(community, "-/preview"), data={"body": body}).get_json()["html"]
    assert_no_active_content(html)
    # A conflict page shows both texts.
    member.post(url(community, paths[0], "edit"), data={"body": "theirs\n" + CORPUS[1], "base_revision": "2"})
    r = member.post(url(community, paths[0], "edit"), data={"body": "mine\n" + CORPUS[0], "base_revision": "2"})
    assert r.status_code == 409
    assert_no_active_content(text(r))
    # The trash.
    mod.post(url(community, paths[1], "delete"))
    r = mod.get(url(community, "-/trash"))
    assert_no_active_content(text(r))
    assert_no_active_content(text(mod.get(url(community, paths[1]))))


def test_wiki_pages_have_no_inline_script_or_style(community, people, client_for, wiki):
    wiki.create(community, people["owner"], "Home", body="# Hi\n\n[[Missing]]")
    client = client_for(people["member"])
    for page in (url(community), url(community, "home", "edit"), url(community, "home", "history"),
                 url(community, "-/new")):
        body = text(client.get(page))
        assert "<script>" not in body and " onclick=" not in body and "style=" not in body, page
        assert re.search(r'<script type="module" src="/static/js/wiki\.js\?v=[0-9a-f]+"></script>', body)
