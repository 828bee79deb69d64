"""A small in-process cache with expiry, for derived data that may be a few seconds stale
(tag clouds, counts). Each app keeps its own caches in app.extensions."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app


class TTLCache:
    def __init__(self, seconds: float, max_items: int = 2048):
        self.seconds = seconds
        self.max_items = max_items
        self._items: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_set(self, key: Hashable, compute: Callable[[], object]):
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] < self.seconds:
                self._items.move_to_end(key)
                return hit[1]
        value = compute()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        return value

    def get(self, key: Hashable, default=None):
        with self._lock:
            hit = self._items.get(key)
            if hit is None or time.monotonic() - hit[0] >= self.seconds:
                return default
            self._items.move_to_end(key)
            return hit[1]

    def set(self, key: Hashable, value) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def app_cache(name: str, seconds: float, max_items: int = 2048) -> TTLCache:
    caches = current_app.extensions.setdefault("collab_caches", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches[name] = TTLCache(seconds, max_items)
    return cache
