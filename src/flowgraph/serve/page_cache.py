"""Rendered pages kept per snapshot: the graph under a runtime never changes, so a linked-data
page built once is right until the next build (a new snapshot gets a new, empty cache).

Bounded by entries and bytes, least recently used first out, so a crawler walking every IRI
cannot grow the server without limit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class PageCache:
    def __init__(self, max_entries: int = 1024, max_bytes: int = 64_000_000) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = 0
        self._pages: OrderedDict[tuple[str, ...], tuple[bytes, str, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> tuple[bytes, str, int] | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[str, ...], body: bytes, media_type: str, status: int) -> None:
        if not self.max_bytes or len(body) > self.max_bytes // 8:
            return  # one huge page must not push out everything else
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.size -= len(old[0])
            self._pages[key] = (body, media_type, status)
            self.size += len(body)
            while self._pages and (
                len(self._pages) > self.max_entries or self.size > self.max_bytes
            ):
                _, (dropped, _, _) = self._pages.popitem(last=False)
                self.size -= len(dropped)
