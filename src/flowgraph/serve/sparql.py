"""The SPARQL 1.1 Protocol, read-only: GET ?query=, POST form, POST application/sparql-query."""

from __future__ import annotations

from functools import lru_cache, partial
from typing import Annotated
from urllib.parse import parse_qs

import anyio
import rdflib
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from flowgraph.errors import FlowgraphError
from flowgraph.serve.deps import Runtime, get_runtime
from flowgraph.serve.executor import (
    Outcome,
    ProcessExecutor,
)
from flowgraph.serve.guard import Refused, check_read_only
from flowgraph.serve.http_cache import VARY, cached, volatile
from flowgraph.serve.protocol import (
    ProtocolError,
    dataset_parameters,
    endpoint_url,
    graph_media_type,
    missing_query,
    requested_types,
    unshift_positions,
    with_base,
)
from flowgraph.serve.results import (
    GRAPH_TYPES,
    SELECT_TYPES,
    negotiate,
    serialize_graph,
    serialize_select,
)
from flowgraph.serve.work import in_worker
from flowgraph.store.sparql_text import query_form

router = APIRouter()
ASK_TYPES = [t for t in SELECT_TYPES if SELECT_TYPES[t] in ("json", "xml")]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error as text; never stored by any cache (it may be a time-out or an overload)."""
    return Response(
        f"{message}\n",
        status_code=status,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


async def run_in_worker(
    request: Request,
    runtime: Runtime,
    executor: ProcessExecutor,
    query: str,
    default_graphs: list[str] | None = None,
    named_graphs: list[str] | None = None,
    native: tuple[str, str] | None = None,
) -> Outcome:
    """Admit the query (or refuse it at once), run it in a worker within the time limit counted
    from now, and stop it if the client goes away meanwhile."""
    return await in_worker(
        request,
        runtime,
        executor,
        partial(executor.run, query, default_graphs, named_graphs, native),
    )


async def _params(request: Request, runtime: Runtime) -> dict[str, list[str]]:
    """All protocol parameters of a request: URL query string, plus a form or direct body."""
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.method != "POST":
        return params
    length = request.headers.get("content-length")
    limit = runtime.settings.max_body_bytes
    if length and length.isdigit() and int(length) > limit:
        raise ProtocolError(413, f"request body of {length} bytes is over the {limit}-byte limit")
    body = b""
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise ProtocolError(413, f"request body is over the {limit}-byte limit")
    except ClientDisconnect:  # gone, or cut off by the server's read timeout: nobody to answer
        raise ProtocolError(408, "the request body did not arrive in full") from None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"request body is not UTF-8 (byte {exc.start})") from None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not body and content_type != "application/sparql-update":
        return params
    if content_type == "application/sparql-query":
        if "query" in params:
            raise ProtocolError(400, "give the query either in the body or as ?query=, not both")
        params["query"] = [text]
    elif content_type == "application/x-www-form-urlencoded":
        for key, values in parse_qs(text, keep_blank_values=True).items():
            params.setdefault(key, []).extend(values)
    elif content_type == "application/sparql-update":
        raise ProtocolError(403, "SPARQL Update is not allowed: this endpoint is read-only")
    else:
        raise ProtocolError(
            415,
            f"unsupported Content-Type {content_type!r}: use application/sparql-query or a form",
        )
    return params


async def service_description(request: Request, runtime: Runtime, media_type: str) -> Response:
    """Built once per snapshot, endpoint address and media type (the bytes, not the response:
    middleware adds headers to a response's own list)."""
    endpoint = endpoint_url(request, runtime.settings)

    async def produce() -> bytes:
        return runtime.once(
            f"service description {endpoint} {media_type}",
            lambda: _service_description(runtime, endpoint, media_type),
        )

    return await cached(request, runtime, ("service description", endpoint), media_type, produce)


def _service_description(runtime: Runtime, endpoint: str, media_type: str) -> bytes:
    graph = rdflib.Graph().parse(runtime.service_template, format="turtle")
    placeholder = "urn:flowgraph:endpoint"
    described = rdflib.Graph()
    for prefix, namespace in graph.namespaces():
        described.bind(prefix, namespace)
    for triple in graph:
        described.add(
            tuple(
                rdflib.URIRef(str(t).replace(placeholder, endpoint))
                if isinstance(t, rdflib.URIRef)
                else t
                for t in triple
            )
        )
    dataset = rdflib.URIRef(endpoint + "#dataset")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    for name in runtime.named_graphs:
        node = rdflib.BNode()
        described.add((dataset, sd.namedGraph, node))
        described.add((node, sd.name, rdflib.URIRef(name)))
    fmt = {
        "text/turtle": "turtle",
        "application/n-triples": "nt",
        "application/ld+json": "json-ld",
        "application/rdf+xml": "xml",
    }[media_type]
    return described.serialize(format=fmt, encoding="utf-8")


def plan(form: str, accept: str | None) -> tuple[str, tuple[str, str]] | None:
    """The response's content type and the syntax a worker is to write it in, known from the
    query form before running (so the ETag can be checked first); None when it is not."""
    if form == "select" or form == "ask":
        offered = list(SELECT_TYPES) if form == "select" else ASK_TYPES
        media = negotiate(accept, offered)
        if media is None:
            return None
        return content_type(media), ("results", SELECT_TYPES[media])
    if form in ("construct", "describe"):
        media = graph_media_type(accept)
        return None if media is None else (media, ("graph", media))
    return None


def content_type(media: str) -> str:
    return media + ("; charset=utf-8" if SELECT_TYPES.get(media) in ("csv", "tsv") else "")


def render(outcome: Outcome, accept: str | None) -> tuple[bytes, str]:
    """A result of plain terms in the syntax the client accepts, by the Python serializers
    (stores that cannot write results themselves: rdflib, an external endpoint)."""
    if outcome.kind == "graph":
        media = graph_media_type(accept)
        if media is None:
            raise ProtocolError(406, f"a graph result is available as {', '.join(GRAPH_TYPES)}")
        return serialize_graph(outcome, media), media
    offered = list(SELECT_TYPES) if outcome.kind == "select" else ASK_TYPES
    media = negotiate(accept, offered)
    if media is None:
        raise ProtocolError(406, f"this result is available as {', '.join(offered)}")
    return serialize_select(outcome, SELECT_TYPES[media]), content_type(media)


Prepared = tuple[str, int, str | None, str, bool]
_REMEMBERED_LENGTH = 16_384  # characters: 4,096 remembered queries stay under ~70 MB


def prepared(query: str, endpoint: str) -> Prepared:
    """The query as evaluated (BASE put before it), the lines that added, why it is refused (or
    None), its form and whether its answer may change without a build. A pure function of the
    text, remembered for queries of ordinary size: a repeated request (a 304 or a result-cache
    hit) then skips the lexing, which costs milliseconds on a library-sized query."""
    if len(query) <= _REMEMBERED_LENGTH:
        return _remembered(query, endpoint)
    return _prepare(query, endpoint)


@lru_cache(maxsize=4096)
def _remembered(query: str, endpoint: str) -> Prepared:
    return _prepare(query, endpoint)


def _prepare(query: str, endpoint: str) -> Prepared:
    query, added_lines = with_base(query, endpoint)
    try:
        check_read_only(query)
    except Refused as exc:
        return query, added_lines, str(exc), "", False
    return query, added_lines, None, query_form(query), volatile(query)


async def _executor(runtime: Runtime, as_of: list[str]) -> tuple[ProcessExecutor, str | None]:
    """The workers that answer: the current graph's, or (`as_of=DATE`) those of the graph as it
    was then (built on the first question about it, within limits: serve/past.py), and the name
    of its versions set."""
    if not as_of:
        return runtime.executor, None
    if len(as_of) > 1 or not as_of[0].strip():
        raise ProtocolError(400, "give one as_of date (YYYY-MM-DD or an ISO date-time)")
    if runtime.settings.remote_store or runtime.snapshot is None:
        raise ProtocolError(400, "as_of reads the archived notice versions: not with an external store")  # fmt: skip
    from flowgraph.serve.past import Busy, PastGraphs

    past = runtime.once("past graphs", lambda: PastGraphs(runtime.settings, _built_texts(runtime)))
    try:
        found = await anyio.to_thread.run_sync(past.executor, as_of[0].strip())
    except Busy as exc:
        raise ProtocolError(503, str(exc), {"Retry-After": str(exc.retry_after)}) from None
    except FlowgraphError as exc:
        raise ProtocolError(400, f"as_of: {exc}") from None
    if found is None:  # the versions of that date are those of the current graph
        return runtime.executor, None
    key, executor = found
    return executor, key


def _built_texts(runtime: Runtime) -> dict[str, str]:
    """Notice id -> sha256 of the text the served snapshot was built from."""
    from flowgraph.store import snapshot as snapshots

    meta = snapshots.read_json(runtime.snapshot / "build.json")  # type: ignore[operator]
    return {n["id"]: n.get("sha256", "") for n in meta.get("notices_list", [])}


async def handle(request: Request, runtime: Runtime) -> Response:
    added_lines = 0  # a BASE line put before the query moves its error positions
    try:
        params = await _params(request, runtime)
        if "update" in params:
            raise ProtocolError(403, "SPARQL Update is not allowed: this endpoint is read-only")
        queries = params.get("query", [])
        if len(queries) > 1:
            raise ProtocolError(400, "more than one query parameter: send exactly one query")
        if not queries:
            if request.method == "POST":
                raise ProtocolError(
                    400,
                    "no query: send one as ?query=, a form field or an application/sparql-query body",
                )
            missing_query(params)
            accept = request.headers.get("accept")
            if accept and "text/html" in accept:
                return runtime.query_page()
            media = negotiate(
                accept,
                [
                    "text/turtle",
                    "application/n-triples",
                    "application/ld+json",
                    "application/rdf+xml",
                ],
            )
            if media is None:
                raise ProtocolError(
                    406,
                    "the service description is available as text/turtle, application/n-triples, application/ld+json or application/rdf+xml",
                )
            return await service_description(request, runtime, media)
        query = queries[0]
        if not query.strip():
            raise ProtocolError(400, "the query is empty")
        dataset_parameters(params)
        query, added_lines, refusal, form, is_volatile = prepared(
            query, endpoint_url(request, runtime.settings)
        )
        if refusal is not None:
            raise ProtocolError(403, refusal)
        executor, as_of_key = await _executor(runtime, params.get("as_of", []))
        default_graphs = params.get("default-graph-uri") or None
        named_graphs = params.get("named-graph-uri") or None
        if named_graphs and not default_graphs:
            default_graphs = []
        accept = requested_types(form, params.get("format", []), request.headers.get("accept"))
        planned = plan(form, accept)
        if planned is None:  # not a query form we know, or nothing acceptable: told after running
            outcome = await run_in_worker(
                request, runtime, executor, query, default_graphs, named_graphs
            )
            body, media = render(outcome, accept)
            headers = {"Cache-Control": "no-cache", "Vary": VARY}
            return Response(body, media_type=media, headers=headers)
        media, native = planned

        async def produce() -> bytes:
            outcome = await run_in_worker(
                request, runtime, executor, query, default_graphs, named_graphs, native
            )
            return outcome.body if outcome.kind == "body" else render(outcome, accept)[0]

        key = ("sparql", query, default_graphs, named_graphs, as_of_key)
        return await cached(request, runtime, key, media, produce, not is_volatile)
    except ProtocolError as exc:
        return error(exc.status, unshift_positions(exc.message, added_lines), exc.headers)


@router.get(
    "/sparql", summary="SPARQL 1.1 query (GET ?query=), or the service description without a query"
)
async def sparql_get(request: Request, runtime: RuntimeDep) -> Response:
    return await handle(request, runtime)


@router.post(
    "/sparql", summary="SPARQL 1.1 query by POST (form-encoded or application/sparql-query)"
)
async def sparql_post(request: Request, runtime: RuntimeDep) -> Response:
    return await handle(request, runtime)
