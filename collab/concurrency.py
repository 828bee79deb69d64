"""What long-running code needs to know about the server's worker (gevent or threads).

Under `collab serve`'s gevent worker the standard library is monkey-patched: every "thread" of the
app (a request, a socket, the search indexer, the mail sender) is a greenlet on one hub, and a
greenlet runs until it waits on I/O. Pure-Python work that runs for long (indexing hundreds of
documents, Whoosh's commit) therefore holds up every request and socket of the process. Such loops
call ``cooperate()`` between items, and hand self-contained CPU-heavy calls (touching no database
session and no gevent-patched lock) to ``offload()``, which runs them in gevent's pool of native
threads: the hub then keeps running between the interpreter's thread switches. Under the
threaded worker both are plain calls.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def gevent_active() -> bool:
    """Whether this process runs on gevent's hub (the standard library is monkey-patched)."""
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("socket")


def cooperate() -> None:
    """Let the hub run the other greenlets for a moment (nothing under threads)."""
    if gevent_active():
        import gevent

        gevent.sleep(0)


def offload(fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` in a native thread of gevent's pool, waiting cooperatively for it;
    a plain call under threads. ``fn`` must not use a database session or a gevent lock."""
    if gevent_active():
        import gevent

        return gevent.get_hub().threadpool.apply(fn, args, kwargs)
    return fn(*args, **kwargs)


def take_turns(wsgi_app):
    """``wsgi_app`` behind a fair turn for every request under gevent (unchanged under threads).

    A keep-alive connection whose next request has already arrived when the previous answer is
    sent is read without waiting, so its greenlet goes on without passing through the hub: under
    load one fast client is answered again and again while the others queue (seen with 10
    closed-loop clients: medians of 8 and 97 ms side by side, p99 about twice the fair one).
    ``gevent.idle()`` first lets every connection that is ready have its turn (a few
    microseconds)."""
    if not gevent_active():
        return wsgi_app
    import gevent

    def turn(environ, start_response):
        gevent.idle()
        return wsgi_app(environ, start_response)

    return turn
