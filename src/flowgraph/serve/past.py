"""The endpoint's `as_of` parameter: queries answered from the graph as it was on a date.

The graph of a set of notice versions is built once from the archive (`history/as_of.py`) and
given a query worker of its own (the time limit and result caps of every query apply); the two
most recently asked are kept open, older ones stopped.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flowgraph.history.as_of import as_of_settings
from flowgraph.serve.executor import ProcessExecutor
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots

KEEP_OPEN = 2


class PastGraphs:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()  # one past graph built at a time
        self.open: OrderedDict[str, ProcessExecutor] = OrderedDict()
        self.closed = False

    def executor(self, date: str) -> tuple[str, ProcessExecutor]:
        """The worker pool over the graph of `date`, and the name of its versions set (for
        ETags). Blocking: run it in a thread. Errors: BadInput naming the date."""
        with self.lock:
            past = as_of_settings(self.settings, date)
            key = past.output_dir.name
            if key in self.open:
                self.open.move_to_end(key)
                return key, self.open[key]
            executor = ProcessExecutor(
                past,
                snapshots.current(past.output_dir),
                1,
                self.settings.query_timeout,
                self.settings.max_results,
            )
            executor.wait_ready()
            self.open[key] = executor
            while len(self.open) > KEEP_OPEN:
                self.open.popitem(last=False)[1].close()
            return key, executor

    def close(self) -> None:
        with self.lock:
            self.closed = True
            for executor in self.open.values():
                executor.close()
            self.open.clear()
