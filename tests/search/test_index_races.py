"""The index survives a reader racing the indexer's commit (it is not mistaken for damage)."""
from __future__ import annotations

import threading
import time


def _search_index(app):
    return app.extensions["collab_search"]


def test_an_open_that_races_a_committing_writer_keeps_the_index(app, handbook, client_for, find, monkeypatch):
    """A reader that cannot open the folder while a writer commits (merged segments vanishing
    under it) waits for the writer and opens again: the index is kept, not moved aside."""
    index = _search_index(app)
    client = client_for(handbook)
    assert find(handbook, "quokka", client=client)[0] == ["Quokka Handbook"]
    count = index.doc_count()
    real_try_open = type(index)._try_open
    committing = threading.Event()
    committing.set()

    from collab.search.index import _Reason

    def racing_try_open(self):
        if committing.is_set():  # what a reader sees half-way through the writer's commit
            return None, _Reason("the search index could not be opened "
                                 "(TypeError: 'NoneType' object is not subscriptable)", broken=True)
        return real_try_open(self)

    monkeypatch.setattr(type(index), "_try_open", racing_try_open)
    writer = index.writer()

    def commit_later():
        time.sleep(0.3)
        committing.clear()
        writer.cancel()  # releases the write lock

    t = threading.Thread(target=commit_later)
    t.start()
    index.recover(TypeError("'NoneType' object is not subscriptable"))
    t.join()
    assert not index.needs_rebuild and index.problem is None
    assert not list(index.path.parent.glob(f"{index.path.name}.broken-*"))
    assert index.doc_count() == count
    assert find(handbook, "quokka", client=client)[0] == ["Quokka Handbook"]
