"""CSRF: every form-handling POST route refuses a request without a valid token."""
from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token
from tests.helpers import text


def _fill(rule, ids):
    url = rule.rule
    for name in rule.arguments:
        # any(a, b) converters take their first choice; other arguments a known id.
        url = re.sub(r"<any\(([^,)]*)[^)]*\):" + name + ">", lambda m: m.group(1).strip(), url)
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(ids.get(name, "1")), url)
    return url


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_every_post_route_needs_a_csrf_token(app, make_user, make_community):
    owner = make_user("owner")
    c = make_community(owner, access="moderated")
    client = app.test_client()
    # Sign in properly, with the token from the form.
    page = client.get("/login")
    token = csrf_token(text(page))
    assert client.post("/login", data={"login": "owner", "password": "correct-horse"}).status_code == 400
    assert client.post("/login", data={"login": "owner", "password": "correct-horse",
                                       "csrf_token": token}).status_code == 302
    ids = {"slug": c.slug, "user_id": owner.id, "community_id": c.id, "req_id": 1, "inv_id": 1}
    checked = []
    for rule in app.url_map.iter_rules():
        # One-click unsubscribe (RFC 8058) is posted by mail clients without a form token; its
        # signed token is the protection (tests/activity/test_mail.py checks a forged one fails).
        if "POST" not in rule.methods or rule.endpoint in ("static", "activity.unsubscribe"):
            continue
        url = _fill(rule, ids)
        r = client.post(url, data={"name": "x"})
        if rule.endpoint.startswith("api."):
            # The REST API ignores session cookies (tokens only), so a cookie-carrying POST is
            # simply unauthenticated: no CSRF is possible there (tests/api/test_tokens.py).
            assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized", url
            continue
        assert r.status_code == 400, f"{rule.endpoint} {url} accepted a POST without a CSRF token"
        assert "security token" in text(r) or "expired" in text(r)
        checked.append(rule.endpoint)
    assert {"communities.create", "communities.join", "accounts.logout", "admin.site_settings",
            "accounts.edit_profile"} <= set(checked)
    # And with the token the same kind of request goes through.
    token = csrf_token(text(client.get("/c/new")))
    r = client.post("/c/new", data={"name": "With token", "access": "public", "csrf_token": token})
    assert r.status_code == 302
