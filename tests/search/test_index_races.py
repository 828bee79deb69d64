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


def test_a_commit_that_merges_away_the_segments_of_a_running_search(app, make_user, make_community, client_for,
                                                                    find, index_now, monkeypatch, caplog):
    """The indexer commits (merging the small segments into one and replacing the generation)
    while a search is between finding its matches and reading their stored fields: the search
    still shows its results, nothing is logged as an index error, the index is kept."""
    from collab.search import segcache

    from whoosh.writing import SegmentWriter

    owner = make_user("owner")
    reader = make_user("reader")
    with monkeypatch.context() as m:  # one segment per batch; the next commit merges them
        m.setattr(SegmentWriter, "_merge_segments", lambda self, *a: list(self.segments))
        for i in range(6):
            make_community(owner, name=f"Wombat Burrow {i}")
            index_now()
    index = _search_index(app)
    assert len(index.searcher().reader().leaf_readers()) >= 5
    client = client_for(reader)
    real_search = segcache.search
    overtaken = []

    def search_then_commit(*args, **kwargs):
        found = real_search(*args, **kwargs)
        if not overtaken:  # the first search only: another thread's batch lands now
            def batch():
                with app.app_context():
                    make_community(owner, name="Wombat Burrow 6")
                    index_now()
            t = threading.Thread(target=batch)
            t.start()
            t.join()
            with index.ix.searcher() as newest:
                overtaken.append(len(newest.reader().leaf_readers()))
        return found

    monkeypatch.setattr(segcache, "search", search_then_commit)
    titles, body = find(reader, "wombat", client=client)
    assert overtaken and overtaken[0] < 5, "the batch did not merge the segments"
    assert sorted(titles) == [f"Wombat Burrow {i}" for i in range(6)]
    assert "search index error" not in caplog.text and "failed" not in caplog.text
    assert not index.needs_rebuild and not list(index.path.parent.glob(f"{index.path.name}.broken-*"))
    titles, _body = find(reader, "wombat", client=client)
    assert sorted(titles) == [f"Wombat Burrow {i}" for i in range(7)]


def test_files_of_replaced_generations_go_after_the_grace_period(app, make_user, make_community, index_now,
                                                                 monkeypatch):
    """Kept for the searchers still reading them, then deleted by a later commit: the folder does
    not grow with every batch."""
    from collab.search import index as index_module

    owner = make_user("owner")
    index_now()
    path = _search_index(app).path
    make_community(owner, name="Numbat Den")
    index_now()
    kept = {p.name for p in path.iterdir()}
    assert len([n for n in kept if n.endswith(".toc")]) >= 2  # the replaced generation is still there
    monkeypatch.setattr(index_module._clean_files, "__defaults__", (0.0,))
    make_community(owner, name="Numbat Burrow")
    index_now()
    left = {p.name for p in path.iterdir()}
    assert len([n for n in left if n.endswith(".toc")]) == 1
    with _search_index(app).ix.searcher() as s:
        live = {seg.segment_id() for seg in s.reader().segments()}
    assert all(n.split(".")[0] in live for n in left if n.startswith("MAIN_") and "." in n)
