"""/settings/notifications on a phone: each kind is a group whose choices carry their names (the
column heads that name them on a wide screen are out of sight there)."""
from __future__ import annotations

import re

from tests.helpers import text


def test_every_choice_carries_its_name_and_a_narrow_screen_shows_it(app, make_user, client_for):
    client = client_for(make_user("ana"))
    page = text(client.get("/settings/notifications", headers={"Accept-Language": "zh-CN"}))
    labels = re.findall(r'<label><input type="radio" name="mention" value="(\w+)"[^>]*>'
                        r'<span class="choice-name">([^<]+)</span></label>', page)
    assert [name for _, name in labels] == ["站内", "立即发邮件", "每日邮件摘要", "关闭"]
    response = client.get("/static/css/collab.css")
    css = response.get_data(as_text=True)
    response.close()
    phone = css[css.index(".notify-settings .choice-name"):]
    phone = phone[phone.index("@media (max-width: 760px)"):]
    rules = phone[:phone.index("\n}\n")]
    assert re.search(r"\.notify-settings \.choice-name \{ position: static;", rules)
    assert re.search(r"\.notify-settings tr \{ display: grid;", rules)
