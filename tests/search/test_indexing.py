"""Crash safety and failures of indexing: the outbox keeps what was not indexed, a killed indexer
loses nothing and leaves no lock, a deleted or damaged index is noticed and rebuilt while the site
keeps answering, the background thread keeps search fresh, the commands work, and several app
objects (processes) share one index."""
from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import insert, select
from whoosh import index as whoosh_index
from whoosh.writing import LockError, SegmentWriter

from collab.extensions import db
from collab.search import flush
from collab.search.index import REBUILD_MARK, check_index, looks_damaged
from tests.conftest import PG_URL
from tests.search.conftest import backlog, expected_ids, index_ids

ROOT = Path(__file__).resolve().parents[2]
REBUILDING = "The search index is being rebuilt"


class Killed(BaseException):
    """Stands for the process dying (not an Exception: nothing may catch it and carry on)."""


def _search_index(app):
    return app.extensions["collab_search"]


def _assert_complete(app):
    """Every document the database says should be findable is in the index, once; no backlog."""
    ids = index_ids(app)
    assert len(ids) == len(set(ids)), "a document is in the index twice"
    assert set(ids) == expected_ids(app)
    assert backlog(app) == 0


@pytest.fixture
def queued(app, make_user, make_community, index_now):
    """An indexed start, then 12 people and 3 communities queued in the outbox (not indexed)."""
    index_now()
    owner = make_user("qowner")
    for i in range(12):
        make_user(f"queued{i}", display_name=f"Queued Person {i}")
    for i in range(3):
        make_community(owner, name=f"Queued Community {i}")
    n = backlog(app)
    assert n >= 16
    assert not set(index_ids(app)) >= expected_ids(app)
    return n


# --------------------------------------------------------------------------- dying mid-batch


def test_index_commit_failing_mid_drain_keeps_the_rows(app, queued, index_now, monkeypatch):
    """The third batch's Whoosh commit fails (disk full) half-way: the two committed batches
    leave the outbox, the rest stays, the writer lock is released, the next run indexes all."""
    from collab.search.indexer import drain

    real = SegmentWriter._finalize_segment
    calls = []

    def failing(self):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self)

    monkeypatch.setattr(SegmentWriter, "_finalize_segment", failing)
    with app.app_context(), pytest.raises(OSError):
        drain(_search_index(app), batch=5)
    assert backlog(app) == queued - 10
    monkeypatch.undo()
    _search_index(app).writer(timeout=0).cancel()  # nobody holds the lock any more
    index_now()
    _assert_complete(app)


def test_dying_inside_document_fields_keeps_the_batch(app, queued, index_now, monkeypatch):
    """The process dies while building the 8th document (the 2nd batch of 5): the first batch is
    indexed and gone from the outbox, nothing of the second batch is in the index, and its rows
    and all later ones stay until the next run, which indexes everything."""
    from collab.search import indexer

    real = indexer.document_fields
    calls = []

    def dying(st, obj):
        calls.append(obj)
        if len(calls) == 8:
            raise Killed()
        return real(st, obj)

    before = set(index_ids(app))
    monkeypatch.setattr(indexer, "document_fields", dying)
    with app.app_context(), pytest.raises(Killed):
        indexer.drain(_search_index(app), batch=5)
    assert backlog(app) == queued - 5
    assert len(set(index_ids(app)) - before) == 5  # the first batch only
    monkeypatch.undo()
    index_now()
    _assert_complete(app)


def test_dying_between_index_commit_and_outbox_delete_duplicates_nothing(app, queued, index_now, monkeypatch):
    """Died after the Whoosh commit, before the outbox rows were deleted: the rows are indexed
    again on restart (updates by id), and no document is in the index twice."""
    from collab.search import indexer

    def dying():
        raise Killed()

    monkeypatch.setattr(indexer, "write_intent", dying)
    with app.app_context(), pytest.raises(Killed):
        indexer.drain(_search_index(app), batch=1000)
    assert backlog(app) == queued
    assert set(index_ids(app)) == expected_ids(app)  # already indexed ...
    monkeypatch.undo()
    index_now()  # ... and indexed again: still once each
    _assert_complete(app)


