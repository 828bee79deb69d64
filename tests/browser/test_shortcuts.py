"""Keyboard shortcuts in Debian's Chromium: "/" outside a field puts the cursor in the search box;
inside a field it is just a slash."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import create_community, register, slug_from_url

pytestmark = pytest.mark.browser


def test_slash_goes_to_search_except_while_writing(server, new_page):
    ana, watch = new_page()
    register(ana, "ana", "Ana Lima")
    create_community(ana, "Platform", access="public")
    slug = slug_from_url(ana.url)
    search = ana.locator("#nav-q")
    expect(search).to_have_attribute("aria-keyshortcuts", "/")

    ana.goto("/")
    ana.keyboard.press("/")
    expect(search).to_be_focused()
    expect(search).to_have_value("")  # the slash itself is not typed into it
    ana.keyboard.type("platform")
    expect(search).to_have_value("platform")

    ana.goto(f"/c/{slug}/chat/general")
    box = ana.locator("#chat-body")
    expect(box).to_be_enabled()
    box.click()
    box.press_sequentially("deploy/rollback")
    expect(box).to_have_value("deploy/rollback")
    expect(box).to_be_focused()
    assert not watch.problems()
