"""Text that reaches a page's live document from outside the live editor (a plain-form save, a
restore, the API) lands in it exactly, in any script, and the editors' next save keeps it."""
from __future__ import annotations

import re

from tests.api.conftest import api_as, token_for  # noqa: F401  (shared fixtures)
from tests.wiki.conftest import url
from tests.wiki.test_coedit import Editor

HANDBOOK = "## 值班说明\n\n值班工程师 alice 负责第一周。😀 Status: green\n"


def _form_save(client, community, path, body, base):
    return client.post(url(community, path, "edit"), data={
        "body": body, "base_revision": str(base), "summary": "", "action": "save"})


def test_a_plain_form_save_after_chinese_text_and_emoji_lands_exactly(app, community, people, client_for, wiki):
    page = wiki.create(community, people["owner"], "Handbook", body=HANDBOOK)
    ana = Editor(app, client_for(people["member"]), page)
    ana.sync()
    # Ana adds to the heading, live (not saved yet; pycrdt counts positions in UTF-8 bytes) ...
    assert ana.send(ana.edit(lambda t: t.insert(len("## 值班说明".encode()), "（周末轮换）")))["ok"]
    # ... while Cy, without JavaScript, changes a name in the middle, from revision 1.
    cy = client_for(people["moderator"])
    r = _form_save(cy, community, "handbook", HANDBOOK.replace("alice", "bob").replace("green", "amber"), 1)
    assert r.status_code == 302
    ana.receive()
    expected = "## 值班说明（周末轮换）\n\n值班工程师 bob 负责第一周。😀 Status: amber\n"
    assert ana.value() == expected
    assert wiki.revisions(page)[-1][1] == expected
    page_html = cy.get(url(community, "handbook")).get_data(as_text=True)
    assert "值班工程师 bob 负责第一周" in page_html and "值班说明" in page_html


def test_a_restore_of_chinese_text_reaches_the_editors_and_their_next_save_keeps_going(
        app, community, people, client_for, wiki):
    page = wiki.create(community, people["owner"], "Handbook", body=HANDBOOK)
    member = client_for(people["member"])
    ana = Editor(app, member, page)
    ana.sync()
    assert ana.send(ana.edit(lambda t: t.insert(len(t), " 加上ABC\n")))["ok"]
    assert _form_save(member, community, "handbook", HANDBOOK + " 加上ABC\n", 1).status_code == 302
    assert [n for n, *_ in wiki.revisions(page)] == [1, 2]
    r = client_for(people["owner"]).post(url(community, "handbook", "revisions/1/restore"))
    assert r.status_code == 302
    ana.receive()
    assert ana.value() == HANDBOOK
    assert wiki.revisions(page)[-1][1] == HANDBOOK
    # The editor goes on from the restored text: a change is a change, and it is saved.
    assert ana.send(ana.edit(lambda t: t.insert(len(t), "下周：carol\n")))["ok"]
    r = _form_save(member, community, "handbook", HANDBOOK + "下周：carol\n", 3)
    assert r.status_code == 302
    assert "nothing was saved" not in member.get(r.headers["Location"]).get_data(as_text=True)
    assert wiki.revisions(page)[-1][1] == HANDBOOK + "下周：carol\n"


def test_an_api_edit_reaches_the_live_document_and_the_next_browser_save_keeps_it(
        app, community, people, client_for, wiki, api_as):
    page = wiki.create(community, people["owner"], "Runbooks", body="Step one.\nStep two.\n")
    member = client_for(people["member"])
    ana = Editor(app, member, page)
    ana.sync()
    r = api_as(people["moderator"]).patch(f"/communities/{community.slug}/wiki/pages/{page}", json={
        "body": "API-EDITED step one.\nStep two.\n", "base_revision": 1})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["saved"] is True
    ana.receive()
    assert ana.value() == "API-EDITED step one.\nStep two.\n"
    # The editor opened now starts from it ...
    html = member.get(url(community, "runbooks", "edit")).get_data(as_text=True)
    assert "API-EDITED step one." in html
    # ... and Ana's next save keeps it.
    assert ana.send(ana.edit(lambda t: t.insert(len(t), "Step three.\n")))["ok"]
    assert _form_save(member, community, "runbooks", "API-EDITED step one.\nStep two.\nStep three.\n",
                      2).status_code == 302
    assert wiki.revisions(page)[-1][1] == "API-EDITED step one.\nStep two.\nStep three.\n"


def test_every_restore_button_on_the_history_page_is_its_own_form(app, community, people, client_for, wiki):
    """A form inside another is dropped by the browser: the restore button of the row below the
    current one submitted the compare form (and put the CSRF token in its address)."""
    page = wiki.create(community, people["owner"], "Handbook", body="one\n")
    wiki.save(page, people["owner"], "two\n", 1)
    wiki.save(page, people["owner"], "three\n", 2)
    html = client_for(people["owner"]).get(url(community, "handbook", "history")).get_data(as_text=True)
    depth, deepest = 0, 0
    for tag in re.findall(r"<(/?)form\b", html):
        depth += -1 if tag else 1
        deepest = max(deepest, depth)
    assert deepest == 1 and depth == 0
    assert len(re.findall(r'action="[^"]*/-/revisions/\d+/restore"', html)) == 2
    # The compare form still gets the two revisions picked in the table.
    compare = re.search(r'<form id="([^"]+)" method="get" action="([^"]+)"', html)
    assert compare and compare.group(2).endswith("/handbook/-/diff")
    assert len(re.findall(rf'<input type="radio" form="{compare.group(1)}" name="(?:from|to)"', html)) == 6


def test_a_long_chinese_page_takes_live_edits_below_the_limit_in_characters(app, community, people, client_for,
                                                                            wiki):
    """The limit is in characters (BODY_MAX); a Chinese character is three bytes where pycrdt counts."""
    from wiki.models import BODY_MAX

    body = "说明" * (BODY_MAX // 5) + "\n"  # 40 % of the limit in characters, 120 % of it in bytes
    page = wiki.create(community, people["owner"], "Handbook", body=body)
    ana = Editor(app, client_for(people["member"]), page)
    ana.sync()
    answer = ana.send(ana.edit(lambda t: t.insert(len(t), "新的一行\n")))
    assert answer["ok"], answer
    assert ana.value() == body + "新的一行\n"
