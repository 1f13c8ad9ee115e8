"""An in-process cache of serialised results. The graph cannot change between builds, so an entry is
valid for as long as the build it came from is the one being served (the build id is in the key)."""

import threading

from cachetools import LRUCache


class ResultCache:
    """Least-recently-used, bounded by the bytes of the bodies it holds; size 0 turns it off."""

    def __init__(self, max_bytes: int):
        self.enabled = max_bytes > 0
        self._lru = LRUCache(maxsize=max(max_bytes, 1), getsizeof=lambda outcome: len(outcome.body) + 200)
        self._lock = threading.Lock()

    def get(self, key):
        if not self.enabled:
            return None
        with self._lock:
            return self._lru.get(key)

    def put(self, key, outcome) -> None:
        if not self.enabled or len(outcome.body) + 200 > self._lru.maxsize:
            return
        with self._lock:
            self._lru[key] = outcome
