"""Declarative base, mixins, and the SQLite connection discipline.

SQLite runs in WAL mode with foreign keys on. A transaction that will write starts with
BEGIN IMMEDIATE so it takes the write lock up front (and waits for it under busy_timeout)
instead of failing when a deferred reader later upgrades; read-only requests begin deferred so
readers never queue behind each other.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Store naive UTC, hand back aware UTC datetimes on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


_force_write: contextvars.ContextVar[bool] = contextvars.ContextVar("collab_force_write", default=False)
_force_read: contextvars.ContextVar[bool] = contextvars.ContextVar("collab_force_read", default=False)
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@contextmanager
def write_intent():
    """Mark the transactions begun inside as writers (BEGIN IMMEDIATE on SQLite)."""
    token = _force_write.set(True)
    try:
        yield
    finally:
        _force_write.reset(token)


@contextmanager
def read_intent():
    """Mark the transactions begun inside as read-only (deferred BEGIN) outside requests."""
    token = _force_read.set(True)
    try:
        yield
    finally:
        _force_read.reset(token)


def _wants_write() -> bool:
    if _force_write.get():
        return True
    if _force_read.get():
        return False
    from flask import has_request_context, request

    if has_request_context():
        return request.method not in _SAFE_METHODS and not request.path.startswith("/socket.io")
    return True  # CLI, background jobs: always safe to take the lock first


def configure_sqlite(engine: Engine) -> None:
    """Install pragmas and explicit BEGIN handling on a SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute("PRAGMA cache_size=-20000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")
