"""HTTP caching of answers over one snapshot: ETag, Cache-Control, 304s and a result cache.

The graph under a runtime never changes: it is one published snapshot, replaced only when a
build publishes another. So an answer is a function of the snapshot and of the request, and
its ETag is a hash of both: the snapshot id (directory name and a hash of its build.json), the
route, the query text as evaluated (after the endpoint's BASE is put before it), the protocol's
dataset (default-graph-uri, named-graph-uri), the negotiated media type, for the API the
query's parameters, and the result caps (a server restarted with other caps may refuse what it
answered before). The ETag is weak (`W/`): Oxigraph may label blank nodes differently in two
evaluations of one query, so two answers are equivalent, not byte-identical.

`If-None-Match` naming the ETag is answered 304 before anything else: no worker is taken and
the query is not run (for POST too: a SPARQL query by POST is as safe as by GET). A repeated
request is answered from the runtime's `results`, a bounded LRU of answer bytes that is dropped
with the runtime when a new snapshot is swapped in (so is every old ETag: the id changes).

Cache-Control: `public, no-cache` by default (`cache_max_age` 0): a cache may keep an answer but
must revalidate it on every use, which costs a 304 without running anything, and no client is
ever handed a previous build's answer after a build is published. `cache_max_age` N > 0 sends
`public, max-age=N, must-revalidate` instead, for deployments that accept answers up to N
seconds behind a build in exchange for no request at all. Errors are never cached (`no-store`,
no ETag). With an external store the data can change under the server without a build, so
there is no snapshot id: no ETag, no result cache, `no-cache`.

Queries that are not a function of the data (NOW, RAND, UUID, STRUUID, BNODE()) are not
given an ETag nor cached.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from flowgraph.serve.deps import Runtime
from flowgraph.settings import Settings

VARY = "Accept"
_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.I)


def snapshot_id(settings: Settings, snapshot: Path | None) -> str | None:
    """Stable for one snapshot, new at every build: the directory name (a build's timestamp,
    process and clock) and a hash of the build's summary; None for an external store."""
    if settings.remote_store or snapshot is None:
        return None
    build = snapshot / "build.json"
    digest = hashlib.sha256(build.read_bytes()).hexdigest()[:16] if build.exists() else "none"
    return f"{snapshot.name}-{digest}"


def etag(snapshot: str, *parts: object) -> str:
    text = json.dumps([snapshot, *parts], ensure_ascii=False, separators=(",", ":"))
    return 'W/"' + hashlib.sha256(text.encode()).hexdigest()[:40] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110's weak comparison of `If-None-Match` (a list, or `*`) with our ETag."""
    if not if_none_match:
        return False
    ours = tag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == ours:
            return True
    return False


def cache_control(settings: Settings) -> str:
    if settings.cache_max_age > 0:
        return f"public, max-age={settings.cache_max_age}, must-revalidate"
    return "public, no-cache"


def volatile(query: str) -> bool:
    """The query calls a function whose value is not fixed by the data (seen in the raw text,
    so a string that merely mentions one is left uncached too: safe, just not cached)."""
    return bool(_VOLATILE.search(query))


async def cached(
    request: Request,
    runtime: Runtime,
    key: tuple[object, ...],
    media_type: str,
    produce: Callable[[], Awaitable[bytes]],
    cacheable: bool = True,
) -> Response:
    """The answer to a request identified by `key` in `media_type`: 304 when the client has it,
    else from the runtime's result cache, else `produce()` (whose errors propagate, uncached).
    Not `cacheable` (a volatile query), or no snapshot id: always produced, no ETag."""
    settings = runtime.settings
    sid = runtime.snapshot_id
    if sid is None or not cacheable:
        body = await produce()
        headers = {"Cache-Control": "no-cache", "Vary": VARY}
        return Response(body, media_type=media_type, headers=headers)
    # the caps decide whether there is an answer at all: a restart with others is another one
    tag = etag(sid, settings.max_results, settings.max_response_bytes, *key, media_type)
    headers = {"ETag": tag, "Cache-Control": cache_control(settings), "Vary": VARY}
    if matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    results = runtime.results
    hit = results.get((tag,))
    if hit is not None:
        return Response(hit[0], media_type=hit[1], headers={**headers, "X-Cache": "hit"})
    body = await produce()
    results.put((tag,), body, media_type, 200)
    return Response(body, media_type=media_type, headers={**headers, "X-Cache": "miss"})
