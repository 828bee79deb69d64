"""`collab backup` -> `collab restore` on an empty instance -> `collab reindex`: the same rows,
the same files, the same pages and search answers, on SQLite and on PostgreSQL."""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import select
from sqlalchemy.engine import make_url

from collab import files
from collab.app import create_app
from collab.cli import main
from collab import config as collab_config
from collab.extensions import db
from collab.search import flush
from tests.conftest import PG_URL
from tests.helpers import text


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (6, 6), "teal").save(out, format="PNG")
    return out.getvalue()


def _rows(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary key order."""
    with app.app_context():
        out = {}
        for table in db.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            out[table.name] = [tuple(r) for r in db.session.execute(query)]
        db.session.rollback()
        return out


def _cli(env: dict, *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def restore_db(backend):
    """An empty database to restore into (PostgreSQL: a second database on the test server)."""
    if backend != "postgresql":
        yield None
        return
    import psycopg

    url = make_url(PG_URL)
    name = f"{url.database}_restore"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restore_reindex_round_trip(app, backend, make_user, make_community, client, login, tmp_path,
                                           restore_db):
    from flask_migrate import upgrade

    with app.app_context():  # a real instance: the schema from the migrations, with its revision
        db.drop_all()
        upgrade()
    ana = make_user("ana")
    place = make_community(ana, "Archive Team")
    login(ana)
    r = client.post(f"/c/{place.slug}/wiki/-/new", data={"title": "Recovery plan", "parent": "",
                                                        "body": "Restore the **nightly** archive, then reindex. 备份恢复"})
    assert r.status_code == 302, text(r)
    page_url = r.headers["Location"]
    png = _png()
    with app.test_request_context("/"):
        from collab.accounts.models import User
        from communities.models import Community

        stored = files.store(png, "diagram.png", uploader=db.session.get(User, ana.id),
                             community=db.session.get(Community, place.id))
        db.session.commit()
        sha = stored.sha256
        flush()
    before = _rows(app)
    source_env = {
        "COLLAB_INSTANCE_PATH": app.instance_path,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COLLAB_UPLOAD_PATH": app.config["UPLOAD_PATH"],
        "COLLAB_SEARCH_INDEX": app.config["SEARCH_INDEX_PATH"],
    }
    archive = tmp_path / "nightly.tar.gz"
    out = _cli(source_env, "backup", "-o", str(archive))
    assert "1 uploaded file(s)" in out and archive.exists()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and f"uploads/files/{sha[:2]}/{sha}" in names
    assert ("database.sqlite3" if backend == "sqlite" else "database.pgdump") in names

    # An empty instance: a new folder (and, on PostgreSQL, an empty database).
    target = tmp_path / "restored"
    target_env = {
        "COLLAB_INSTANCE_PATH": str(target),
        "DATABASE_URL": restore_db or f"sqlite:///{target / 'collab.db'}",
        "COLLAB_UPLOAD_PATH": str(target / "uploads"),
        "COLLAB_SEARCH_INDEX": str(target / "index"),
    }
    out = _cli(target_env, "restore", str(archive))
    assert "Restored the" in out and "collab reindex" in out
    # Restoring twice is refused: the instance is no longer empty.
    again = CliRunner().invoke(main, ["restore", str(archive)], env=target_env)
    assert again.exit_code != 0 and "not empty" in again.output
    assert "Indexed" in _cli(target_env, "reindex")

    config = collab_config.TestConfig(target, restore_db)
    config.SQLALCHEMY_DATABASE_URI = config.SQLALCHEMY_DATABASE_URI if restore_db else f"sqlite:///{target / 'collab.db'}"
    restored = create_app(config)
    try:
        assert _rows(restored) == before  # every row of every table
        assert (target / "uploads" / "files" / sha[:2] / sha).read_bytes() == png
        c = restored.test_client()
        login(ana, c=c)
        page = c.get(page_url)
        assert page.status_code == 200 and "Restore the <strong>nightly</strong> archive" in text(page)
        found = text(c.get("/search", query_string={"q": "备份恢复"}))
        assert "Recovery plan" in found
        with restored.app_context():
            assert db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        restored.extensions["collab_search"].close()
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


def test_restore_refuses_what_is_not_a_backup(app, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        data = b"hello"
        info = tarfile.TarInfo("readme.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    env = {"COLLAB_INSTANCE_PATH": str(tmp_path / "x"), "DATABASE_URL": f"sqlite:///{tmp_path / 'x' / 'c.db'}",
           "COLLAB_UPLOAD_PATH": str(tmp_path / "x" / "uploads"), "COLLAB_SEARCH_INDEX": str(tmp_path / "x" / "index")}
    result = CliRunner().invoke(main, ["restore", str(bogus)], env=env)
    assert result.exit_code != 0 and "not a collab backup" in result.output
    assert not Path(tmp_path / "x" / "uploads").exists() or not any(Path(tmp_path / "x" / "uploads").iterdir())
