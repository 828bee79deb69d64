"""The session cookie and form token are checked once per process and remembered
(collab/sessions.py): what is accepted must not change. A changed cookie is refused even after the
real one was seen, a remembered cookie still expires, every request gets its own copy of the
session, and form tokens stay valid for their session only."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import Flask, session

from collab.sessions import init_sessions
from tests.conftest import csrf_token
from tests.helpers import text


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_changed_session_cookie_is_refused_even_after_the_real_one_was_seen(client, make_user, login):
    login(make_user("ana"))
    assert client.get("/settings/password").status_code == 200
    real = _session_cookie(client)
    payload, _, signature = real.rpartition(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    client.set_cookie("session", forged)
    r = client.get("/settings/password")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    client.set_cookie("session", real)
    assert client.get("/settings/password").status_code == 200


def test_a_remembered_session_cookie_still_expires(app, client, make_user, login, monkeypatch):
    app.permanent_session_lifetime = timedelta(minutes=10)
    login(make_user("ana"))
    assert client.get("/settings/password").status_code == 200
    cookie = _session_cookie(client)
    assert client.get("/settings/password").status_code == 200  # this cookie is now remembered
    assert _session_cookie(client) == cookie
    later = time.time() + 11 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    r = client.get("/settings/password")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_each_request_gets_its_own_copy_of_the_session():
    app = Flask(__name__)
    app.secret_key = "test"
    init_sessions(app)

    @app.get("/visit")
    def visit():
        visits = session.setdefault("visits", [])
        visits.append(1)
        session.modified = True
        return str(len(visits))

    client = app.test_client()
    assert client.get("/visit").text == "1"
    cookie = _session_cookie(client)
    for _ in range(3):  # the same cookie sent again (another tab, a retry): the same answer
        client.set_cookie("session", cookie)
        assert client.get("/visit").text == "2"


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_form_tokens_stay_valid_and_belong_to_their_session(app, make_user):
    make_user("ana")
    make_user("bo")
    client = app.test_client()
    token = csrf_token(text(client.get("/login")))
    assert client.post("/login", data={"login": "ana", "password": "correct-horse", "csrf_token": token}).status_code == 302
    first = csrf_token(text(client.get("/c/new")))
    assert csrf_token(text(client.get("/c/new"))) == first  # the same token, page after page
    r = client.post("/c/new", data={"name": "Kept", "access": "public", "csrf_token": first})
    assert r.status_code == 302

    # Signed out and in again as Bo: a new session, a new token; Ana's old one is refused.
    assert client.post("/logout", data={"csrf_token": first}).status_code == 302
    token = csrf_token(text(client.get("/login")))
    assert token != first
    assert client.post("/login", data={"login": "bo", "password": "correct-horse", "csrf_token": token}).status_code == 302
    bos = csrf_token(text(client.get("/c/new")))
    assert bos != first
    assert client.post("/c/new", data={"name": "Stale", "access": "public", "csrf_token": first}).status_code == 400
    assert client.post("/c/new", data={"name": "Fresh", "access": "public", "csrf_token": bos}).status_code == 302


def test_form_messages_follow_each_request_language(client):
    """wtforms' own messages come from a catalogue kept per language: a Chinese request right
    after an English one (and back) gets its own language each time."""
    for lang, message in (("en", "This field is required."), ("zh-CN", "该字段是必填字段。"),
                          ("en", "This field is required."), ("zh-CN", "该字段是必填字段。")):
        r = client.post("/login", data={"login": "", "password": ""},
                        headers={"Accept-Language": lang})
        assert r.status_code == 200 and message in text(r)
