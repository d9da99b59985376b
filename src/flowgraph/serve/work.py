"""Work done for a request in a worker process: admitted or refused at once, timed from the
request's arrival, and stopped when the client goes away.

SPARQL queries go to the query workers; library API queries, traces, flow maps, checks and
comparisons go to the page workers (`Runtime.page_executor`), which a burst of slow queries
cannot take, and which are killed at the page time limit like any query. Nothing Python-heavy
runs in the server process, so the event loop keeps answering cheap pages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import anyio
from fastapi import HTTPException, Request

from flowgraph.errors import FlowgraphError, QueryError
from flowgraph.serve.deps import Runtime
from flowgraph.serve.executor import (
    Cancelled,
    Overloaded,
    ProcessExecutor,
    QueryTimeout,
    ResultTooLarge,
    WorkerCrashed,
)
from flowgraph.serve.protocol import ProtocolError

T = TypeVar("T")
_MAPPED = (QueryError, Cancelled, ResultTooLarge, WorkerCrashed)  # the executor's own outcomes


async def in_worker(
    request: Request,
    runtime: Runtime,
    executor: ProcessExecutor,
    job: Callable[..., T],
) -> T:
    """`job(arrived=, cancelled=, admitted=True)` (a bound `executor.run` or `executor.call`)
    in a thread of the SPARQL lane, watching the client meanwhile. Errors come back as
    `ProtocolError` (503 with Retry-After when busy or out of time); an HTTPException raised
    by the work itself is raised as it is."""
    arrived = time.monotonic()
    retry = {"Retry-After": str(max(1, round(executor.timeout)))}
    try:
        executor.admit()
    except Overloaded as exc:
        raise ProtocolError(503, str(exc), {"Retry-After": str(exc.retry_after)}) from None
    cancelled = threading.Event()
    answer: list[Any] = []
    failure: list[FlowgraphError | HTTPException] = []

    async def work(done: anyio.CancelScope) -> None:
        try:
            answer.append(
                await anyio.to_thread.run_sync(
                    partial(job, arrived=arrived, cancelled=cancelled, admitted=True),
                    limiter=runtime.lanes.sparql if runtime.lanes else None,
                )
            )
        except (FlowgraphError, HTTPException) as exc:
            failure.append(exc)
        finally:
            done.cancel()

    async def watch_client(scope: anyio.CancelScope) -> None:
        with scope:
            while not await request.is_disconnected():
                await anyio.sleep(0.25)
            cancelled.set()

    try:
        async with anyio.create_task_group() as tasks:
            watcher = anyio.CancelScope()
            tasks.start_soon(watch_client, watcher)
            await work(watcher)
    finally:
        executor.leave()
    if not failure:
        return answer[0]
    exc = failure[0]
    if isinstance(exc, HTTPException) or not isinstance(exc, QueryError | QueryTimeout):
        raise exc  # the work's own answer (a name that names nothing, too many chains ...)
    if type(exc) not in _MAPPED and not isinstance(exc, QueryTimeout):
        raise exc  # a QueryError subclass of the work's own: the one error mapping answers it
    if isinstance(exc, Cancelled):
        raise ProtocolError(499, "the client went away; the work was stopped")
    if isinstance(exc, QueryTimeout):
        raise ProtocolError(503, str(exc), retry)
    if isinstance(exc, ResultTooLarge):
        raise ProtocolError(422, str(exc))
    if isinstance(exc, WorkerCrashed):
        raise ProtocolError(500, str(exc), retry)
    raise ProtocolError(400, str(exc) or "the query failed")


async def call_in_worker(request: Request, runtime: Runtime, target: str, *args: Any) -> Any:
    """`target(context, *args)` ("module:function") in a page worker; errors as HTTPException."""
    executor = runtime.page_executor or runtime.executor
    try:
        return await in_worker(request, runtime, executor, partial(executor.call, target, *args))
    except ProtocolError as exc:
        raise HTTPException(exc.status, exc.message, headers=exc.headers) from exc
