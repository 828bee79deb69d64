"""Full-text search over everything a person may read (DESIGN.md section 6).

Tools plug in with ``register_type(SearchType(...))``; their changes reach the index through the
outbox written in the same transaction, drained by the one indexer.
"""
from __future__ import annotations

import logging
import os

from flask import Blueprint

from .registry import SearchType, register_type  # noqa: F401  (the interface tools use)

bp = Blueprint("search", __name__, template_folder="templates")

_thread = None


def init_search(app) -> None:
    """Open (or repair) the index, watch the session for changes, start the indexer if asked.

    SEARCH_INDEXER: "thread" (the default for `collab serve`: a background thread in this
    process), "external" (a separate `collab indexer` process does it), "manual" (tests call
    ``flush``).
    """
    from .adapters import register_core_types
    from .index import SearchIndex
    from .outbox import install_hooks

    register_core_types()
    install_hooks()
    index = SearchIndex(app.config["SEARCH_INDEX_PATH"])
    app.extensions["collab_search"] = index
    try:
        index.ensure()  # open now: a missing or broken index is reported (and replaced) at start
    except Exception:  # e.g. another process is repairing it; searches and the indexer retry
        logging.getLogger(__name__).exception("the search index could not be opened at start")
    mode = app.config.get("SEARCH_INDEXER", "thread")
    if mode == "thread" and os.environ.get("COLLAB_NO_INDEXER") != "1":
        start_indexer(app)


def start_indexer(app):
    from .indexer import IndexerThread

    thread = IndexerThread(app, app.extensions["collab_search"]).start()
    app.extensions["collab_search_thread"] = thread
    return thread


def flush(app=None) -> int:
    """Index everything queued, now (tests and commands): rebuild first if the index is new or
    was repaired, and retry documents that failed before."""
    from flask import current_app

    from .indexer import drain, rebuild

    app = app or current_app
    index = app.extensions["collab_search"]
    index.ensure()
    if index.needs_rebuild:
        rebuild(index)
    index.failures.clear()
    return drain(index)


from . import views  # noqa: E402,F401
