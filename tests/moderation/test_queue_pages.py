"""A long moderation queue pages: nothing beyond the first page is dropped, the most reported item
comes first, and resolving from a later page comes back to that page."""
from __future__ import annotations

import re

from tests.helpers import text
from tests.moderation.conftest import flag, resolve


def _keys(response) -> list[str]:
    return re.findall(r'data-key="([^"]+)"', response.get_data(as_text=True))


def test_a_long_queue_pages_and_keeps_every_item(people, community, content, client_for, make_user):
    keys = [content.blog_post(community, people["member"], title=f"Post number {i}") for i in range(27)]
    outsider, second = client_for(people["outsider"]), client_for(make_user("second"))
    for key in keys:
        assert flag(outsider, key).status_code == 302
    assert flag(second, keys[20]).status_code == 302  # two reports: first in the queue
    mod = client_for(people["moderator"])

    first = mod.get(f"/c/{community.slug}/moderation/")
    shown = _keys(first)
    assert len(shown) == 25 and shown[0] == keys[20]
    assert "27 items wait for a decision" in text(first) and "Page 1 of 2" in text(first)
    assert shown[1:4] == keys[:3]  # then the longest waiting
    second_page = mod.get(f"/c/{community.slug}/moderation/?page=2")
    rest = _keys(second_page)
    assert len(rest) == 2 and set(shown) | set(rest) == set(keys)
    assert f'name="next" value="/c/{community.slug}/moderation/?page=2"' in second_page.get_data(as_text=True)

    r = resolve(mod, rest[0], "keep", reason="", next=f"/c/{community.slug}/moderation/?page=2")
    assert r.status_code == 302 and r.headers["Location"].endswith("/moderation/?page=2")
    assert _keys(mod.get(f"/c/{community.slug}/moderation/?page=2")) == [rest[1]]
    assert "26 items wait" in text(mod.get(f"/c/{community.slug}/moderation/"))
    # the site queue pages the same way
    site = client_for(people["admin"]).get("/admin/moderation?page=2")
    assert _keys(site) == [rest[1]]
