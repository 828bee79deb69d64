"""`collab backup` and `collab restore`: one archive with a consistent database snapshot and the
uploaded files, brought back onto an empty instance (then `collab reindex` rebuilds search).

The archive (.tar.gz) holds ``manifest.json``, the database (``database.sqlite3`` taken with
SQLite's online backup API, or ``database.pgdump`` from ``pg_dump --format=custom``, both
consistent while the site keeps running) and ``uploads/`` (files, avatars). Uploaded files are
content-addressed and never change, so they are copied before and after the database snapshot:
everything the snapshot refers to is in the archive. The search index is not: it is rebuilt from
the database.
"""
from __future__ import annotations

import glob
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text

from collab.extensions import db

FORMAT = 1


class BackupError(RuntimeError):
    """Something an operator must fix; the message says what."""


def _backend() -> str:
    return db.engine.dialect.name


def _sqlite_path() -> Path:
    return Path(db.engine.url.database)


def _pg_url() -> str:
    """The database URL as libpq understands it (no SQLAlchemy driver suffix)."""
    url = db.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: the newest installed (a dump needs a tool at least as new as the server)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0)
    tool = found[-1] if found else shutil.which(name)
    if not tool:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return tool


def _revision() -> str | None:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        db.session.rollback()
        return None
    finally:
        db.session.rollback()


def _add_tree(tar: tarfile.TarFile, root: Path, arc_root: str, done: set[str]) -> int:
    added = 0
    if not root.exists():
        return 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.endswith(".tmp"):
            continue
        name = f"{arc_root}/{path.relative_to(root).as_posix()}"
        if name in done:
            continue
        try:
            tar.add(str(path), arcname=name, recursive=False)
        except FileNotFoundError:  # removed meanwhile (no longer referenced)
            continue
        done.add(name)
        added += 1
    return added


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(timezone.utc).timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def create_backup(output: Path) -> dict:
    """Write the archive; returns its manifest."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    uploads = Path(current_app.config["UPLOAD_PATH"])
    backend = _backend()
    partial = output.with_name(output.name + ".partial")
    done: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="collab-backup-") as work, \
            tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        files = _add_tree(tar, uploads, "uploads", done)  # before the snapshot ...
        if backend == "sqlite":
            snapshot = Path(work) / "database.sqlite3"
            db.session.remove()
            source = sqlite3.connect(str(_sqlite_path()))
            target = sqlite3.connect(str(snapshot))
            try:
                source.backup(target)  # the online backup API: consistent while others write
            finally:
                target.close()
                source.close()
        elif backend == "postgresql":
            snapshot = Path(work) / "database.pgdump"
            result = subprocess.run(
                [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(snapshot),
                 "--dbname", _pg_url()], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            raise BackupError(f"backups of {backend} databases are not supported")
        tar.add(str(snapshot), arcname=snapshot.name)
        files += _add_tree(tar, uploads, "uploads", done)  # ... and after: files the snapshot names
        secret = Path(current_app.instance_path) / "secret_key"
        if secret.exists() and not os.environ.get("COLLAB_SECRET_KEY"):
            tar.add(str(secret), arcname="secret_key")
        manifest = {
            "format": FORMAT,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "backend": backend,
            "database": snapshot.name,
            "revision": _revision(),
            "files": files,
            "secret_key": "secret_key" in tar.getnames(),
        }
        _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
    partial.replace(output)
    return manifest


def _has_tables() -> bool:
    names = inspect(db.engine).get_table_names()
    db.engine.dispose()
    return bool(names)


def restore_backup(archive: Path) -> dict:
    """Bring an archive back onto this (empty) instance; returns its manifest."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"no such archive: {archive}")
    try:
        tar = tarfile.open(archive, "r:*")
    except tarfile.TarError as e:
        raise BackupError(f"{archive} is not a collab backup ({e})") from None
    with tar, tempfile.TemporaryDirectory(prefix="collab-restore-") as work:
        try:
            manifest = json.load(tar.extractfile("manifest.json"))
        except (KeyError, ValueError):
            raise BackupError(f"{archive} is not a collab backup (no manifest.json)") from None
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        backend = _backend()
        if manifest["backend"] != backend:
            raise BackupError(f"the archive holds a {manifest['backend']} database; this instance uses {backend} "
                              "(set DATABASE_URL to match)")
        db.session.remove()
        if _has_tables():
            raise BackupError("this instance's database is not empty; restore onto an empty database "
                              "(a new DATABASE_URL, or a new instance folder for SQLite)")
        uploads = Path(current_app.config["UPLOAD_PATH"])
        if uploads.exists() and any(p.is_file() for p in uploads.rglob("*")):
            raise BackupError(f"the upload folder {uploads} is not empty")
        tar.extraction_filter = tarfile.data_filter
        members = [m for m in tar.getmembers() if m.isfile()]
        tar.extract(manifest["database"], work)
        snapshot = Path(work) / manifest["database"]
        if backend == "sqlite":
            db.engine.dispose()
            target = _sqlite_path()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            source = sqlite3.connect(str(snapshot))
            dest = sqlite3.connect(str(target))
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
        else:
            result = subprocess.run(
                [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", _pg_url(),
                 str(snapshot)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        uploads.mkdir(parents=True, exist_ok=True)
        for member in members:
            if member.name.startswith("uploads/"):
                member = member.replace(name=member.name[len("uploads/"):])
                tar.extract(member, uploads)
        if manifest.get("secret_key") and not os.environ.get("COLLAB_SECRET_KEY"):
            secret = Path(current_app.instance_path) / "secret_key"
            secret.write_bytes(tar.extractfile("secret_key").read())
            secret.chmod(0o600)
            current_app.config["SECRET_KEY"] = secret.read_text().strip()
    db.engine.dispose()
    return manifest


__all__ = ["create_backup", "restore_backup", "BackupError"]
