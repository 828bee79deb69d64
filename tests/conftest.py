"""Fixtures: a fresh app per test on SQLite (and on PostgreSQL when COLLAB_TEST_DATABASE_URL is set),
a client, a login helper, and factories for people and communities."""
from __future__ import annotations

import itertools
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from collab.app import create_app
from collab.config import TestConfig
from collab.extensions import db

IN_CI = os.environ.get("CI", "").lower() == "true"


def _share_url_builders() -> None:
    """Tests build a new app (about 220 routes) for nearly every test, and Werkzeug compiles two
    URL-building functions per route each time (half of create_app). A builder depends only on its
    rule, so one compiled for an earlier app's identical rule is handed out again."""
    from werkzeug.routing import Rule

    compile_builder = Rule._compile_builder
    built: dict = {}

    def shared(self, append_unknown: bool = True):
        # The trace follows from the rule; converters are called at build time (through the
        # rule), except that a default for a variable is converted now: hence the defaults.
        key = (append_unknown, self.rule, self.host, self.subdomain, self.merge_slashes,
               repr(self.defaults), tuple(map(type, self._converters.values())))
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    Rule._compile_builder = shared


_share_url_builders()


def _per_worker(pg_url: str | None, redis_url: str | None) -> tuple[str | None, str | None]:
    """Under pytest-xdist each worker (gw0, gw1, ...) gets its own PostgreSQL database (created on
    first use, next to the one named) and its own Redis database number, so workers never reset
    each other's schema or keys. Without xdist the URLs are used as given."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return pg_url, redis_url
    n = int(worker[2:])
    if pg_url:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(pg_url)
        name = f"{url.database}_{worker}"
        admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        pg_url = url.set(database=name).render_as_string(hide_password=False)
    if redis_url:
        base, _, number = redis_url.rpartition("/")
        if number.isdigit() and base.count("/") >= 2:
            redis_url = f"{base}/{(int(number) + n) % 16}"
        else:
            redis_url = f"{redis_url.rstrip('/')}/{n % 16}"
    return pg_url, redis_url


PG_URL, REDIS_URL = _per_worker(os.environ.get("COLLAB_TEST_DATABASE_URL"),
                                os.environ.get("COLLAB_TEST_REDIS_URL"))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_sessionstart(session):
    if IN_CI and not (PG_URL and REDIS_URL):
        raise pytest.UsageError(
            "CI=true needs COLLAB_TEST_DATABASE_URL and COLLAB_TEST_REDIS_URL (.ci/run sets them)"
        )


def need(thing: str, available: bool, why: str = "") -> None:
    """Skip locally when a system dependency is missing; in CI, fail instead."""
    if available:
        return
    message = f"{thing} is not available{': ' + why if why else ''}"
    if IN_CI:
        pytest.fail(message + " (CI must run this test)")
    pytest.skip(message)


def redis_ok() -> bool:
    """Whether the test Redis answers (the client is closed again: one left open is an unclosed
    socket that the collector finds later, in some other test)."""
    if not REDIS_URL:
        return False
    try:
        import redis

        with redis.Redis.from_url(REDIS_URL, socket_timeout=2) as client:
            return bool(client.ping())
    except Exception:
        return False


def _reset_postgres(app):
    with app.app_context():
        db.session.execute(db.text("DROP SCHEMA public CASCADE"))
        db.session.execute(db.text("CREATE SCHEMA public"))
        db.session.commit()


# Everything in schema public that create_all makes (tables, columns, defaults, constraints,
# indexes, sequences, triggers, functions, enum labels), as one digest.
_PG_SCHEMA_DIGEST = """
SELECT md5(coalesce(string_agg(x, E'\\n' ORDER BY x), '')) FROM (
  SELECT 'c ' || c.relname || ' ' || c.relkind::text || ' ' || coalesce(a.attname::text, '') || ' '
         || coalesce(format_type(a.atttypid, a.atttypmod), '') || ' ' || coalesce(a.attnotnull::text, '')
         || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS x
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
   WHERE n.nspname = 'public'
  UNION ALL SELECT 'k ' || k.conrelid::regclass::text || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = 'public'
  UNION ALL SELECT 'i ' || i.indexrelid::regclass::text || ' ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public'
  UNION ALL SELECT 't ' || t.tgname || ' ' || pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND NOT t.tgisinternal
  UNION ALL SELECT 'f ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
  UNION ALL SELECT 'e ' || t.typname || ' ' || e.enumlabel || ' ' || e.enumsortorder::text
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE n.nspname = 'public'
) s
"""
_PG_FRESH: dict[str, str] = {}  # database URL -> digest of the schema create_all made there


def fresh_postgres(app) -> None:
    """Leave the app's PostgreSQL database as a new one after create_all: the schema of the models,
    no rows, every sequence back at 1. When the schema is still the one create_all made for an
    earlier test in this process (same digest), only the rows go and the sequences restart (about
    30 ms); otherwise (the first test, or one that changed the schema, e.g. by migrating) the
    schema is dropped and made again (about 0.7 s)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        if _PG_FRESH.get(url) == db.session.execute(db.text(_PG_SCHEMA_DIGEST)).scalar():
            tables = db.session.execute(db.text(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
            try:
                # Foreign keys are not checked while deleting (replica role: a superuser's), so any
                # order empties them.
                db.session.execute(db.text(
                    "SET LOCAL session_replication_role = replica; "
                    + "".join(f"DELETE FROM {table}; " for table in tables)
                    + "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE c.relkind = 'S' AND n.nspname = 'public'"))
                db.session.commit()
                return
            except DBAPIError:  # not allowed: rebuild instead
                pass
        db.session.rollback()
        _PG_FRESH.pop(url, None)
    _reset_postgres(app)
    with app.app_context():
        db.create_all()
        _PG_FRESH[url] = db.session.execute(db.text(_PG_SCHEMA_DIGEST)).scalar()
        db.session.commit()


_SQLITE_TEMPLATE: list[Path] = []  # a database file create_all made, copied for each new app


def fresh_sqlite(config, template_dir: Path) -> bool:
    """Put a copy of an empty database with the models' schema where ``config`` keeps its SQLite
    file (copying is about ten times quicker than create_all). False when the app uses some other
    database (a test pointed it at an existing one) or the file is already there."""
    uri = config.SQLALCHEMY_DATABASE_URI
    target = Path(uri.removeprefix("sqlite:///"))
    if not uri.startswith("sqlite:///") or target.exists() or target.parent != Path(config.INSTANCE_PATH):
        return False
    if not _SQLITE_TEMPLATE:
        made = template_dir / "collab.db"
        template_config = TestConfig(template_dir, None)
        template_app = create_app(template_config)
        with template_app.app_context():
            db.create_all()
        close_app(template_app)  # the last connection checkpoints the WAL into the file
        _SQLITE_TEMPLATE.append(made)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_SQLITE_TEMPLATE[0], target)
    return True


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def make_app(tmp_path, tmp_path_factory, backend):
    """Build an app on this test's backend; ``make_app(**config)`` overrides config values."""
    created = []

    def factory(**overrides):
        instance = tmp_path / f"instance{len(created)}"
        config = TestConfig(instance, PG_URL if backend == "postgresql" else None)
        for key, value in overrides.items():
            setattr(config, key, value)
        copied = backend == "sqlite" and fresh_sqlite(config, tmp_path_factory.getbasetemp() / "sqlite-template")
        app = create_app(config)
        if not created and backend == "postgresql":
            fresh_postgres(app)
        elif not copied:
            with app.app_context():
                db.create_all()
        created.append(app)
        return app

    yield factory
    for app in created:
        close_app(app)


def close_app(app) -> None:
    """Stop an app's threads, close its search index and its database connections."""
    for name in ("collab_search_thread", "collab_access_relay"):
        thread = app.extensions.get(name)
        if thread:
            thread.stop()
    relay = app.extensions.get("collab_access_relay")
    if relay:
        # Gone before the next test starts: a relay still listening (up to a second) on a channel
        # the next test uses would hear its messages and call its listeners in this app.
        relay.thread.join(5)
    app.extensions["collab_search"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(make_app, request):
    """The test's app; ``@pytest.mark.app_config(KEY=value)`` overrides configuration."""
    marker = request.node.get_closest_marker("app_config")
    return make_app(**(marker.kwargs if marker else {}))


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


_seq = itertools.count(1)


@pytest.fixture
def make_user(app):
    from collab.accounts.services import create_user

    def factory(username: str | None = None, password: str = "correct-horse", **fields):
        username = username or f"user{next(_seq)}"
        with app.app_context():
            user = create_user(username, f"{username}@example.com", password,
                               display_name=fields.pop("display_name", username.title()))
            user.is_admin = fields.pop("is_admin", False)
            for key, value in fields.items():
                setattr(user, key, value)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    # The first account becomes admin; tests ask for admins explicitly, so burn that slot.
    with app.app_context():
        from collab.accounts.models import User

        if db.session.query(User).count() == 0:
            create_user("siteadmin", "siteadmin@example.com", "correct-horse", display_name="Site Admin")
            db.session.commit()
    return factory


@pytest.fixture
def admin_user(app, make_user):
    from collab.accounts.services import find_by_username

    with app.app_context():
        user = find_by_username("siteadmin")
        db.session.expunge(user)
        return user


@pytest.fixture
def make_community(app):
    from communities import services

    def factory(owner, name: str | None = None, access: str = "public", members=(), moderators=(), **kw):
        from collab.accounts.models import User
        from communities.models import MODERATOR

        with app.app_context():
            owner_row = db.session.get(User, owner.id)
            c = services.create_community(owner_row, name=name or f"Community {next(_seq)}",
                                          access_level=access, **kw)
            for person in list(members) + list(moderators):
                services._add_member(c, db.session.get(User, person.id))
            for person in moderators:
                services.set_role(c, db.session.get(User, person.id), MODERATOR)
            db.session.commit()
            db.session.refresh(c)
            c.tags  # load before detaching
            db.session.expunge(c)
            return c

    return factory


def csrf_token(html: str) -> str:
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in page"
    return m.group(1)


@pytest.fixture
def login(client):
    def do(user, password: str = "correct-horse", c=None):
        c = c or client
        response = c.post("/login", data={"login": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return c

    return do


@pytest.fixture
def client_for(app, login):
    """A separate signed-in client per person: client_for(user)."""

    def make(user):
        c = app.test_client()
        if user is not None:
            login(user, c=c)
        return c

    return make


@pytest.fixture
def just_before_the_first_write(monkeypatch):
    """just_before_the_first_write(model, twin): run ``twin()`` in another thread when the first
    request is about to insert a ``model`` row, and give it a moment to finish."""
    listeners = []

    def arm(model, twin):
        state = {"thread": None}

        def before_flush(session, flush_context, instances):
            if state["thread"] is None and any(isinstance(o, model) for o in session.new):
                state["thread"] = threading.Thread(target=twin, daemon=True)
                state["thread"].start()
                state["thread"].join(timeout=1.5)

        event.listen(Session, "before_flush", before_flush)
        listeners.append(before_flush)
        return state

    yield arm
    for fn in listeners:
        event.remove(Session, "before_flush", fn)


# Seconds a module takes on the CI machine, for modules that start servers, browsers, a cluster or a
# fuzzing run; any other module is reckoned at SECONDS_PER_TEST a test, one in tests/browser/ at
# SECONDS_PER_BROWSER_TEST (a server for the test; a module whose tests share one site is listed).
# Only the order of the run depends on these.
SLOW_MODULES = {
    "tests/browser/test_accessibility.py": 200, "tests/scaleout/test_scaleout.py": 150,
    "tests/search/test_postings_store.py": 120, "tests/chat/test_chat_live.py": 100,
    "tests/api/test_schemathesis.py": 90, "tests/core/test_serve_workers.py": 80,
    "tests/browser/test_phone_pages.py": 50, "tests/browser/test_journeys.py": 50,
    "tests/browser/test_coedit.py": 50, "tests/browser/test_forum_journey.py": 50,
    "tests/browser/test_drafts.py": 40, "tests/browser/test_wiki.py": 40, "tests/core/test_server_gc.py": 40,
    "tests/browser/test_flows.py": 35, "tests/browser/test_activity.py": 35, "tests/ops/test_upgrades.py": 30,
    "tests/browser/test_chat.py": 25, "tests/core/test_served.py": 25, "tests/browser/test_chat_live_times.py": 20,
}
SECONDS_PER_TEST, SECONDS_PER_BROWSER_TEST = 0.6, 25


def pytest_collection_modifyitems(session, config, items):
    """Longest modules first (the order ./dev test keeps with --no-loadscope-reorder): pytest-xdist
    hands a whole module to whichever worker is free, so a long module left for the end keeps one
    worker busy while the other idles. The order of tests within a module stays."""
    modules: dict[str, list] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)

    def seconds(entry) -> float:
        path, its = entry
        if path in SLOW_MODULES:
            return SLOW_MODULES[path]
        return len(its) * (SECONDS_PER_BROWSER_TEST if path.startswith("tests/browser/") else SECONDS_PER_TEST)

    items[:] = [item for _path, its in sorted(modules.items(), key=lambda e: -seconds(e)) for item in its]
