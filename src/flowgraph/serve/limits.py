"""Bounds on the work a request causes in the server process itself.

Linked-data pages run in a thread pool of their own (the page lane), so a burst of SPARQL
queries cannot take the threads cheap pages need, and each runs under the page time limit
counted from the request's arrival (heavier work goes to worker processes: `serve.work`). Work that overruns is abandoned by the request
(503 with Retry-After) but keeps its thread until it ends, so the lane's size still bounds what
runs at once; a lane with too many requests waiting refuses more at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
from fastapi import HTTPException

from flowgraph.settings import Settings

T = TypeVar("T")


class Lanes:
    """The thread lanes of one app: SPARQL requests waiting on workers, and everything else."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sparql = anyio.CapacityLimiter(settings.query_workers + settings.queue_size + 2)
        self.pages = anyio.CapacityLimiter(settings.page_threads)
        self.max_waiting = 4 * settings.page_threads


def busy(message: str, retry_after: int) -> HTTPException:
    return HTTPException(503, message, headers={"Retry-After": str(retry_after)})


async def page_work(lanes: Lanes, function: Callable[..., T], *args: object) -> T:
    """`function(*args)` in the page lane, within the page time limit."""
    limiter = lanes.pages
    if limiter.statistics().tasks_waiting >= lanes.max_waiting:
        raise busy("the server is busy; try again shortly", 2)
    timeout = lanes.settings.page_timeout
    try:
        with anyio.fail_after(timeout):
            return await anyio.to_thread.run_sync(
                function, *args, limiter=limiter, abandon_on_cancel=True
            )
    except TimeoutError:
        raise busy(
            f"this page took more than {timeout:g} s and was abandoned; narrow it down or try again later",
            max(1, round(timeout)),
        ) from None
