"""Live co-editing in Debian's Chromium against the real server: three people type into the same
page at once (interleaved keystrokes, Chinese text inserted as an input method does, deletions);
all three end with the same text, each person's keystrokes all there and in order (so carets
stayed put under the others' changes), the others' carets are shown with their names, and the
saved revision equals the shared text."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from .conftest import create_community, flash_text, register, slug_from_url, start_site

pytestmark = pytest.mark.browser

ROUNDS = 8


@pytest.fixture(scope="module")
def site(browser, tmp_path_factory):
    """The module's site, with a one-second quiet period before live edits are saved."""
    live = start_site(browser, tmp_path_factory.mktemp("coedit"), env={"COLLAB_WIKI_QUIET_SECONDS": "1"})
    yield live
    live.stop(quick=True)


def _caret(page, where: str) -> None:
    page.locator("#body").evaluate(
        "(el, where) => { el.focus(); const i = where === 'start' ? 0 : where === 'end' ? el.value.length"
        " : el.value.indexOf(where) + where.length; el.setSelectionRange(i, i); }", where)


def _editing_together(owner, others, name: str, body: str) -> str:
    """``owner`` makes a public community with a wiki home of ``body``, the ``others`` join, and
    all open its editor, live. Returns the community's slug."""
    create_community(owner, name, description="Ops.", access="public")
    slug = slug_from_url(owner.url)
    for p in others:
        p.goto(f"/c/{slug}/")
        with p.expect_navigation():
            p.locator(".community-actions button").first.click()
    owner.goto(f"/c/{slug}/wiki/-/new")
    owner.fill("#body", body)
    owner.locator("#body").press("Control+s")
    owner.wait_for_url(f"**/c/{slug}/wiki/home")
    for p in (owner, *others):
        p.goto(f"/c/{slug}/wiki/home/-/edit")
    for p in (owner, *others):
        expect(p.locator("[data-testid=live-status]")).to_have_attribute("data-state", "live")
    return slug


def _ana_and_bo_editing(new_page, name: str, body: str, who: str):
    """Ana and Bo, registered as ana-``who`` and bo-``who``, editing the home page of Ana's new
    community live: (ana, bo, watches)."""
    ana, wa = new_page()
    bo, wb = new_page()
    register(ana, f"ana-{who}", "Ana Lima")
    register(bo, f"bo-{who}", "Bo Chen")
    slug = _editing_together(ana, (bo,), name, body)
    return ana, bo, slug, (wa, wb)


def test_three_people_type_at_once(site, new_page):
    ana, wa = new_page()
    bo, wb = new_page()
    cy, wc = new_page(locale="zh-CN")
    register(ana, "ana", "Ana Lima")
    register(bo, "bo", "Bo Chen")
    register(cy, "cy", "Cy Wang")
    slug = _editing_together(ana, (bo, cy), "Platform", "Start\nMiddle\n")
    edit = f"/c/{slug}/wiki/home/-/edit"
    _caret(ana, "end")
    _caret(bo, "start")
    _caret(cy, "Middle")

    # Interleaved: nobody waits for the others' changes to arrive before typing on.
    for i in range(ROUNDS):
        ana.keyboard.type(f"A{i} ")
        bo.keyboard.type(f"B{i}x")
        cy.keyboard.insert_text(f" 中文{i}")
        bo.keyboard.press("Backspace")  # deletes Bo's own "x"

    texts = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        texts = [p.locator("#body").input_value() for p in (ana, bo, cy)]
        if len(set(texts)) == 1 and all(p.locator("[data-testid=live-status]").get_attribute("data-state") == "live"
                                        for p in (ana, bo, cy)):
            break
        time.sleep(0.1)
    assert len(set(texts)) == 1, texts
    text = texts[0]
    want_b = "".join(f"B{i}" for i in range(ROUNDS))
    want_c = "Middle" + "".join(f" 中文{i}" for i in range(ROUNDS))
    want_a = "".join(f"A{i} " for i in range(ROUNDS))
    assert text == f"{want_b}Start\n{want_c}\n{want_a}", text

    # Each sees the others' carets, named.
    expect(ana.locator(".coedit-caret .coedit-name")).to_have_count(2)
    names = sorted(ana.locator(".coedit-caret .coedit-name").all_inner_texts())
    assert names == ["Bo Chen", "Cy Wang"]

    # Bo saves; the revision is the shared text (the quiet-period save may have come first).
    bo.locator("#body").press("Control+s")
    bo.wait_for_url(f"**/c/{slug}/wiki/home")
    assert "Saved as revision" in flash_text(bo) or "nothing was saved" in flash_text(bo)
    bo.goto(edit)
    saved = bo.locator("#body").evaluate("(el) => el.defaultValue")  # the server's copy of the page
    assert saved == text.rstrip("\n") + "\n"
    bo.goto(f"/c/{slug}/wiki/home/-/history")
    history = bo.locator(".wiki-history").inner_text()
    assert "Ana Lima" in history and "Bo Chen" in history and "Cy Wang" in history
    for w in (wa, wb, wc):
        assert not w.problems(), w.problems()
    for p in (ana, bo, cy):
        assert p.evaluate("window.__cspViolations") == []