def test_a_document_that_cannot_be_built_does_not_hold_up_the_rest(app, queued, index_now, monkeypatch, caplog):
    """A bug in one object's to_document: that document's row stays queued (retried later, with
    a pause), everything else is indexed; once fixed, the next flush indexes it."""
    from collab.accounts.models import User
    from collab.search import indexer

    with app.app_context():
        bad = db.session.scalar(select(User.id).where(User.username == "queued3"))
    real = indexer.document_fields
    attempts = []

    def buggy(st, obj):
        if st.name == "person" and obj.id == bad:
            attempts.append(1)
            raise ValueError("bug in to_document")
        return real(st, obj)

    monkeypatch.setattr(indexer, "document_fields", buggy)
    index = _search_index(app)
    with app.app_context():
        assert indexer.drain(index, batch=4) == queued - 1
    assert backlog(app) == 1 and attempts == [1]
    assert expected_ids(app) - set(index_ids(app)) == {f"person:{bad}"}
    assert "could not make the document person:" in caplog.text
    with app.app_context():
        indexer.drain(index)  # too soon: the bad document waits for its retry time
    assert attempts == [1] and backlog(app) == 1
    monkeypatch.undo()
    index_now()  # an explicit flush retries at once
    _assert_complete(app)


def test_rebuild_skips_and_requeues_a_document_that_cannot_be_built(app, queued, index_now, monkeypatch):
    """A rebuild covers the rows queued before it (the backlog empties) except a document that
    fails, which is queued again instead of failing the whole rebuild."""
    from collab.accounts.models import User
    from collab.search import indexer

    with app.app_context():
        bad = db.session.scalar(select(User.id).where(User.username == "queued5"))
    real = indexer.document_fields
    monkeypatch.setattr(indexer, "document_fields", lambda st, obj: (
        (_ for _ in ()).throw(ValueError("bug")) if st.name == "person" and obj.id == bad else real(st, obj)))
    with app.app_context():
        indexer.rebuild(_search_index(app))
    assert backlog(app) == 1
    assert expected_ids(app) - set(index_ids(app)) == {f"person:{bad}"}
    monkeypatch.undo()
    index_now()
    _assert_complete(app)


# --------------------------------------------------------------------------- a real SIGKILL

DRAIN_SCRIPT = """
import sys
from pathlib import Path
from collab.app import create_app
from collab.config import TestConfig
from collab.search.indexer import drain

app = create_app(TestConfig(Path(sys.argv[1]), sys.argv[2] or None))
with app.app_context():
    print("draining", flush=True)
    drain(app.extensions["collab_search"], batch=int(sys.argv[3]))
print("done", flush=True)
"""

HOLD_LOCK_SCRIPT = """
import sys, time
from collab.search.index import SearchIndex
w = SearchIndex(sys.argv[1]).writer()
w.add_document(id="ghost:1", type="ghost", title="uncommitted ghost", scope="site")
print("locked", flush=True)
time.sleep(120)
"""


