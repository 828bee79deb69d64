from __future__ import annotations

import re

import pytest

from collab.accounts.models import User
from collab.extensions import db
from collab.settings import set_setting
from tests.helpers import text


def register(client, username="ana", email=None, password="s3cret-pass", confirm=None, **extra):
    data = {"username": username, "email": email or f"{username}@example.com", "password": password,
            "confirm": confirm or password, "display_name": extra.pop("display_name", "")}
    data.update(extra)
    return client.post("/register", data=data)


def test_first_account_becomes_admin_and_next_does_not(app, client):
    r = register(client, "first")
    assert r.status_code == 302
    assert "site admin" in text(client.get("/"))
    client.post("/logout")
    other = app.test_client()
    assert register(other, "second").status_code == 302
    with app.app_context():
        users = {u.username: u.is_admin for u in db.session.query(User)}
    assert users == {"first": True, "second": False}


def test_registration_errors_keep_what_was_typed(client, make_user):
    make_user("taken")
    r = register(client, "taken", email="new@example.com", display_name="Zoë 王", confirm="different")
    body = text(r)
    assert r.status_code == 200
    assert "The passwords differ." in body
    assert 'value="Zoë 王"' in body and 'value="new@example.com"' in body
    r = register(client, "taken", email="new@example.com", display_name="Zoë 王")
    assert "That username is taken." in text(r)
    assert 'value="taken"' in text(r)
    r = register(client, "bad name!", email="x@example.com")
    assert "Use 1-40 letters" in text(r)
    r = register(client, "short", password="short")
    assert "between 8 and 512 characters" in text(r)
    r = register(client, "a" * 41)
    assert r.status_code == 200 and "registered" not in text(r)
    r = register(client, "dup", email="TAKEN@example.com")
    assert "An account with that email exists already." in text(r)


def test_registration_modes(app, client, make_user, admin_user, client_for):
    make_user("someone")
    with app.app_context():
        set_setting("registration_mode", "admin")
        db.session.commit()
    assert client.get("/register").status_code == 403
    assert register(client, "newbie").status_code == 403
    with app.app_context():
        set_setting("registration_mode", "invite")
        db.session.commit()
    assert register(client, "newbie").status_code == 403
    admin = client_for(admin_user)
    admin.post("/admin/invites", data={"email": "newbie@example.com"})
    token = re.search(r"invite=([\w-]+)", text(admin.get("/admin/invites"))).group(1)
    page = client.get(f"/register?invite={token}")
    assert page.status_code == 200 and 'value="newbie@example.com"' in text(page)
    assert register(client, "newbie", invite=token).status_code == 302
    client.post("/logout")
    # An invitation link works once.
    assert register(app.test_client(), "again", invite=token).status_code == 403
    # Admins can always create accounts.
    r = admin.post("/admin/users/new", data={"username": "made", "email": "made@example.com",
                                             "password": "s3cret-pass", "confirm": "s3cret-pass"})
    assert r.status_code == 302


def test_sign_in_with_username_or_email_and_sign_out(client, make_user):
    make_user("bo", password="s3cret-pass")
    r = client.post("/login", data={"login": "BO@example.com", "password": "s3cret-pass"})
    assert r.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302
    r = client.post("/login", data={"login": "bo", "password": "wrong-password"})
    assert r.status_code == 200 and "not right" in text(r)
    assert 'value="bo"' in text(r)  # what was typed stays


def test_remember_me_sets_a_persistent_cookie(client, make_user):
    make_user("rm")
    r = client.post("/login", data={"login": "rm", "password": "correct-horse", "remember": "y"})
    cookies = r.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]
    session = [c for c in cookies if c.startswith("session=")][0]
    assert "HttpOnly" in session and "SameSite=Lax" in session


