"""A button beside a field is as tall as the field: the search page's query, order and Search; a
chat room's "Search this room" and its buttons; the members filter; the admin console's filter rows
and the audit log's dates with Filter and Clear. On a desktop and a phone, in English and Chinese
(whose glyphs are taller), in Debian's Chromium against the real server."""
from __future__ import annotations

import pytest

from .conftest import create_community, register, slug_from_url

pytestmark = pytest.mark.browser

# Pairs (field, button) on one line of a row (their middles within 8 px), with both heights.
PAIRS = """sel => {
  const boxes = q => [...document.querySelectorAll(sel + ' ' + q)].filter(e => e.offsetParent).map(e => {
    const r = e.getBoundingClientRect(); return {name: e.id || e.textContent.trim(), mid: r.top + r.height / 2, h: r.height}; });
  const fields = boxes('input:not([type=hidden]):not([type=checkbox]), select'), buttons = boxes('.button');
  const pairs = [];
  for (const f of fields) for (const b of buttons) if (Math.abs(f.mid - b.mid) < 8) pairs.push([f.name, f.h, b.name, b.h]);
  return pairs;
}"""


def test_buttons_beside_fields_are_as_tall_as_the_fields(new_page):
    page, watch = new_page()
    register(page, "ana", "Ana Lima")  # the first account: the site admin
    create_community(page, "Platform Engineering", access="public")
    slug = slug_from_url(page.url)
    rows = {"/search?q=platform": ".searchbar", f"/c/{slug}/chat/general/history": ".chat-tools",
            f"/c/{slug}/members": "main form.filters", "/admin/users": "main form.filters",
            "/admin/communities": "main form.filters", "/admin/audit": ".audit-filters"}
    # One site, four looks: desktop and phone, in English and then in Chinese (whose glyphs are taller).
    for language, width in (("en", 1280), ("en", 390), ("zh-Hans", 390), ("zh-Hans", 1280)):
        page.set_viewport_size({"width": width, "height": 900})
        if language == "zh-Hans" and page.locator("html").get_attribute("lang") != "zh-Hans":
            with page.expect_navigation():
                page.locator("form.languages button[value=zh_Hans]").click()
        for path, row in rows.items():
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == language
            pairs = page.evaluate(PAIRS, row)
            if width == 1280:  # on a phone some fields take a line of their own
                assert pairs, (language, width, path, "no field and button side by side")
            uneven = [p for p in pairs if abs(p[1] - p[3]) > 1]
            assert not uneven, (language, width, path, uneven)
    assert watch.problems() == []
