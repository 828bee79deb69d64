"""Personal access tokens through the pages and the API: made, shown once, stored hashed, listed
with last use, revoked; wrong, revoked, expired and read-only tokens answer with error objects."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from collab.extensions import db
from tests.helpers import text


def _make_token(client, name="CI bot", scope="write", expires="90", client_token="ct-1"):
    return client.post("/settings/tokens", data={"name": name, "scope": scope, "expires": expires,
                                                 "client_token": client_token})


def _secret(html: str) -> str:
    m = re.search(r'id="token-secret"[^>]*value="(collab_pat_[^"]+)"', html)
    assert m, "the new token is not shown"
    return m.group(1)


def test_token_is_shown_once_stored_hashed_listed_and_revocable(app, client, make_user, login):
    ann = make_user("ann")
    login(ann)
    page = _make_token(client)
    assert page.status_code == 200
    secret = _secret(text(page))
    assert "shown only this once" in text(page)
    # Not shown again, but listed by name and prefix.
    listing = text(client.get("/settings/tokens"))
    assert secret not in listing and "CI bot" in listing and secret[:17] in listing
    with app.app_context():
        from collab.api.models import ApiToken

        row = db.session.scalar(select(ApiToken))
        assert secret not in (row.digest, row.prefix) and len(row.digest) == 64
        assert row.last_used_at is None
    api = app.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert me.json["username"] == "ann" and me.json["scopes"] == ["read", "write"] and me.json["token_name"] == "CI bot"
    assert "Never" not in text(client.get("/settings/tokens")).split("CI bot")[1].split("</tr>")[0]
    # Revoke on the page: the token stops working at once, with an error object.
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/settings/tokens/{token_id}/revoke").status_code == 302
    gone = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert gone.status_code == 401 and gone.json["error"]["code"] == "token_revoked"
    assert "Revoked" in text(client.get("/settings/tokens"))


def test_double_submit_makes_one_token(app, client, make_user, login):
    login(make_user())
    first = _make_token(client, client_token="same-form")
    again = _make_token(client, client_token="same-form")
    assert first.status_code == 200 and again.status_code == 302
    with app.app_context():
        from collab.api.models import ApiToken

        assert len(db.session.scalars(select(ApiToken)).all()) == 1


def test_token_form_keeps_input_on_error(client, make_user, login):
    login(make_user())
    page = _make_token(client, name="", expires="90")
    assert page.status_code == 200 and "collab_pat_" not in text(page)
    assert 'class="field  has-error"' in text(page) or "has-error" in text(page)


def test_someone_elses_token_cannot_be_revoked(app, client, make_user, login, token_for):
    owner, other = make_user(), make_user()
    token_for(owner)
    login(other)
    with app.app_context():
        from collab.api.models import ApiToken

        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/settings/tokens/{token_id}/revoke").status_code == 404


@pytest.mark.parametrize("header, code", [
    (None, "unauthorized"),
    ("Bearer collab_pat_wrongwrongwrong", "invalid_token"),
    ("Bearer not-even-a-token", "invalid_token"),
    ("Basic dXNlcjpwYXNz", "unauthorized"),
])
def test_missing_and_wrong_tokens_get_401_error_objects(client, header, code):
    r = client.get("/api/v1/communities", headers={"Authorization": header} if header else {})
    assert r.status_code == 401 and r.is_json
    assert r.json["error"]["code"] == code and r.json["error"]["message"]
    assert "Traceback" not in r.get_data(as_text=True)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(app, make_user, api_as):
    from collab.api.models import ApiToken
    from collab.db import utcnow

    user = make_user()
    api = api_as(user)
    assert api.get("/me").status_code == 200
    with app.app_context():
        db.session.scalar(select(ApiToken)).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    r = api.get("/me")
    assert r.status_code == 401 and r.json["error"]["code"] == "token_expired"


def test_deactivated_owner_token_is_refused(app, make_user, api_as):
    from collab.accounts.models import User

    user = make_user()
    api = api_as(user)
    with app.app_context():
        db.session.get(User, user.id).is_deactivated = True
        db.session.commit()
    assert api.get("/me").status_code == 401


def test_read_token_cannot_write(make_user, make_community, api_as):
    user = make_user()
    c = make_community(user)
    api = api_as(user, write=False)
    assert api.get(f"/communities/{c.slug}").status_code == 200
    r = api.post(f"/communities/{c.slug}/wiki/pages", json={"title": "Nope"})
    assert r.status_code == 403 and r.json["error"]["code"] == "insufficient_scope"
    assert api.post("/notifications/read-all").status_code == 403


def test_last_use_is_recorded(app, make_user, api_as, client, login):
    user = make_user()
    api_as(user).get("/me")
    login(user)
    row = text(client.get("/settings/tokens")).split("<tbody>")[1]
    assert "Never" not in row.split("</td>")[3]


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_session_cookies_do_not_authenticate_the_api(app, make_user, make_community, token_for):
    """A signed-in browser's cookie is ignored by the API (so no CSRF is possible through it);
    a token needs no CSRF token."""
    user = make_user()
    c = make_community(user)
    browser = app.test_client()
    browser.post("/login", data={"login": user.username, "password": "correct-horse",
                                 "csrf_token": _csrf(browser)})
    assert browser.get("/settings/tokens").status_code == 200  # signed in
    assert browser.get("/api/v1/me").status_code == 401
    r = browser.post(f"/api/v1/communities/{c.slug}/wiki/pages", json={"title": "Via cookie"})
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"
    secret = token_for(user)
    ok = app.test_client().post(f"/api/v1/communities/{c.slug}/wiki/pages", json={"title": "Via token"},
                                headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 201, ok.json


def _csrf(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client.get("/login").get_data(as_text=True))


def test_errors_are_objects_never_pages(make_user, api_as):
    api = api_as(make_user())
    r = api.get("/no-such-thing")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = api.delete("/me")
    assert r.status_code == 405 and r.json["error"]["code"] == "method_not_allowed"
    r = api.get("/communities?cursor=bogus")
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_cursor"
    r = api.get("/communities?limit=1000")
    assert r.status_code == 422 and r.json["error"]["details"][0]["loc"] == ["query", "limit"]
    r = api.get("/search?q=a%00b")
    assert r.status_code == 400 and r.is_json