@pytest.mark.parametrize("target,expected", [
    ("/c/", "/c/"),
    ("//evil.example/x", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/%0d%0aSet-Cookie:x=1", "/%0d%0aSet-Cookie:x=1"),
])
def test_next_accepts_only_local_paths(client, make_user, target, expected):
    make_user("nx")
    r = client.post("/login", data={"login": "nx", "password": "correct-horse", "next": target})
    assert r.status_code == 302
    assert r.headers["Location"] == expected


def test_deactivated_user_is_signed_out_and_cannot_sign_in(app, make_user, admin_user, client_for):
    carl = make_user("carl")
    carl_client = client_for(carl)
    remembered = app.test_client()
    remembered.post("/login", data={"login": "carl", "password": "correct-horse", "remember": "y"})
    assert carl_client.get("/").status_code == 200
    admin = client_for(admin_user)
    r = admin.post(f"/admin/users/{carl.id}/deactivate", follow_redirects=True)
    assert "deactivated" in text(r)
    assert carl_client.get("/").status_code == 302
    # Remember-me cookie is dead too, even without the session.
    remembered.delete_cookie("session")
    assert remembered.get("/").status_code == 302
    r = app.test_client().post("/login", data={"login": "carl", "password": "correct-horse"})
    assert r.status_code == 200
    # The profile is gone for others; reactivation restores sign-in.
    other = client_for(make_user("dora"))
    assert other.get("/u/carl").status_code == 404
    admin.post(f"/admin/users/{carl.id}/reactivate")
    assert app.test_client().post("/login", data={"login": "carl", "password": "correct-horse"}).status_code == 302


def test_change_password_ends_other_sessions(app, make_user, client_for):
    eve = make_user("eve")
    laptop, phone = client_for(eve), client_for(eve)
    r = laptop.post("/settings/password", data={"current": "wrong", "password": "new-password-1",
                                                "confirm": "new-password-1"})
    assert "not your current password" in text(r)
    r = laptop.post("/settings/password", data={"current": "correct-horse", "password": "new-password-1",
                                                "confirm": "new-password-1"})
    assert r.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert app.test_client().post("/login", data={"login": "eve", "password": "new-password-1"}).status_code == 302


def test_passwords_are_hashed_with_a_kdf(app, make_user):
    make_user("hash", password="plain-text-pw")
    with app.app_context():
        user = db.session.query(User).filter_by(username="hash").one()
        assert "plain-text-pw" not in user.password_hash
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_production_config_uses_scrypt(tmp_path, monkeypatch):
    from collab.config import Config

    monkeypatch.setenv("COLLAB_SECRET_KEY", "x")
    assert Config(tmp_path).PASSWORD_HASH_METHOD == "scrypt"


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256:1000"])
def test_a_sign_in_for_no_account_checks_a_hash_like_a_real_one(make_app, monkeypatch, method):
    """An unknown name costs the check a real account's password costs (scrypt in production),
    so the time taken does not tell whether the account exists."""
    import werkzeug.security

    app = make_app(PASSWORD_HASH_METHOD=method)
    checked = []
    real_check = werkzeug.security.check_password_hash
    monkeypatch.setattr("collab.accounts.models.check_password_hash",
                        lambda stored, given: checked.append(stored) or real_check(stored, given))
    r = app.test_client().post("/login", data={"login": "nobody-here", "password": "correct-horse"})
    assert r.status_code == 200 and "nobody-here" in text(r)
    assert len(checked) == 1 and checked[0].startswith(method.split(":")[0] + ":")
    if method == "scrypt":
        assert checked[0].startswith("scrypt:32768:8:1$")


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    from collab.config import Config

    monkeypatch.delenv("COLLAB_SECRET_KEY", raising=False)
    first = Config(tmp_path).SECRET_KEY
    assert len(first) >= 64 and first == Config(tmp_path).SECRET_KEY
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_login_is_rate_limited_per_account(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per minute", LOGIN_LIMIT_PER_ADDRESS="100 per minute")
    with app.app_context():
        from collab.accounts.services import create_user

        create_user("siteadmin", "s@example.com", "correct-horse")
        create_user("target", "t@example.com", "correct-horse")
        db.session.commit()
    c = app.test_client()
    for _ in range(3):
        assert c.post("/login", data={"login": "target", "password": "nope"}).status_code == 200
    r = c.post("/login", data={"login": "target", "password": "correct-horse"})
    assert r.status_code == 429 and "Too many attempts" in text(r)
    # Another account from the same address is unaffected.
    assert c.post("/login", data={"login": "siteadmin", "password": "correct-horse"}).status_code == 302


def test_login_is_rate_limited_per_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_ADDRESS="5 per minute")
    c = app.test_client()
    codes = [c.post("/login", data={"login": f"user{i}", "password": "x"}).status_code for i in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429


def _logins_through_a_proxy(app, n: int, client_address: str) -> list[int]:
    c = app.test_client()
    return [c.post("/login", data={"login": f"user{i}", "password": "x"}, environ_base={"REMOTE_ADDR": "127.0.0.1"},
                   headers={"X-Forwarded-For": client_address}).status_code for i in range(n)]


def test_behind_a_trusted_proxy_the_limit_is_per_client_address(make_app):
    """Behind nginx every request comes from 127.0.0.1: with COLLAB_TRUSTED_PROXIES=1 the limit
    counts the address nginx saw, so one person's failures do not lock everyone out."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_ADDRESS="5 per minute",
                   TRUSTED_PROXIES=1)
    assert _logins_through_a_proxy(app, 6, "203.0.113.9") == [200] * 5 + [429]
    assert _logins_through_a_proxy(app, 1, "198.51.100.7") == [200]  # someone else: their own budget


def test_without_a_trusted_proxy_a_forwarded_address_is_not_believed(make_app):
    """Anyone can send X-Forwarded-For: unless a proxy is configured, changing it does not buy
    more attempts."""
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="100 per minute", LOGIN_LIMIT_PER_ADDRESS="5 per minute")
    codes = [_logins_through_a_proxy(app, 1, f"203.0.113.{i}")[0] for i in range(6)]
    assert codes == [200] * 5 + [429]


def test_people_directory_filters(client, make_user, login):
    make_user("li", display_name="李娜", title="Data Scientist", department="数据部", expertise="python, 机器学习")
    make_user("tom", display_name="Tom Berg", title="Sales Lead", department="Sales")
    login(make_user("viewer"))
    body = text(client.get("/people?q=机器"))
    assert "李娜" in body and "Tom Berg" not in body
    body = text(client.get("/people?department=Sales"))
    assert "Tom Berg" in body and "李娜" not in body
    body = text(client.get("/people?q=scientist"))
    assert "李娜" in body
    assert client.get("/people/suggest?q=to").get_json()["people"][0]["username"] == "tom"


def test_profile_edit_and_page(client, make_user, login):
    login(make_user("pat"))
    r = client.post("/settings/profile", data={
        "display_name": "Pat Q", "title": "Architect", "department": "Platform", "location": "Berlin",
        "expertise": "Kubernetes，供应链, kubernetes", "bio": "I build **platforms**.", "locale": "en",
        "timezone": "Asia/Shanghai",
    })
    assert r.status_code == 302
    body = text(client.get("/u/pat"))
    assert "Pat Q" in body and "Architect" in body and "<strong>platforms</strong>" in body
    assert body.count(">kubernetes<") == 1 and "供应链" in body
    r = client.post("/settings/profile", data={"display_name": "", "timezone": "Mars/Olympus", "title": "Kept"})
    body = text(r)
    assert r.status_code == 200 and "Unknown time zone." in body and 'value="Kept"' in body
    # Names the system's zone files have but the time formatting does not know (every page would fail).
    for name in ("localtime", "posixrules", "posix/Europe/Berlin", "right/UTC"):
        r = client.post("/settings/profile", data={"display_name": "Pat Q", "timezone": name})
        assert r.status_code == 200 and "Unknown time zone." in text(r), name
    assert client.get("/").status_code == 200


def test_profile_of_unknown_user_is_404(client, make_user, login):
    login(make_user("q"))
    assert client.get("/u/nobody-here").status_code == 404
