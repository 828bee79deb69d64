"""Batched "add to the row, creating it if missing" on SQLite and PostgreSQL."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from collab.extensions import db

CHUNK = 2000


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@lru_cache(maxsize=64)
def _statement(table, dialect: str, keys: tuple[str, ...], how: str, columns: tuple[str, ...]):
    """The INSERT ... ON CONFLICT of ``table``, built once per process: Core's executemany of the
    table (the ORM's bulk path costs about as much again in Python for each row), and building
    the statement (its ``excluded`` columns) was a third of a small flush, which holds the gevent
    hub while it runs."""
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    if how == "add":
        return stmt.on_conflict_do_update(index_elements=list(keys),
                                          set_={c: table.c[c] + stmt.excluded[c] for c in columns})
    if how == "set":
        return stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns})
    return stmt.on_conflict_do_nothing(index_elements=list(keys))


def _run(model, rows: list[dict], keys: list[str], how: str, columns: list[str]) -> None:
    stmt = _statement(model.__table__, _dialect(), tuple(keys), how, tuple(columns))
    for start in range(0, len(rows), CHUNK):
        db.session.execute(stmt, rows[start:start + CHUNK])


def upsert_add(model, rows: list[dict], keys: list[str], add: list[str]) -> None:
    """Insert ``rows``; where a row with the same ``keys`` exists, add the ``add`` columns to it."""
    _run(model, rows, keys, "add", add)


def upsert_set(model, rows: list[dict], keys: list[str], columns: list[str]) -> None:
    """Insert ``rows``; where one with the same ``keys`` exists, overwrite ``columns``."""
    _run(model, rows, keys, "set", columns)


def insert_ignore(model, rows: list[dict], keys: list[str]) -> None:
    _run(model, rows, keys, "ignore", [])
