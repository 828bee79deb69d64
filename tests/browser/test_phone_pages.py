"""Pages on a phone (390 px wide, and 360 px) in Debian's Chromium against the real server: nothing
makes the page scroll sideways (a wide code block or table scrolls inside its own box)."""
from __future__ import annotations

import pytest

from .conftest import create_community, no_horizontal_scroll, register, slug_from_url

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# A community description with a code line far wider than a phone.
DESCRIPTION = """We run the shared platform.

```
git clone https://git.example.com/platform/devbox.git && cd devbox && make up
```
"""

@pytest.fixture
def admin_phone(server, new_page):
    """Ana (the site admin) on a phone, owner of a community whose description holds a code block."""
    page, watch = new_page(viewport=PHONE)
    register(page, "ana", "Ana Lima")
    create_community(page, "Platform Engineering", description=DESCRIPTION, access="public")
    return page, watch, slug_from_url(page.url)


@pytest.mark.parametrize("width", [390, 360])
def test_phone_pages_do_not_scroll_sideways(admin_phone, width):
    page, watch, slug = admin_phone
    page.set_viewport_size({"width": width, "height": 844})
    for path in (f"/c/{slug}/", "/admin/", "/admin/audit", f"/c/{slug}/settings/log", "/settings/notifications"):
        page.goto(path)
        scroll_width, inner = no_horizontal_scroll(page)
        assert scroll_width <= inner, f"{path} is {scroll_width}px wide in a {inner}px window"
    assert watch.problems() == []

