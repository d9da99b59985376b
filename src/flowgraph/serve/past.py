"""The endpoint's `as_of` parameter: queries answered from the graph as it was on a date.

A date whose versions are the current graph's is answered by the current workers. Another set of
versions has a graph built once from the archive (`history/as_of.py`) and a query worker of its
own (the time limit and caps of every query apply); the two most recently asked are kept open,
each held so that no prune removes it. Building is the expensive part, so a client cannot make
the server build without bound: one build at a time (a second is told 503 with Retry-After),
at most `Settings.as_of_builds_per_hour` per hour.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Any

from flowgraph.errors import FlowgraphError
from flowgraph.history.as_of import build_past, is_built, past_settings, versions_on
from flowgraph.serve.executor import ProcessExecutor
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots

KEEP_OPEN = 2
BUSY_RETRY_S = 30


class Busy(FlowgraphError):
    """No past graph can be built now; `retry_after` seconds is when to ask again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PastGraphs:
    def __init__(self, settings: Settings, current: dict[str, str]) -> None:
        self.settings = settings
        self.current = current  # notice id -> sha256 of the text the served graph was built from
        self.building = threading.Lock()
        self.lock = threading.Lock()  # the open executors
        self.open: OrderedDict[str, tuple[ProcessExecutor, Any]] = OrderedDict()
        self.builds: deque[float] = deque()  # when each of the last hour's builds started
        self.closed = False

    def executor(self, date: str) -> tuple[str, ProcessExecutor] | None:
        """The worker pool over the graph of `date` and its name (for ETags), or None when that
        is the current graph. Blocking: run it in a thread. Errors: BadInput naming the date,
        Busy when it would have to be built and cannot be now."""
        chosen = versions_on(self.settings, date)
        if {n: v.sha256 for n, v in chosen.items()} == self.current:
            return None
        past = past_settings(self.settings, chosen)
        key = past.output_dir.name
        with self.lock:
            if key in self.open:
                self.open.move_to_end(key)
                return key, self.open[key][0]
        if not is_built(past):
            self._admit_build()
            try:
                build_past(self.settings, past, chosen)
            finally:
                self.building.release()
        else:
            build_past(self.settings, past, chosen)  # marks it used
        return key, self._open(key, past)

    def _admit_build(self) -> None:
        if not self.building.acquire(blocking=False):
            raise Busy("as_of: another past graph is being built; ask again shortly", BUSY_RETRY_S)  # fmt: skip
        now = time.monotonic()
        while self.builds and now - self.builds[0] > 3600:
            self.builds.popleft()
        limit = self.settings.as_of_builds_per_hour
        if len(self.builds) >= limit:
            self.building.release()
            wait = int(3600 - (now - self.builds[0])) + 1 if self.builds else 3600
            raise Busy(f"as_of: {limit} past graphs built in the last hour, the limit "
                       "(FLOWGRAPH_AS_OF_BUILDS_PER_HOUR); dates already built still answer", wait)  # fmt: skip
        self.builds.append(now)

    def _open(self, key: str, past: Settings) -> ProcessExecutor:
        with self.lock:
            if self.closed:
                raise Busy("the server is reloading; ask again", 5)
            if key in self.open:
                return self.open[key][0]
            snapshot = snapshots.current(past.output_dir)
            hold = snapshots.hold(snapshot)
            executor = ProcessExecutor(past, snapshot, 1, self.settings.query_timeout,
                                       self.settings.max_results)  # fmt: skip
            executor.wait_ready()
            self.open[key] = (executor, hold)
            while len(self.open) > KEEP_OPEN:
                old, old_hold = self.open.popitem(last=False)[1]
                old.close()
                old_hold.release()
            return executor

    def close(self) -> None:
        with self.lock:
            self.closed = True
            for executor, hold in self.open.values():
                executor.close()
                hold.release()
            self.open.clear()
