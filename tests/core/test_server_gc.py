"""The served worker's garbage-collector settings (collab.server.tune_gc): fewer, larger young
collections and start-up objects frozen, overridable by COLLAB_GC_THRESHOLDS."""
from __future__ import annotations

import gc

import pytest

from collab import server


@pytest.fixture
def gc_state():
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_the_worker_collects_less_often_and_freezes_what_start_up_made(gc_state, monkeypatch):
    monkeypatch.delenv("COLLAB_GC_THRESHOLDS", raising=False)
    server.tune_gc()
    assert gc.get_threshold() == server.GC_THRESHOLDS
    assert gc.get_freeze_count() > 1000


def test_thresholds_can_be_set_or_left_as_python_has_them(gc_state, monkeypatch):
    monkeypatch.setenv("COLLAB_GC_THRESHOLDS", "1000,5,5")
    server.tune_gc()
    assert gc.get_threshold() == (1000, 5, 5)
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("COLLAB_GC_THRESHOLDS", "default")
    server.tune_gc()
    assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0


def test_the_served_worker_is_built_with_these_settings(gc_state, monkeypatch, app):
    """What gunicorn's worker calls to build the app also tunes the collector (a tune_gc that
    nothing called let full collections stall chat for half a second every few seconds)."""
    monkeypatch.delenv("COLLAB_GC_THRESHOLDS", raising=False)
    monkeypatch.setattr("collab.app.create_app", lambda: app)
    gc.set_threshold(700, 10, 10)
    gc.unfreeze()
    assert server._Server(server.gunicorn_options("127.0.0.1", 0)).load() is app
    assert gc.get_threshold() == server.GC_THRESHOLDS and gc.get_freeze_count() > 1000
