"""The wiki in Debian's Chromium against the real server: writing with the live preview, saving
with the keyboard, the warning before leaving unsaved text, a conflict between two people editing
at once (two browser contexts), and restoring an old revision."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import create_community, flash_text, no_horizontal_scroll, register, sign_in, slug_from_url

pytestmark = pytest.mark.browser


# A 1x1 PNG dropped on the editor's text area, as the browser does for a file dragged from the desktop.
DROP_PNG = """(el) => {
  const b64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], "dot.png", { type: "image/png" }));
  el.focus();
  el.setSelectionRange(el.value.length, el.value.length);
  el.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
  el.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
}"""


def save(page):
    with page.expect_navigation():
        page.locator("form.wiki-editor button[value=save]").click()


def test_edit_conflict_and_restore(site, new_page):
    ana, watch_a = new_page()
    bo, watch_b = new_page()
    register(ana, "ana", "Ana Lima")
    register(bo, "bo", "Bo Chen")
    create_community(ana, "Platform", description="Ops.", access="public")
    slug = slug_from_url(ana.url)
    bo.goto(f"/c/{slug}/")
    with bo.expect_navigation():
        bo.locator(".community-actions").get_by_role("button", name="Join").click()

    # The Wiki tab leads to an empty wiki that offers the Home page.
    ana.goto(f"/c/{slug}/")
    ana.locator("nav.tabs").get_by_role("link", name="Wiki").click()
    ana.get_by_role("link", name="Create the Home page").click()
    expect(ana.locator("#title")).to_have_value("Home")
    # Text over the size limit: the preview says why it shows nothing (the server answers 413).
    ana.locator("#body").evaluate("(el) => { el.value = 'x'.repeat(300001); el.dispatchEvent(new Event('input')); }")
    expect(ana.locator("[data-preview-error]")).to_contain_text("too long to preview")
    # The preview follows the typing, [[links]] included.
    ana.fill("#body", "# Runbook\n\nSee [[Deploys]].\n\nStep one.\nStep two.\nStep three.\n")
    preview = ana.locator("[data-preview-target]")
    expect(preview.locator("h1")).to_have_text("Runbook")
    expect(preview.locator("a.wikilink.missing")).to_have_text("Deploys")
    # Ctrl+S saves.
    ana.locator("#body").press("Control+s")
    ana.wait_for_url(f"**/c/{slug}/wiki/home")
    assert "is created" in flash_text(ana)
    expect(ana.locator(".wiki-body h1")).to_contain_text("Runbook")

    # Bo, in a browser without JavaScript, opens the plain editor on revision 1.
    plain, _watch_plain = new_page(javascript=False)
    sign_in(plain, "bo")
    plain.goto(f"/c/{slug}/wiki/home/-/edit")
    # Ana and Bo (with JavaScript) open the live editor: each sees the other, and Ana's typing
    # appears in Bo's editor as she types.
    ana.goto(f"/c/{slug}/wiki/home/-/edit")
    expect(ana.locator("[data-presence]")).to_be_hidden()
    bo.goto(f"/c/{slug}/wiki/home/-/edit")
    expect(ana.locator("[data-presence-list] li")).to_have_text(["Bo Chen"])
    expect(bo.locator("[data-presence-list] li")).to_have_text(["Ana Lima"])
    expect(bo.locator("[data-testid=live-status]")).to_have_attribute("data-state", "live")
    ana.fill("#body", ana.input_value("#body").replace("Step two.", "Step two, carefully."))
    expect(bo.locator("#body")).to_have_value(re.compile("Step two, carefully"))
    save(ana)
    assert "Saved as revision 2." in flash_text(ana)
    expect(bo.locator("[data-presence]")).to_be_hidden()  # Ana left the editor
    # Leaving with a changed field (the text itself is saved as it is typed) asks first.
    bo.fill("#summary", "wording")
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    bo.on("dialog", on_dialog)
    bo.locator("a", has_text="Back to the page").first.click()
    bo.wait_for_timeout(300)
    assert asked == ["beforeunload"] and bo.url.endswith("/home/-/edit")
    bo.remove_listener("dialog", on_dialog)

    # Bo's plain form started from revision 1: his overlapping change is a conflict.
    plain.fill("#body", plain.input_value("#body").replace("Step two.", "Step 2 (Bo)."))
    save(plain)
    expect(plain.locator("[data-testid=conflict]")).to_contain_text("overlap")
    merged = plain.input_value("#body")
    assert "Step two, carefully." in merged and "Step 2 (Bo)." in merged and "<<<<<<<" in merged
    expect(plain.locator("[data-testid=your-text]")).to_have_value(
        "# Runbook\n\nSee [[Deploys]].\n\nStep one.\nStep 2 (Bo).\nStep three.\n")
    plain.fill("#body", "# Runbook\n\nSee [[Deploys]].\n\nStep one.\nStep two, carefully (Bo agrees).\nStep three.\n")
    save(plain)
    assert "Saved as revision 3." in flash_text(plain)
    expect(plain.locator(".wiki-body")).to_contain_text("carefully (Bo agrees)")
    # The live editor got the plain save merged in.
    expect(bo.locator("#body")).to_have_value(re.compile(r"carefully \(Bo agrees\)"))

    # Ana compares revisions 1 and 3 and restores revision 1.
    ana.goto(f"/c/{slug}/wiki/home/-/history")
    ana.locator("input[name=from][value='1']").check()
    ana.locator("input[name=to][value='3']").check()
    with ana.expect_navigation():
        ana.get_by_role("button", name="Compare selected revisions").click()
    expect(ana.locator("table.diff ins")).to_contain_text(["carefully (Bo agrees)"])
    ana.get_by_role("link", name="Revision 1", exact=True).first.click()
    ana.once("dialog", lambda dialog: dialog.accept())
    with ana.expect_navigation():
        ana.get_by_role("button", name="Restore this revision").click()
    assert "Revision 1 is restored as revision 4." in flash_text(ana)
    expect(ana.locator(".wiki-body")).to_contain_text("Step two.")

    # Drag an image into the editor: it is uploaded, and its Markdown lands in the text.
    ana.goto(f"/c/{slug}/wiki/home/-/edit")
    ana.locator("#body").evaluate(DROP_PNG)
    expect(ana.locator("#body")).to_have_value(re.compile(r"!\[dot\.png\]\(/c/[^)]+/-/files/\d+\)"))
    expect(ana.locator("[data-preview-target] img")).to_have_count(1)
    save(ana)
    image = ana.locator(".wiki-body img")
    expect(image).to_have_count(1)
    assert image.evaluate("(img) => img.complete && img.naturalWidth") == 1  # served, and shown inline
    expect(ana.locator("#attachments")).to_contain_text("dot.png")
    # Bo comments on the page.
    bo.goto(f"/c/{slug}/wiki/home")
    bo.fill("#body", "Thanks, **Ana**!")
    with bo.expect_navigation():
        bo.get_by_role("button", name="Post comment").click()
    expect(bo.locator(".wiki-comment .prose strong")).to_have_text("Ana")

    for page, watch in ((ana, watch_a), (bo, watch_b)):
        assert page.evaluate("window.__cspViolations") == []
        # The conflict page answers 409 and the oversized preview 413 on purpose; Chromium logs
        # those as failed loads.
        assert [p for p in watch.problems() if "409" not in p and "413" not in p] == []


def test_history_fits_a_phone(site, new_page):
    """The revisions table scrolls inside its card on a phone; the page itself does not get wider
    (its hidden 'Actions' header used to sit at the table's far end, outside the scroller)."""
    page, watch = new_page(viewport={"width": 390, "height": 844})
    register(page, "ana-phone", "Ana Lima")
    create_community(page, "Platform", access="public")
    slug = slug_from_url(page.url)
    page.goto(f"/c/{slug}/wiki/")
    page.get_by_role("link", name="Create the Home page").click()
    page.fill("#body", "First text.")
    save(page)
    page.goto(f"/c/{slug}/wiki/home/-/edit")
    page.fill("#body", "Second text.")
    save(page)
    page.goto(f"/c/{slug}/wiki/home/-/history")
    expect(page.locator(".wiki-history tbody tr")).to_have_count(2)
    width, inner = no_horizontal_scroll(page)
    assert width <= inner, f"the history page is {width}px wide in a {inner}px window"
    assert watch.problems() == []
