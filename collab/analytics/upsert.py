"""Batched "add to the row, creating it if missing" on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from collab.extensions import db

CHUNK = 2000


def _insert(model):
    return (pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(model)


def upsert_add(model, rows: list[dict], keys: list[str], add: list[str]) -> None:
    """Insert ``rows``; where a row with the same ``keys`` exists, add the ``add`` columns to it."""
    for start in range(0, len(rows), CHUNK):
        stmt = _insert(model)
        table = model.__table__
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={c: table.c[c] + stmt.excluded[c] for c in add})
        db.session.execute(stmt, rows[start:start + CHUNK])


def upsert_set(model, rows: list[dict], keys: list[str], columns: list[str]) -> None:
    """Insert ``rows``; where one with the same ``keys`` exists, overwrite ``columns``."""
    for start in range(0, len(rows), CHUNK):
        stmt = _insert(model)
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in columns})
        db.session.execute(stmt, rows[start:start + CHUNK])


def insert_ignore(model, rows: list[dict], keys: list[str]) -> None:
    for start in range(0, len(rows), CHUNK):
        stmt = _insert(model).on_conflict_do_nothing(index_elements=keys)
        db.session.execute(stmt, rows[start:start + CHUNK])