def _writer_lock_held(index_path: Path) -> bool:
    """Whether some process holds Whoosh's writer lock (an fcntl.flock on MAIN_WRITELOCK)."""
    fd = os.open(index_path / "MAIN_WRITELOCK", os.O_WRONLY | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _python(app, backend, script: str, *args: str, log_name: str):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COLLAB_SEARCH_INDEX")}
    log = open(Path(app.instance_path) / log_name, "wb")
    proc = subprocess.Popen([sys.executable, "-c", script, *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, log


def _kill(proc, log) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    log.close()


def test_sigkill_while_draining_loses_nothing(app, backend, make_user, index_now):
    """`drain` in another process over 1500 queued people, SIGKILLed while it holds the writer
    after some batches: the kernel dropped its lock, the index is intact, and the next drain
    leaves every document in the index."""
    from collab.accounts.models import User
    from collab.search.outbox import enqueue

    make_user("someone")
    index_now()
    total = 1500
    with app.app_context():
        db.session.execute(insert(User.__table__), [
            {"username": f"bulk{i}", "email": f"bulk{i}@example.com", "password_hash": "x",
             "display_name": f"Bulk Person {i}", "title": "Engineer"} for i in range(total)])
        enqueue("person", db.session.scalars(select(User.id).where(User.username.like("bulk%"))).all())
        db.session.commit()
    assert backlog(app) == total
    index_path = _search_index(app).path
    generation = _search_index(app).ix.latest_generation()
    proc, log = _python(app, backend, DRAIN_SCRIPT, app.instance_path, PG_URL if backend == "postgresql" else "",
                        "150", log_name="drain.log")
    try:
        deadline = time.monotonic() + 60
        # Wait until two batches are committed to the index (so the first one's rows are gone
        # from the outbox) and the writer is busy with the next one, then kill.
        while True:
            assert proc.poll() is None, "the indexer ended before it could be killed: " + (
                Path(app.instance_path) / "drain.log").read_text()
            assert time.monotonic() < deadline, "the indexer never started"
            tocs = [int(f.name[6:-4]) for f in index_path.glob("_MAIN_*.toc")]
            if max(tocs, default=-1) >= generation + 2 and _writer_lock_held(index_path):
                break
            time.sleep(0.003)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        _kill(proc, log)
    assert proc.returncode == -signal.SIGKILL
    left = backlog(app)
    assert 0 < left < total, "killed mid-way"
    # Whoosh's lock file stays behind, but it is not locked: the kernel released the flock.
    assert (index_path / "MAIN_WRITELOCK").exists()
    assert not _writer_lock_held(index_path)
    check_index(whoosh_index.open_dir(str(index_path)))
    index_now()  # the restarted indexer
    _assert_complete(app)
    assert len(index_ids(app)) > total
    # The dead writer's half-written segment files were cleaned up by the next commit (the
    # segments of generations replaced in the last minute stay for the searchers reading them).
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    storage = FileStorage(str(index_path))
    named = set()
    for toc in index_path.glob("_MAIN_*.toc"):
        named |= {seg.segment_id() for seg in TOC.read(storage, "MAIN", int(toc.name[6:-4])).segments}
    orphans = [f.name for f in index_path.glob("MAIN_*.*") if f.name.split(".")[0] not in named]
    assert not orphans


def test_sigkill_of_a_writer_releases_the_lock_and_drops_its_work(app, backend, index_now):
    index_now()
    index = _search_index(app)
    proc, log = _python(app, backend, HOLD_LOCK_SCRIPT, str(index.path), log_name="hold.log")
    try:
        deadline = time.monotonic() + 30
        while b"locked" not in (Path(app.instance_path) / "hold.log").read_bytes():
            assert proc.poll() is None and time.monotonic() < deadline, (Path(app.instance_path) / "hold.log").read_text()
            time.sleep(0.01)
        assert _writer_lock_held(index.path)
        with pytest.raises(LockError):
            index.writer(timeout=0)
    finally:
        _kill(proc, log)
    w = index.writer(timeout=0)  # at once: no stale lock to wait for or remove
    w.cancel()
    assert "ghost:1" not in index_ids(app)
    index_now()
    _assert_complete(app)


# --------------------------------------------------------------------------- deleted or damaged


def test_index_folder_deleted_under_a_running_app(app, handbook, find, client_for, index_now):
    client = client_for(handbook)
    assert find(handbook, "quokka", client=client)[0] == ["Quokka Handbook"]  # this thread's searcher is open
    index = _search_index(app)
    shutil.rmtree(index.path)
    titles, body = find(handbook, "quokka", client=client)
    assert titles == [] and REBUILDING in body
    assert client.get("/search/suggest?q=quok").status_code == 200
    assert index.needs_rebuild and "no search index" in index.problem
    index_now()  # the indexer rebuilds from the database
    titles, body = find(handbook, "quokka", client=client)
    assert titles == ["Quokka Handbook"] and REBUILDING not in body
    assert not index.needs_rebuild and index.problem is None
    _assert_complete(app)
    # Deleted again, and this time the indexer is the first to notice.
    shutil.rmtree(index.path)
    index_now()
    assert find(handbook, "quokka", client=client)[0] == ["Quokka Handbook"]
    _assert_complete(app)


def _damage(path: Path, how: str) -> None:
    for f in path.iterdir():
        if how == "garbage-toc" and f.name.startswith("_MAIN_") and f.suffix == ".toc":
            f.write_bytes(os.urandom(max(64, f.stat().st_size)))
        elif how == "truncated-segments" and f.name.startswith("MAIN_") and f.name != "MAIN_WRITELOCK":
            with open(f, "r+b") as fh:
                fh.truncate(f.stat().st_size // 2)


@pytest.mark.parametrize("how", ["garbage-toc", "truncated-segments"])
def test_damaged_index_found_at_start_is_moved_aside_and_rebuilt(app, handbook, app_on_same_instance, login, how):
    """The server stops, the index is damaged, a new app starts on the instance: it says so,
    moves the broken folder aside, answers searches meanwhile, and the rebuild brings results."""
    path = _search_index(app).path
    _search_index(app).close()
    _damage(path, how)
    other = app_on_same_instance()
    index = _search_index(other)
    assert index.needs_rebuild and "could not be opened" in index.problem
    broken = list(path.parent.glob(f"{path.name}.broken-*"))
    assert len(broken) == 1 and any(f.suffix == ".toc" for f in broken[0].iterdir())
    client = login(handbook, c=other.test_client())
    r = client.get("/search?q=quokka")
    assert r.status_code == 200 and REBUILDING in r.get_data(as_text=True)
    with other.app_context():
        flush(other)
    body = client.get("/search?q=quokka").get_data(as_text=True)
    assert "Quokka Handbook" in body and REBUILDING not in body
    _assert_complete(other)


def test_damage_found_by_a_search_is_repaired(app, handbook, client_for, find, index_now):
    """Damage that opening does not catch shows up in a search: the page still answers, the
    index is checked, moved aside and marked for rebuilding; the rebuild brings results back."""
    index = _search_index(app)
    client = client_for(handbook)
    assert find(handbook, "quokka", client=client)[0] == ["Quokka Handbook"]
    for f in index.path.glob("MAIN_*.pst"):  # every postings file, overwritten in place
        f.write_bytes(b"\x00" * 4 + os.urandom(f.stat().st_size - 4))
    index.close()  # a new searcher reads the damaged files
    titles, body = find(handbook, "quokka", client=client)
    assert titles == [] and REBUILDING in body
    assert index.needs_rebuild
    assert list(index.path.parent.glob(f"{index.path.name}.broken-*"))
    index_now()
    assert find(handbook, "quokka", client=client)[0] == ["Quokka Handbook"]
    _assert_complete(app)


def test_damage_only_a_search_can_see_is_repaired(app, handbook, client_for, find, index_now, monkeypatch):
    """Damage the open-time check cannot see (made so by switching the check off): the search
    fails, fails again after reopening, so the index is condemned, moved aside and rebuilt."""
    from collab.search import index as index_module

    index = _search_index(app)
    client = client_for(handbook)
    assert find(handbook, "quokka", client=client)[0] == ["Quokka Handbook"]
    monkeypatch.setattr(index_module, "check_index", lambda ix: None)
    for f in index.path.glob("MAIN_*.*"):  # every segment file, overwritten in place
        f.write_bytes(os.urandom(f.stat().st_size))
    index.close()
    titles, body = find(handbook, "handbook", client=client)
    assert titles == [] and "Search is not working right now" in body and REBUILDING in body
    assert index.needs_rebuild and "damaged" in index.problem
    assert list(index.path.parent.glob(f"{index.path.name}.broken-*"))
    titles, body = find(handbook, "handbook", client=client)  # the new, empty index answers
    assert titles == [] and REBUILDING in body and "Search is not working" not in body
    monkeypatch.undo()
    index_now()
    assert find(handbook, "handbook", client=client)[0] == ["Quokka Handbook"]
    _assert_complete(app)


def test_condemning_the_index_starts_a_new_one(app, handbook, index_now):
    import struct

    index = _search_index(app)
    try:
        struct.unpack("<I", b"\x00")
    except struct.error as e:
        error = e
    assert looks_damaged(error) and not looks_damaged(ValueError("a query bug"))
    index.condemn(error)
    assert index.needs_rebuild and "damaged" in index.problem and index.doc_count() == 0
    assert (index.path / REBUILD_MARK).exists()
    index_now()
    _assert_complete(app)


# --------------------------------------------------------------------------- the background thread


@pytest.mark.app_config(SEARCH_INDEXER="thread")
def test_background_thread_makes_a_new_community_findable(app, admin_user, make_user, client_for, find):
    """Created through the web, found by search within 5 s (the design's target is about a
    second), with the outbox empty afterwards."""
    thread = app.extensions["collab_search_thread"]
    admin = client_for(admin_user)
    r = admin.post("/c/new", data={"name": "Wombat Burrow Society", "description": "Burrows and wombats.",
                                   "access": "public", "tags": "wombats"})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    created = time.monotonic()
    while "Wombat Burrow Society" not in find(admin_user, "wombat", client=admin)[0]:
        assert time.monotonic() - created < 5, "not searchable after 5 s"
        time.sleep(0.05)
    while backlog(app):
        assert time.monotonic() - created < 5, "the outbox was not emptied"
        time.sleep(0.05)
    assert thread._thread.is_alive()


@pytest.mark.app_config(SEARCH_INDEXER="thread")
def test_background_thread_rebuilds_a_deleted_index(app, admin_user, make_user, make_community, client_for, find):
    make_community(admin_user, name="Quokka Handbook", description="All about quokkas.")
    admin = client_for(admin_user)
    deadline = time.monotonic() + 10
    while find(admin_user, "quokka", client=admin)[0] != ["Quokka Handbook"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    shutil.rmtree(_search_index(app).path)
    deadline = time.monotonic() + 10
    while True:  # nobody searches: the thread notices on its own and rebuilds
        assert time.monotonic() < deadline, "the thread did not rebuild the index"
        time.sleep(0.1)
        if _search_index(app).path.exists() and not _search_index(app).needs_rebuild:
            break
    assert find(admin_user, "quokka", client=admin)[0] == ["Quokka Handbook"]
    _assert_complete(app)


# --------------------------------------------------------------------------- commands


def _cli(app, *args):
    from collab.cli import main

    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)


def test_reindex_and_search_status_commands(app, queued):
    expected = expected_ids(app)
    result = _cli(app, "search-status")
    assert result.exit_code == 0
    assert f"Changes waiting to be indexed: {queued}" in result.output
    before = len(index_ids(app))
    assert f"Documents in the index: {before}" in result.output
    result = _cli(app, "reindex")
    assert result.exit_code == 0, result.output
    assert f"Indexed {len(expected)} documents" in result.output
    assert set(index_ids(app)) == expected
    result = _cli(app, "search-status")
    assert f"Documents in the index: {len(expected)}" in result.output
    assert "Changes waiting to be indexed: 0" in result.output  # the rebuild covered them


def test_reindex_waits_for_another_writer(app, queued):
    """`collab reindex` while the indexer holds the writer: it waits, then rebuilds."""
    index = _search_index(app)
    holder = index.writer()
    released = threading.Event()

    def release():
        time.sleep(0.8)
        released.set()
        holder.cancel()

    t = threading.Thread(target=release)
    t.start()
    try:
        result = _cli(app, "reindex")
    finally:
        t.join()
    assert released.is_set()
    assert result.exit_code == 0 and "Indexed" in result.output
    assert set(index_ids(app)) == expected_ids(app)


def test_rebuild_gives_a_clear_message_when_the_lock_never_comes(app, queued):
    from collab.search.indexer import IndexBusy, rebuild

    holder = _search_index(app).writer()
    try:
        with app.app_context(), pytest.raises(LockError) as info:
            rebuild(_search_index(app), timeout=0.2)
        assert isinstance(info.value, IndexBusy) and "try again" in str(info.value)
    finally:
        holder.cancel()


def test_search_status_command_in_its_own_process(app, backend, queued):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COLLAB_SEARCH_INDEX")}
    env["COLLAB_INSTANCE_PATH"] = app.instance_path
    env.setdefault("COLLAB_SECRET_KEY", "test-secret-key-not-for-production")
    if backend == "postgresql":
        env["DATABASE_URL"] = PG_URL
    out = subprocess.run([str(Path(sys.executable).with_name("collab")), "search-status"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert f"Documents in the index: {len(index_ids(app))}" in out.stdout
    assert f"Changes waiting to be indexed: {queued}" in out.stdout


# --------------------------------------------------------------------------- several processes


def test_two_app_objects_share_one_index(app, handbook, app_on_same_instance, login, make_community, admin_user,
                                         index_now):
    """Documents written through one app object are found through another on the same instance
    (readers move to the newest generation), and the other way round."""
    other = app_on_same_instance()
    other_client = login(handbook, c=other.test_client())
    assert "Quokka Handbook" in other_client.get("/search?q=quokka").get_data(as_text=True)
    assert "Wallaby" not in other_client.get("/search?q=wallaby").get_data(as_text=True)  # a searcher is open
    make_community(admin_user, name="Wallaby Watchers", description="Wallabies.")
    index_now()  # written by the first app object
    assert "Wallaby Watchers" in other_client.get("/search?q=wallaby").get_data(as_text=True)
    with other.app_context():
        from collab.accounts.models import User
        from communities import services

        services.create_community(db.session.get(User, admin_user.id), name="Bilby Club", description="Bilbies.")
        db.session.commit()
        flush(other)  # written by the second
    this_client = login(handbook, c=app.test_client())
    assert "Bilby Club" in this_client.get("/search?q=bilby").get_data(as_text=True)
    _assert_complete(app)