def test_leaving_the_community_turns_the_live_editor_read_only(site, new_page):
    ana, bo, slug, watches = _ana_and_bo_editing(new_page, "Runbooks", "Failover steps\n", "leave")
    _caret(bo, "end")
    bo.keyboard.type("Bo's draft")
    expect(ana.locator("#body")).to_have_value("Failover steps\nBo's draft")
    # (his preview has caught up: a preview asked for after he left is rightly refused)
    expect(bo.locator("[data-preview-target]")).to_contain_text("Bo's draft")

    # Bo leaves in another tab: the open editor stops at once, keeping Bo's text to copy.
    tab = bo.context.new_page()
    tab.on("dialog", lambda dialog: dialog.accept())
    tab.goto(f"/c/{slug}/")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Leave").click()
    expect(bo.locator("[data-testid=live-status]")).to_have_attribute("data-state", "revoked")
    expect(bo.locator("[data-testid=live-status]")).to_contain_text("no longer edit")
    expect(bo.locator("#body")).to_have_js_property("readOnly", True)
    expect(bo.locator("[data-presence]")).to_be_hidden()
    expect(bo.locator(".coedit-error")).to_contain_text("You cannot edit this page")
    assert bo.locator("#body").input_value() == "Failover steps\nBo's draft"

    # Ana types on; nothing reaches Bo's page any more.
    _caret(ana, "end")
    ana.keyboard.type(" - checked by Ana")
    expect(ana.locator("[data-testid=live-status]")).to_have_attribute("data-state", "live")
    time.sleep(1.0)
    assert bo.locator("#body").input_value() == "Failover steps\nBo's draft"
    for w in watches:
        assert not w.problems(), w.problems()


def test_undo_takes_back_only_ones_own_typing(site, new_page):
    ana, bo, slug, watches = _ana_and_bo_editing(new_page, "Release Train", "Checklist\n", "undo")
    _caret(ana, "end")
    ana.keyboard.type("Ana: freeze at noon")
    expect(bo.locator("#body")).to_have_value("Checklist\nAna: freeze at noon")
    _caret(bo, "start")
    bo.keyboard.type("Bo: ")
    expect(ana.locator("#body")).to_have_value("Bo: Checklist\nAna: freeze at noon")

    # Ana undoes: her line goes, for both of them; Bo's words stay.
    ana.locator("#body").press("Control+z")
    expect(ana.locator("#body")).to_have_value("Bo: Checklist\n")
    expect(bo.locator("#body")).to_have_value("Bo: Checklist\n")
    # And redoes it.
    ana.locator("#body").press("Control+Shift+z")
    expect(bo.locator("#body")).to_have_value("Bo: Checklist\nAna: freeze at noon")
    # Bo's undo takes back Bo's words only.
    bo.locator("#body").press("Control+z")
    expect(ana.locator("#body")).to_have_value("Checklist\nAna: freeze at noon")
    expect(ana.locator("[data-testid=live-status]")).to_have_attribute("data-state", "live")
    expect(bo.locator("[data-testid=live-status]")).to_have_attribute("data-state", "live")

    # What was saved is the shared text.
    bo.locator("#body").press("Control+s")
    bo.wait_for_url(f"**/c/{slug}/wiki/home")
    assert "Ana: freeze at noon" in bo.locator(".wiki-body").inner_text()
    assert "Bo:" not in bo.locator(".wiki-body").inner_text()
    for w in watches:
        assert not w.problems(), w.problems()
