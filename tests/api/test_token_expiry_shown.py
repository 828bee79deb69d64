"""The tokens page says when a token expires as it says when it was made and last used: a relative
time ("in 3 months", "3个月后") with the exact time on hover, not a date and time to the second."""
from __future__ import annotations

import re

from tests.helpers import text

_SECONDS = re.compile(r">[^<]*\d{1,2}:\d{2}:\d{2}[^<]*<")


def test_a_tokens_expiry_is_a_relative_time(make_user, client_for):
    for user, phrase in ((make_user("ann"), "in 3 months"), (make_user("zhang", locale="zh_Hans"), "3个月后")):
        client = client_for(user)
        made = client.post("/settings/tokens", data={"name": "CI bot", "scope": "read", "expires": "90",
                                                      "client_token": f"ct-{user.username}"})
        assert made.status_code == 200
        row = text(client.get("/settings/tokens")).split("CI bot")[1].split("</tr>")[0]
        assert re.search(rf'<time datetime="[^"]+" title="[^"]+">{phrase}</time>', row), row
        assert not _SECONDS.search(row), row
