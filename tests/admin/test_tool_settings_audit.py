"""The tools' own settings (blog posting rule, wiki editing restriction, the forums of a community)
are in the audit log with before and after, labelled in both languages and filterable by tool."""
from __future__ import annotations

import re

from collab import audit
from collab.extensions import db
from tests.helpers import text


def entries(app, community_id):
    with app.app_context():
        return [(e.action, e.before, e.after)
                for e in db.session.scalars(audit.entries_query(community_id=community_id))][::-1]


def test_tool_settings_changes_are_audited(app, make_user, make_community, client_for, admin_user):
    owner = make_user("owner")
    c = make_community(owner, name="Workshop", access="public")
    oc = client_for(owner)

    assert oc.post(f"/c/{c.slug}/blog/settings", data={"posting": "moderators"}).status_code == 302
    assert oc.post(f"/c/{c.slug}/blog/settings", data={"posting": "moderators"}).status_code == 302  # unchanged
    assert oc.post(f"/c/{c.slug}/wiki/-/settings", data={"edit_restricted": "y"}).status_code == 302
    assert oc.post(f"/c/{c.slug}/forums/new-forum", data={"name": "Help", "description": "Ask here"}).status_code == 302
    forum_id = int(re.search(r"/forums/f/(\d+)", text(oc.get(f"/c/{c.slug}/forums/"))).group(1))
    r = oc.post(f"/c/{c.slug}/forums/f/{forum_id}/edit", data={"name": "Help desk", "description": "Ask here",
                                                                "position": "1"})
    assert r.status_code == 302
    assert oc.post(f"/c/{c.slug}/forums/f/{forum_id}/delete", data={"confirm": "Help desk"}).status_code == 302

    log = entries(app, c.id)
    actions = [a for a, _b, _a in log if not a.startswith("community.")]
    assert actions == ["blogs.settings", "wiki.settings", "forums.forum_create", "forums.forum_update",
                       "forums.forum_delete"]
    by_action = {a: (b, af) for a, b, af in log}
    assert by_action["blogs.settings"] == ({"posting": "members"}, {"posting": "moderators"})
    assert by_action["wiki.settings"] == ({"edit_restricted": False}, {"edit_restricted": True})
    assert by_action["forums.forum_update"][0]["name"] == "Help" and by_action["forums.forum_update"][1]["name"] == "Help desk"
    assert by_action["forums.forum_delete"][0] == {"name": "Help desk", "topics": 0}

    page = text(oc.get(f"/c/{c.slug}/settings/log"))
    assert "Blog settings changed" in page and "Wiki settings changed" in page and "Forum deleted" in page
    admin = client_for(admin_user)
    only_forums = text(admin.get("/admin/audit", query_string={"action": "forums."}))
    assert "3 entries" in only_forums and '<option selected value="forums.">' in only_forums
    table = only_forums.split("table-wrap", 1)[1]
    assert "Forum created" in table and "Forum deleted" in table and "Blog settings changed" not in table
    zh = text(admin.get("/admin/audit", headers={"Accept-Language": "zh-CN"})).split("table-wrap", 1)[1]
    assert "博客设置已更改" in zh and "论坛已删除" in zh
