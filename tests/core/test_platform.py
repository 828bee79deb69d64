"""The shell every page shares: security headers, error pages, languages, live sockets, migrations."""
from __future__ import annotations

import pytest

from collab.extensions import db, socketio
from tests.helpers import text


def test_security_headers_and_csp_forbid_inline_script(client, make_user, login):
    login(make_user("h"))
    r = client.get("/c/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    body = text(r)
    # No inline script or inline handlers in our own pages.
    assert "<script>" not in body and " onclick=" not in body and "style=" not in body


@pytest.mark.parametrize("url,code,words", [
    ("/no/such/page", 404, "There is nothing here"),
    ("/c/no-such-community/", 404, "There is nothing here"),
])
def test_friendly_error_pages(client, make_user, login, url, code, words):
    login(make_user("err"))
    r = client.get(url)
    assert r.status_code == code and words in text(r) and "Go to the start page" in text(r)


def test_500_page_is_friendly(app, client, make_user, login):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    r = client.get("/boom")
    assert r.status_code == 500 and "Something went wrong" in text(r) and "kaboom" not in text(r)


def test_403_page(client, make_user, make_community, login):
    owner = make_user("o")
    c = make_community(owner)
    login(make_user("p"))
    r = client.get(f"/c/{c.slug}/settings")
    assert r.status_code == 403 and "You do not have permission" in text(r)


def test_language_from_accept_language_then_profile(app, client, make_user, login):
    import os

    mo = os.path.join(os.path.dirname(__file__), "../../collab/translations/zh_Hans/LC_MESSAGES/messages.mo")
    from tests.conftest import need

    need("compiled Chinese catalog", os.path.exists(mo), "run ./dev test, which compiles it")
    r = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hans">' in text(r) and "登录" in text(r)
    assert "Sign in" in text(client.get("/login", headers={"Accept-Language": "en-US"}))
    login(make_user("lang", locale="zh_Hans"))
    body = text(client.get("/c/", headers={"Accept-Language": "en-US"}))
    assert "社区" in body
    client.post("/settings/profile", data={"display_name": "Lang", "locale": "en"})
    assert "Communities" in text(client.get("/c/", headers={"Accept-Language": "zh-CN"}))


def test_anonymous_socket_is_refused(app):
    sock = socketio.test_client(app, namespace="/notify")
    assert not sock.is_connected("/notify")


def test_signed_in_socket_receives_its_own_pushes_only(app, make_user, client_for):
    from collab.realtime import push_to_user

    ana, bob = make_user("ana"), make_user("bob")
    ana_sock = socketio.test_client(app, namespace="/notify", flask_test_client=client_for(ana))
    bob_sock = socketio.test_client(app, namespace="/notify", flask_test_client=client_for(bob))
    assert ana_sock.is_connected("/notify") and bob_sock.is_connected("/notify")
    with app.app_context():
        push_to_user(ana.id, "hello", {"n": 1})
    assert [e["args"][0] for e in ana_sock.get_received("/notify")] == [{"n": 1}]
    assert bob_sock.get_received("/notify") == []
    ana_sock.disconnect("/notify")
    bob_sock.disconnect("/notify")


def test_deactivated_user_socket_is_refused(app, make_user, client_for):
    from collab.accounts.models import User

    cy = make_user("cy")
    c = client_for(cy)
    with app.app_context():
        db.session.get(User, cy.id).is_deactivated = True
        db.session.commit()
    sock = socketio.test_client(app, namespace="/notify", flask_test_client=c)
    assert not sock.is_connected("/notify")


def test_migrations_build_the_same_schema_as_the_models(make_app, backend):
    """`collab db upgrade` on an empty database gives exactly the models' schema."""
    from flask_migrate import downgrade, upgrade
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = make_app()
    with app.app_context():
        db.drop_all()
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], diff
        downgrade(revision="base")
        upgrade()


def test_background_threads_start_on_a_finished_app(make_app, monkeypatch):
    """The indexer's first batch builds profile URLs and the mail sender renders templates: they
    start only once every blueprint and template global exists (a rebuild at start used to fail
    its documents with BuildError and requeue them)."""
    import collab.activity.mail as mail
    import collab.search as search

    seen = {}

    def spy(name):
        def start(app):
            seen[name] = ({"accounts.profile", "wiki.page", "forums.topic", "blogs.post"} <= set(app.view_functions),
                          "topbar" in app.jinja_env.globals, 500 in app.error_handler_spec[None])
        return start

    monkeypatch.setattr(search, "start_indexer", spy("indexer"))
    monkeypatch.setattr(mail, "start_mail_thread", spy("mail"))
    make_app(SEARCH_INDEXER="thread")
    assert seen == {"indexer": (True, True, True), "mail": (True, True, True)}
