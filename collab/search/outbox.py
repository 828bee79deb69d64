"""The search outbox: content changes become rows in the same transaction as the change.

The indexer drains the rows into Whoosh and deletes them only after the index commit, so nothing
is lost if a process dies between the database commit and the index commit.
"""
from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import Index, String, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from collab.db import UTCDateTime, savepoint_released, utcnow
from collab.extensions import db

from . import registry


class SearchOutbox(db.Model):
    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(32), nullable=False)
    doc_pk: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_search_outbox_doc", "doc_type", "doc_pk"),)


# Set after a commit that queued rows, so an in-process indexer wakes at once.
changed = threading.Event()


def _pending(session: Session) -> set[tuple[str, str]]:
    return session.info.setdefault("collab_search_pending", set())


def _collect(session: Session, flush_context) -> None:
    """after_flush: note every searchable object that was added, changed or deleted."""
    if not registry.types():
        return
    found: set[tuple[str, str]] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        st = registry.type_of(obj)
        if st is not None:
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            pk = _pk(obj)
            if pk is not None:
                found.add((st.name, str(pk)))
                if st.purges_community and obj in session.deleted:
                    found.add((registry.PURGE_COMMUNITY, str(pk)))
        for st in registry.types().values():
            for model, keys in st.dependents:
                if isinstance(obj, model):
                    found.update((st.name, str(k)) for k in keys(obj))
    if not found:
        return
    fresh = found - _pending(session)
    if fresh:
        now = utcnow()
        session.connection().execute(
            insert(SearchOutbox.__table__),
            [{"doc_type": t, "doc_pk": pk, "created_at": now.replace(tzinfo=None)} for t, pk in sorted(fresh)],
        )
        _pending(session).update(fresh)


def _pk(obj):
    state = db.inspect(obj)
    # In after_flush a just-inserted object has its primary key attributes but no identity key
    # yet (the session assigns it after the flush hooks run): read the key from the attributes.
    identity = state.identity or tuple(state.mapper.primary_key_from_instance(obj))
    if not identity or any(v is None for v in identity):
        return None
    return identity[0] if len(identity) == 1 else ":".join(map(str, identity))


def _after_commit(session: Session) -> None:
    if savepoint_released(session):
        return
    if session.info.pop("collab_search_pending", None):
        changed.set()


def _after_rollback(session: Session) -> None:
    session.info.pop("collab_search_pending", None)


def install_hooks() -> None:
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, prev: _after_rollback(s))


def enqueue(type_name: str, pks) -> None:
    """Queue documents for (re)indexing in the current transaction, by hand."""
    rows = [{"doc_type": type_name, "doc_pk": str(pk), "created_at": utcnow().replace(tzinfo=None)} for pk in pks]
    if rows:
        db.session.execute(insert(SearchOutbox.__table__), rows)
        _pending(db.session()).add(("*", "*"))
