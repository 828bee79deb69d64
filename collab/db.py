"""Declarative base, mixins, and the SQLite connection discipline.

SQLite runs in WAL mode with foreign keys on. A transaction that will write starts with
BEGIN IMMEDIATE so it takes the write lock up front (and waits for it under busy_timeout)
instead of failing when a deferred reader later upgrades; read-only requests begin deferred so
readers never queue behind each other.

Inside one process the writers also queue on a lock of their own (``_WriterLock``) before they
issue BEGIN IMMEDIATE, so SQLite's busy handler only ever waits on *another* process. Under the
gevent worker this is what keeps the hub alive: a greenlet holding the write transaction may yield
(a socket emit, Redis), and a second greenlet's BEGIN IMMEDIATE would otherwise sleep in SQLite's C
busy handler, blocking the whole hub, so the holder could never resume to commit ("database is
locked" after busy_timeout). Monkey-patched, ``threading.Semaphore`` is gevent's: the waiter yields.
"""
from __future__ import annotations

import contextvars
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import Boolean, DateTime, MetaData, event, func, literal
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_clock: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("collab_clock", default=None)


def utcnow() -> datetime:
    """Now, in UTC; inside ``clock_at(when)``: ``when``."""
    return _clock.get() or datetime.now(timezone.utc)


@contextmanager
def clock_at(when: datetime):
    """Everything written inside happens at ``when`` as far as the services can tell (their rows,
    events, notifications and revisions take their times from ``utcnow``). For ``collab demo``,
    which replays weeks of activity in a few seconds; never used on the request path."""
    token = _clock.set(when)
    try:
        yield
    finally:
        _clock.reset(token)


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


class contains_folded(ColumnElement):
    """``column`` contains ``text`` (taken literally: ``%`` and ``_`` are no wildcards) in any letter
    case, beyond ASCII too ("über" finds "Über", "москва" finds "Москва"). PostgreSQL: ILIKE. SQLite's
    LIKE folds ASCII only: both sides go through ``casefold()``, which every connection has."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("pattern", InternalTraversal.dp_clauseelement)]

    _before = "%"  # what may come before ``text``: anything

    def __init__(self, column, text):
        """``text``: the words, or a bound parameter that will hold ``pattern(words)`` (for a
        statement built once and run with other words)."""
        self.column = column
        self.pattern = text if isinstance(text, BindParameter) else literal(self.pattern_of(text))

    @classmethod
    def pattern_of(cls, text: str) -> str:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return cls._before + escaped + "%"


class starts_folded(contains_folded):
    """``column`` starts with ``text``, in any letter case (as ``contains_folded``)."""

    inherit_cache = True
    _before = ""


@compiles(contains_folded)
def _contains_folded(element, compiler, **kw):
    return compiler.process(element.column.ilike(element.pattern, escape="\\"), **kw)


@compiles(contains_folded, "sqlite")
def _contains_folded_sqlite(element, compiler, **kw):
    return compiler.process(func.casefold(element.column).like(func.casefold(element.pattern), escape="\\"), **kw)


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


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


def savepoint_released(session) -> bool:
    """Whether an ``after_commit`` event is only a SAVEPOINT being released: SQLAlchemy sends the
    event for ``begin_nested()`` too (``insert_once``), while the transaction around it may still
    roll back. Every after-commit hook (wake a worker, unlink a file, tell the sockets) returns
    at once on it and waits for the real commit."""
    return session.in_nested_transaction()


def insert_once(row, earlier):
    """Store a new row that carries its author's duplicate-submit token, in a SAVEPOINT: when a
    concurrent submit of the same form stored the token first (the unique index refuses this row),
    answer what ``earlier()`` finds for it instead. (Adding the row inside the savepoint matters:
    ``begin_nested()`` flushes what is pending first, outside the savepoint it opens.)"""
    from sqlalchemy.exc import IntegrityError

    from collab.extensions import db

    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = earlier()
        if found is None:
            raise
        return found
    return row


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


BUSY_TIMEOUT = 10.0  # seconds a writer waits for the lock (in this process, then in SQLite)


class _WriterLock:
    """One write transaction at a time in this process, held from BEGIN IMMEDIATE to its end.

    A semaphore rather than a lock: the pool may end a transaction (reset on check-in) from
    another thread than the one that began it. A thread (greenlet) that already holds it and
    begins a second write transaction on another connection is not made to wait for itself:
    that one goes straight to SQLite, as before this lock existed.
    """

    def __init__(self):
        self._sem = threading.Semaphore(1)  # gevent's when the worker has monkey-patched threading
        self.owner: int | None = None

    def acquire(self, timeout: float) -> bool:
        me = threading.get_ident()
        if self.owner == me:
            return False
        if not self._sem.acquire(timeout=timeout):
            raise sa_exc.OperationalError("BEGIN IMMEDIATE", None,
                                          sqlite3.OperationalError("database is locked"))
        self.owner = me
        return True

    def release(self) -> None:
        self.owner = None
        self._sem.release()


_writer = _WriterLock()
_HOLDS = "collab_sqlite_writer"


def _release_writer(info: dict) -> None:
    if info.pop(_HOLDS, False):
        _writer.release()


def _driver_begin(conn, sql: str) -> None:
    """BEGIN straight on the driver's connection: through SQLAlchemy's statement execution (as
    ``exec_driver_sql``) it costs some 25 microseconds more, on every request. Errors are wrapped
    as SQLAlchemy's (``OperationalError`` for "database is locked"), as that path did."""
    try:
        conn.connection.driver_connection.execute(sql)
    except sqlite3.Error as e:
        raise sa_exc.DBAPIError.instance(sql, (), e, sqlite3.Error) from e


def configure_sqlite(engine: Engine) -> None:
    """Install pragmas and explicit BEGIN handling on a SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        dbapi_conn.create_function("casefold", 1, _casefold, deterministic=True)  # contains_folded
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute("PRAGMA cache_size=-20000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if not _wants_write():
            _driver_begin(conn, "BEGIN")
            return
        if _writer.acquire(BUSY_TIMEOUT):
            conn.info[_HOLDS] = True
        try:
            _driver_begin(conn, "BEGIN IMMEDIATE")
        except BaseException:
            _release_writer(conn.info)
            raise

    # The "commit" event comes just before the COMMIT: nothing can take the lock in between
    # (a greenlet does not yield there; a thread that does waits in SQLite's busy handler for
    # the moment the COMMIT takes).
    @event.listens_for(engine, "commit")
    def _on_commit(conn):
        _release_writer(conn.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn):
        _release_writer(conn.info)

    # A connection given back (or thrown away) mid-transaction is rolled back by the pool.
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):
        if record is not None:
            _release_writer(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_conn, record, _exception):
        if record is not None:
            _release_writer(record.info)
