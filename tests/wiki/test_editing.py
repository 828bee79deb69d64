"""Saving, history, old revisions, diffs, restore, three-way merge, conflicts and concurrent saves."""
from __future__ import annotations

import re
import threading
import time

import pytest

from tests.conftest import csrf_token
from tests.helpers import text
from tests.wiki.conftest import url

BASE = "\n".join(f"Line {n}: the quick brown fox." for n in range(1, 11)) + "\n"


def edited(line: int, words: str, source: str = BASE) -> str:
    lines = source.splitlines()
    lines[line - 1] = words
    return "\n".join(lines) + "\n"


def edit_form(client, community, path):
    r = client.get(url(community, path, "edit"))
    assert r.status_code == 200
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', text(r))
    return int(base.group(1))


def test_create_edit_history_revision_diff_restore(community, people, client_for, wiki):
    member = client_for(people["member"])
    r = member.post(url(community, "-/new"), data={"title": "Onboarding", "parent": "", "body": "# Steps\n\nFirst day.",
                                                   "summary": "first draft"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/wiki/onboarding")
    assert "First day." in text(member.get(url(community, "onboarding")))
    base = edit_form(member, community, "onboarding")
    assert base == 1
    r = member.post(url(community, "onboarding", "edit"), data={
        "body": "# Steps\n\nFirst day: laptop and badge.", "base_revision": "1", "summary": "more detail"},
        follow_redirects=True)
    assert "Saved as revision 2." in text(r) and "laptop and badge" in text(r)

    history = text(member.get(url(community, "onboarding", "history")))
    assert "first draft" in history and "more detail" in history and "Created" in history
    old = text(member.get(url(community, "onboarding", "revisions/1")))
    assert "First day." in old and "laptop" not in old and "old revision" in old

    diff = text(member.get(url(community, "onboarding", "diff") + "?from=1&to=2"))
    assert "<ins>: laptop and badge</ins>" in diff  # word level, inside the changed line
    assert "1 line added" in diff and "1 line removed" in diff
    inline = text(member.get(url(community, "onboarding", "diff") + "?from=1&to=2&view=inline"))
    assert 'class="diff diff-inline"' in inline and "<ins>: laptop and badge</ins>" in inline
    # Either order, and revision 0 (the empty page before it existed).
    assert "laptop" in text(member.get(url(community, "onboarding", "diff") + "?from=2&to=1"))
    assert member.get(url(community, "onboarding", "diff") + "?from=0&to=1").status_code == 200
    assert member.get(url(community, "onboarding", "diff") + "?from=1&to=9").status_code == 404

    # Restoring revision 1 adds revision 3 with revision 1's text; history is never rewritten.
    r = member.post(url(community, "onboarding", "revisions/1/restore"), follow_redirects=True)
    assert "Revision 1 is restored as revision 3." in text(r)
    revs = [(n, body, kind) for n, body, kind, _ in wiki.revisions(wiki.find(community, "onboarding"))]
    assert [n for n, *_ in revs] == [1, 2, 3]
    assert revs[2][1] == revs[0][1] and revs[2][2] == "restore"
    assert "laptop" in revs[1][1]
    # Restoring what is already current says so and adds nothing.
    r = member.post(url(community, "onboarding", "revisions/3/restore"), follow_redirects=True)
    assert "nothing to restore" in text(r)


@pytest.fixture
def plan(community, people, wiki):
    return wiki.create(community, people["owner"], "Plan", body=BASE)


def test_unchanged_text_saves_nothing(community, people, client_for, plan, wiki):
    member = client_for(people["member"])
    r = member.post(url(community, "plan", "edit"), data={"body": BASE, "base_revision": "1"}, follow_redirects=True)
    assert "nothing was saved" in text(r)
    assert len(wiki.revisions(plan)) == 1


def test_stale_save_without_overlap_is_merged_and_says_so(community, people, client_for, plan, wiki):
    ana, bo = client_for(people["member"]), client_for(people["other"])
    assert edit_form(ana, community, "plan") == edit_form(bo, community, "plan") == 1
    r = ana.post(url(community, "plan", "edit"), data={"body": edited(2, "Ana's line two."), "base_revision": "1"})
    assert r.status_code == 302
    r = bo.post(url(community, "plan", "edit"), data={"body": edited(9, "Bo's line nine."), "base_revision": "1"},
                follow_redirects=True)
    assert "Others saved changes while you were editing" in text(r) and "Saved as revision 3." in text(r)
    revs = wiki.revisions(plan)
    assert [(n, kind) for n, _, kind, _ in revs] == [(1, "create"), (2, "edit"), (3, "merge")]
    final = revs[-1][1]
    assert "Ana's line two." in final and "Bo's line nine." in final and "Line 5: the quick" in final
    assert "Bo's line nine." in text(bo.get(url(community, "plan")))


def test_overlapping_save_shows_the_conflict_and_keeps_the_text(community, people, client_for, plan, wiki):
    ana, bo = client_for(people["member"]), client_for(people["other"])
    ana.post(url(community, "plan", "edit"), data={"body": edited(5, "Ana rewrote line five."), "base_revision": "1"})
    mine = edited(5, "Bo rewrote line five differently.", edited(1, "Bo also changed line one."))
    r = bo.post(url(community, "plan", "edit"), data={"body": mine, "base_revision": "1", "summary": "bo's try"})
    assert r.status_code == 409
    body = text(r)
    assert 'data-testid="conflict"' in body and "overlap" in body
    # The editor holds the merge: the non-overlapping change applied, both versions of the overlap.
    editor = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', body, re.DOTALL).group(1)
    assert "&lt;&lt;&lt;&lt;&lt;&lt;&lt; saved by others (revision 2)" in editor
    assert "Ana rewrote line five." in editor and "Bo rewrote line five differently." in editor
    assert "Bo also changed line one." in editor and "&gt;&gt;&gt;&gt;&gt;&gt;&gt; your edit" in editor
    # The person's own text, untouched, in its own box; the form now builds on revision 2.
    mine_box = re.search(r'data-testid="your-text">(.*?)</textarea>', body, re.DOTALL).group(1)
    assert mine_box.replace("&#39;", "'") == mine
    assert 'name="base_revision" type="hidden" value="2"' in body and 'name="resolving" type="hidden" value="1"' in body
    assert 'value="bo&#39;s try"' in body
    assert len(wiki.revisions(plan)) == 2  # nothing was saved

    # Saving with the markers still in is refused; a resolved text is saved on top of revision 2.
    unresolved = re.sub(r"&lt;", "<", re.sub(r"&gt;", ">", editor)).replace("&#39;", "'")
    r = bo.post(url(community, "plan", "edit"), data={"body": unresolved, "base_revision": "2", "resolving": "1"})
    assert r.status_code == 200 and "conflict markers" in text(r)
    resolved = edited(5, "Ana and Bo agreed on line five.", edited(1, "Bo also changed line one."))
    r = bo.post(url(community, "plan", "edit"), data={"body": resolved, "base_revision": "2", "resolving": "1"},
                follow_redirects=True)
    assert "Saved as revision 3." in text(r)
    assert wiki.revisions(plan)[-1][1] == resolved


def test_service_merge_and_conflict(app, community, people, plan, wiki):
    from wiki.services import Conflict

    assert wiki.save(plan, people["member"], edited(1, "One."), base=1) == (2, False)
    assert wiki.save(plan, people["other"], edited(10, "Ten."), base=1) == (3, True)
    with pytest.raises(Conflict) as caught:
        wiki.save(plan, people["other"], edited(1, "Uno."), base=1)
    c = caught.value
    assert c.mine == edited(1, "Uno.") and c.current_number == 3 and c.conflicts == 1
    assert c.hunks == [("One.\n", "Uno.\n")]
    assert "Ten." in c.merged and "One." in c.current_text
    # A base the page never had is refused.
    from wiki.services import WikiError

    with pytest.raises(WikiError):
        wiki.save(plan, people["other"], "x", base=9)


def _slow_critical_section(monkeypatch, seconds=0.3):
    """Make each save hold its lock a while, so the second save certainly arrives while the first
    is inside (without the lock, both would read revision 1 and one would overwrite the other)."""
    from wiki import links

    original = links.render_page

    def slow(page, community=None):
        time.sleep(seconds)
        return original(page, community)

    monkeypatch.setattr(links, "render_page", slow)


def _together(*jobs):
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as e:  # noqa: BLE001 (the test inspects it)
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_two_saves_at_the_same_moment_both_survive(backend, community, people, plan, wiki, monkeypatch):
    _slow_critical_section(monkeypatch)
    results = _together(
        lambda: wiki.save(plan, people["member"], edited(2, "Ana at the same moment."), base=1),
        lambda: wiki.save(plan, people["other"], edited(8, "Bo at the same moment."), base=1),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(r[0] for r in results) == [2, 3]
    assert sorted(r[1] for r in results) == [False, True]  # the second one merged
    revs = wiki.revisions(plan)
    assert [n for n, *_ in revs] == [1, 2, 3]
    assert {revs[1][3], revs[2][3]} == {people["member"].id, people["other"].id}
    final = revs[-1][1]
    assert "Ana at the same moment." in final and "Bo at the same moment." in final


def test_two_overlapping_saves_at_the_same_moment_conflict(backend, community, people, plan, wiki, monkeypatch):
    from wiki.services import Conflict

    _slow_critical_section(monkeypatch)
    a, b = edited(4, "Ana's line four."), edited(4, "Bo's line four.")
    results = _together(lambda: wiki.save(plan, people["member"], a, base=1),
                        lambda: wiki.save(plan, people["other"], b, base=1))
    saved = [r for r in results if not isinstance(r, Exception)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(saved) == 1 and len(conflicts) == 1, results
    assert conflicts[0].mine in (a, b) and conflicts[0].current_number == 2
    revs = wiki.revisions(plan)
    assert [n for n, *_ in revs] == [1, 2] and revs[1][1] in (a, b) and revs[1][1] != conflicts[0].mine


def test_two_http_saves_at_the_same_moment(backend, community, people, client_for, plan, wiki, monkeypatch):
    ana, bo = client_for(people["member"]), client_for(people["other"])
    _slow_critical_section(monkeypatch)
    results = _together(
        lambda: ana.post(url(community, "plan", "edit"), data={"body": edited(3, "Ana via HTTP."), "base_revision": "1"}),
        lambda: bo.post(url(community, "plan", "edit"), data={"body": edited(7, "Bo via HTTP."), "base_revision": "1"}),
    )
    assert [r.status_code for r in results] == [302, 302]
    final = wiki.revisions(plan)[-1]
    assert final[0] == 3 and "Ana via HTTP." in final[1] and "Bo via HTTP." in final[1]


def test_preview_without_javascript_saves_nothing(community, people, client_for, plan, wiki):
    member = client_for(people["member"])
    r = member.post(url(community, "plan", "edit"), data={"body": "# Draft heading\n\n[[Plan]]", "base_revision": "1",
                                                         "action": "preview"})
    body = text(r)
    assert r.status_code == 200 and '<h1 id="h-draft-heading">Draft heading</h1>' in body
    assert "# Draft heading" in body  # still in the editor
    assert len(wiki.revisions(plan)) == 1


def test_preview_endpoint(community, people, client_for, plan):
    member = client_for(people["member"])
    r = member.post(url(community, "-/preview"), data={"body": "**bold** [[Plan]] [[Nope]] <script>x</script>"})
    html = r.get_json()["html"]
    assert "<strong>bold</strong>" in html and 'class="wikilink"' in html and 'class="wikilink missing"' in html
    assert "<script" not in html
    assert member.post(url(community, "-/preview"), data={"body": "x" * 300_001}).status_code == 413


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_preview_needs_the_csrf_token(app, community, people, plan):
    client = app.test_client()
    token = csrf_token(text(client.get("/login")))
    client.post("/login", data={"login": "member", "password": "correct-horse", "csrf_token": token})
    page = text(client.get(url(community, "plan", "edit")))
    assert client.post(url(community, "-/preview"), data={"body": "x"}).status_code == 400
    r = client.post(url(community, "-/preview"), data={"body": "*x*"}, headers={"X-CSRFToken": csrf_token(page)})
    assert r.status_code == 200 and "<em>x</em>" in r.get_json()["html"]


def test_editor_page_carries_the_script_hooks(community, people, client_for, plan):
    body = text(client_for(people["member"]).get(url(community, "plan", "edit")))
    assert 'src="/static/js/wiki.js?v=' in body and 'type="module"' in body
    assert "data-wiki-editor" in body and "data-preview-url=" in body and "data-unsaved=" in body
    assert 'value="preview"' in body  # the plain Preview button, for browsers without JavaScript
