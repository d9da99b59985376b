"""An external SPARQL 1.1 store (Virtuoso, GraphDB, Fuseki, Neptune...) reached over HTTP.

Queries go as form-encoded POST (Virtuoso never answers a direct `application/sparql-query`
POST) with an explicit Accept header (Virtuoso answers ASK with HTML otherwise). Parameters are
bound by a VALUES block opening the WHERE group, which every SPARQL 1.1 store understands.
The store's default graph must be the union of its named graphs (Virtuoso, GraphDB and
Neptune do this out of the box; Fuseki needs `tdb2:unionDefaultGraph true`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pyoxigraph as ox

from flowgraph.errors import QueryError, StoreError
from flowgraph.settings import Settings
from flowgraph.store.oxigraph import plain_term as ox_plain
from flowgraph.store.results import Outcome, Term, capped, too_many
from flowgraph.store.sparql_text import bind_in_where, query_form

RESULTS_JSON = "application/sparql-results+json"
GRAPH_TYPES = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {_XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger")}
_DECIMALS = {_XSD + t for t in ("decimal", "double", "float")}


@dataclass(frozen=True)
class Endpoint:
    """Where the external store answers, and how to log in; built from settings, never logged."""

    query_url: str
    update_url: str | None
    graph_store_url: str | None
    user: str | None
    password: str | None
    auth_scheme: str
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Endpoint:
        if not settings.remote_store:
            raise StoreError(f"store {settings.store!r} is not a SPARQL endpoint URL")
        password = settings.store_password.get_secret_value() if settings.store_password else None
        return cls(
            settings.store,
            settings.store_update_url,
            settings.store_graph_store_url,
            settings.store_user,
            password,
            settings.store_auth,
            settings.store_http_timeout,
        )

    def client(self) -> httpx.Client:
        auth: httpx.Auth | None = None
        if self.user is not None:
            password = self.password or ""
            auth = (
                httpx.DigestAuth(self.user, password)
                if self.auth_scheme == "digest"
                else httpx.BasicAuth(self.user, password)
            )
        return httpx.Client(auth=auth, timeout=self.timeout, trust_env=False)


def to_python(term: dict[str, str] | None) -> Any:
    """A SPARQL JSON result term as a plain Python value, as the embedded stores give it."""
    if term is None:
        return None
    value = term["value"]
    datatype = term.get("datatype")
    if datatype in _INTEGERS:
        return int(value)
    if datatype == _XSD + "boolean":
        return value in ("true", "1")
    if datatype in _DECIMALS:
        return float(value)
    return value


def plain_term(term: dict[str, str] | None) -> Term | None:
    if term is None:
        return None
    kind = term["type"]
    if kind == "uri":
        return ("uri", term["value"], None, None)
    if kind == "bnode":
        return ("bnode", term["value"], None, None)
    language = term.get("xml:lang")
    if language:
        return ("literal", term["value"], None, language)
    return ("literal", term["value"], term.get("datatype") or _XSD + "string", None)


class RemoteStore:
    """The GraphStore interface over an external SPARQL endpoint."""

    name = "remote"

    def __init__(self, endpoint: Endpoint, named_graphs_query: str) -> None:
        self.endpoint = endpoint
        self.named_graphs_query = named_graphs_query
        self.http = endpoint.client()

    @classmethod
    def open(cls, settings: Settings) -> RemoteStore:
        query = (settings.queries_dir / "pages" / "named-graphs.rq").read_text(encoding="utf-8")
        return cls(Endpoint.from_settings(settings), query)

    def named_graphs(self) -> list[str]:
        """Every graph the store lists, its own system graphs included: callers filter by namespace."""
        _, rows = self.select(self.named_graphs_query)
        return sorted(str(row["g"]) for row in rows)

    def _post(self, data: dict[str, Any], accept: str) -> httpx.Response:
        url = self.endpoint.query_url
        try:
            response = self.http.post(url, data=data, headers={"Accept": accept})
        except httpx.TimeoutException as exc:
            raise QueryError(f"the store at {url} did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the SPARQL store at {url}: {exc}") from exc
        if response.status_code in (401, 403):
            raise StoreError(
                f"the store at {url} refused the credentials ({response.status_code}); "
                "set FLOWGRAPH_STORE_USER / FLOWGRAPH_STORE_PASSWORD"
            )
        if response.status_code >= 400:
            raise QueryError(
                f"the store at {url} rejected the query ({response.status_code}): {response.text.strip()[:500]}"
            )
        return response

    def _json(self, query: str, dataset: dict[str, list[str]] | None = None) -> dict[str, Any]:
        response = self._post({"query": query, **(dataset or {})}, RESULTS_JSON)
        try:
            return response.json()
        except ValueError as exc:
            raise QueryError(
                f"the store at {self.endpoint.query_url} answered with {response.headers.get('content-type')!r}, not SPARQL JSON results"
            ) from exc

    def select(
        self, query: str, bindings: dict[str, Any] | None = None
    ) -> tuple[list[str], list[dict[str, Any]]]:
        text = bind_in_where(query, bindings) if bindings else query
        document = self._json(text)
        if "results" not in document:
            raise QueryError("expected a SELECT query")
        names = list(document["head"].get("vars", []))
        rows = [
            {name: to_python(binding.get(name)) for name in names}
            for binding in document["results"]["bindings"]
        ]
        return names, rows

    def evaluate(
        self,
        query: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        cap: int = 10_000,
    ) -> Outcome:
        dataset: dict[str, list[str]] = {}
        if default_graphs:
            dataset["default-graph-uri"] = default_graphs
        if named_graphs:
            dataset["named-graph-uri"] = named_graphs
        form = query_form(query)
        if form in ("construct", "describe"):
            response = self._post({"query": query, **dataset}, GRAPH_TYPES)
            media = response.headers.get("content-type", "").split(";")[0].strip()
            rdf_format = ox.RdfFormat.from_media_type(media)
            if rdf_format is None:
                raise QueryError(f"the store answered a graph query with {media!r}")
            parsed = ox.parse(response.content, format=rdf_format)
            triples = [
                (ox_plain(t.subject), ox_plain(t.predicate), ox_plain(t.object))
                for t in capped(parsed, cap, "triples")
            ]
            return Outcome("graph", triples=triples)
        document = self._json(query, dataset)
        if "boolean" in document:
            return Outcome("ask", boolean=bool(document["boolean"]))
        if form == "ask":  # Virtuoso may answer ASK as a one-row table of __ASK_RETVAL
            rows = document.get("results", {}).get("bindings", [])
            value = next(iter(rows[0].values()), {}).get("value") if rows else "0"
            return Outcome("ask", boolean=value in ("1", "true"))
        variables = list(document["head"].get("vars", []))
        bindings = document["results"]["bindings"]
        if len(bindings) > cap:
            raise too_many(cap, "rows")
        rows = [[plain_term(b.get(v)) for v in variables] for b in bindings]
        return Outcome("select", variables=variables, rows=rows)

    def close(self) -> None:
        self.http.close()
