"""The footer's language switch: anyone, signed in or not, picks English or 简体中文 on any page."""
from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token

pytestmark = pytest.mark.app_config(WTF_CSRF_ENABLED=True)

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def switch(client, locale: str, next_path: str, page: str):
    return client.post("/language", data={"locale": locale, "next": next_path, "csrf_token": csrf_token(page)},
                       headers=ENGLISH)


def sign_in(client, user):
    page = client.get("/login", headers=ENGLISH).get_data(as_text=True)
    response = client.post("/login", data={"login": user.username, "password": "correct-horse",
                                           "csrf_token": csrf_token(page)}, headers=ENGLISH)
    assert response.status_code == 302


def test_a_visitor_on_an_english_browser_reads_the_sign_in_page_in_chinese(client):
    page = client.get("/login", headers=ENGLISH).get_data(as_text=True)
    assert "<h1>Sign in</h1>" in page
    assert re.search(r'<button class="linklike" name="locale" value="zh_Hans"[^>]*>简体中文</button>', page)

    response = switch(client, "zh_Hans", "/login?next=/people", page)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login?next=/people")
    page = client.get("/login?next=/people", headers=ENGLISH).get_data(as_text=True)
    assert "<h1>登录</h1>" in page
    assert '<span aria-current="true">简体中文</span>' in page
    assert 'value="en"' in page and ">English</button>" in page

    switch(client, "en", "/login", page)
    assert "<h1>Sign in</h1>" in client.get("/login", headers=ENGLISH).get_data(as_text=True)


def test_a_member_who_switches_keeps_the_language_in_the_profile_and_after_signing_out(client, make_user, app):
    ana = make_user("ana")
    sign_in(client, ana)
    page = client.get("/people", headers=ENGLISH).get_data(as_text=True)
    assert switch(client, "zh_Hans", "/people", page).status_code == 302
    assert '<html lang="zh-Hans">' in client.get("/people", headers=ENGLISH).get_data(as_text=True)
    profile = client.get("/settings/profile", headers=ENGLISH).get_data(as_text=True)
    assert re.search(r'<option selected value="zh_Hans">|<option value="zh_Hans" selected>', profile)

    page = client.get("/people", headers=ENGLISH).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(page)}, headers=ENGLISH)
    assert "<h1>登录</h1>" in client.get("/login", headers=ENGLISH).get_data(as_text=True)

    other = app.test_client()  # another browser: the profile's choice follows the person there
    sign_in(other, ana)
    assert 'aria-current="true">简体中文<' in other.get("/people", headers=ENGLISH).get_data(as_text=True)


def test_a_made_up_language_or_a_foreign_return_address_changes_nothing_dangerous(client):
    page = client.get("/login", headers=ENGLISH).get_data(as_text=True)
    assert switch(client, "xx", "/login", page).status_code == 400
    response = switch(client, "zh_Hans", "//evil.example/steal", page)
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
    no_token = client.post("/language", data={"locale": "zh_Hans", "next": "/login"}, headers=ENGLISH)
    assert no_token.status_code == 400


def test_a_checkbox_without_help_text_points_nowhere(client):
    page = client.get("/login", headers=ENGLISH).get_data(as_text=True)
    assert 'id="remember"' in page
    assert 'aria-describedby="None"' not in page


def test_an_error_page_switches_language_without_repeating_the_address_asked(client, make_user):
    sign_in(client, make_user("ana"))
    response = client.get("/c/secret-merger-plans/", headers=ENGLISH)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert ">简体中文</button>" in page and "secret-merger-plans" not in page


def test_the_welcome_after_signing_in_is_in_the_persons_own_language(client, make_user):
    sign_in(client, make_user("wangfang", display_name="王芳", locale="zh_Hans"))  # from an English browser
    home = client.get("/", headers=ENGLISH).get_data(as_text=True)
    assert "欢迎回来，王芳。" in home and "Welcome back" not in home
