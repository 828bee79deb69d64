"""The live update log's group commit (wiki.live_store.UpdateLog): updates queued while another
write is under way are committed together in one transaction, each sender learns its own row, and
one bad row in a group fails only its own sender."""
from __future__ import annotations

import threading
import time

from pycrdt import Doc, Text
from sqlalchemy import select

from collab.extensions import db


def _update(text: str) -> bytes:
    doc = Doc()
    doc.get("body", type=Text).insert(0, text)
    return doc.get_update()


def _append_all(app, entries):
    """Append each (page_id, data) from its own thread while a write is 'under way'; returns
    {index: row id or the exception}."""
    from wiki.live_store import update_log

    log = update_log(app)
    results = {}

    def run(i, page_id, data):
        with app.app_context():
            try:
                results[i] = log.append(page_id, None, data, mark=True)
            except Exception as e:  # noqa: BLE001 - returned to the test
                results[i] = e

    with log._cond:
        log._writing = True  # as if another thread were committing: everyone queues behind it
    threads = [threading.Thread(target=run, args=(i, p, d)) for i, (p, d) in enumerate(entries)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while len(log._queue) < len(entries) and time.monotonic() < deadline:
        time.sleep(0.01)
    before = log.transactions
    with log._cond:
        log._writing = False  # the write ends: one of the waiting threads writes them all
        log._cond.notify_all()
    for t in threads:
        t.join(10)
    return results, log.transactions - before


def test_queued_updates_are_committed_together(app, community, people, wiki):
    from wiki import live
    from wiki.models import WikiLiveDoc, WikiLiveUpdate, WikiPage

    pages = [wiki.create(community, people["owner"], f"Page {n}", body="x\n") for n in range(2)]
    with app.test_request_context("/", method="POST"):
        for page_id in pages:
            live.ensure(db.session.get(WikiPage, page_id))
        db.session.commit()
    entries = [(pages[i % 2], _update(f"word{i} ")) for i in range(8)]
    results, transactions = _append_all(app, entries)
    assert transactions == 1
    ids = [results[i] for i in range(8)]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == 8
    with app.app_context():
        stored = dict(db.session.execute(select(WikiLiveUpdate.id, WikiLiveUpdate.data)).all())
        assert [stored[i] for i in ids] == [d for _p, d in entries]  # each sender got its own row
        assert all(db.session.scalars(select(WikiLiveDoc.dirty)).all())  # the quiet-period clock runs


def test_a_bad_row_fails_only_its_sender(app, community, people, wiki):
    from wiki import live
    from wiki.models import WikiLiveUpdate, WikiPage

    page = wiki.create(community, people["owner"], "Runbook", body="x\n")
    with app.test_request_context("/", method="POST"):
        live.ensure(db.session.get(WikiPage, page))
        db.session.commit()
    entries = [(page, _update("a")), (page + 1000, _update("b")), (page, _update("c"))]  # no page 1000+
    results, _transactions = _append_all(app, entries)
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert isinstance(results[1], Exception)
    with app.app_context():
        assert sorted(db.session.scalars(select(WikiLiveUpdate.page_id)).all()) == [page, page]
