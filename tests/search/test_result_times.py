"""A search result says how long ago it was written, as the home stream does, with the exact time
on hover, not a timestamp to the second."""
from __future__ import annotations

import re


def test_a_result_says_how_long_ago_it_was_written(handbook, find):
    titles, body = find(handbook, "quokka")
    assert titles == ["Quokka Handbook"]
    meta = re.search(r'<li class="result">\s*<div class="row small">(.*?)</div>', body, re.S).group(1)
    assert re.search(r'<time datetime="[^"]+\+00:00" title="[^"]+">(just now|\d+ minutes? ago)</time>', meta), meta
    assert not re.search(r"\d:\d\d", re.sub(r"<[^>]+>", "", meta)), meta  # no clock time in the text
