"""Run settings: paths, the IRI base and the store backend, read from FLOWGRAPH_* variables.

Built once by the CLI (or a test) and passed down; nothing reads settings at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything a flowgraph run can be configured with."""

    model_config = SettingsConfigDict(env_prefix="FLOWGRAPH_", frozen=True)

    root: Path = Field(
        default=PROJECT_ROOT, description="Repository root holding data/, ontology/, queries/"
    )
    base_iri: str = Field(
        default="https://w3id.org/flowgraph/id/",
        description="Namespace under which entity IRIs are minted (must end with / or #)",
    )
    store: str = Field(
        default="oxigraph",
        description="Store: oxigraph (embedded on disk, default), oxigraph-memory (the build loaded into "
        "Oxigraph in memory: 3-7x faster queries, RAM for every query worker), memory (rdflib), or the "
        "query URL of a SPARQL 1.1 endpoint",
    )
    store_update_url: str | None = Field(
        default=None,
        description="SPARQL 1.1 Update URL of the external store (build loads through it)",
    )
    store_graph_store_url: str | None = Field(
        default=None,
        description="Graph Store Protocol URL of the external store (preferred over update for loading)",
    )
    store_user: str | None = Field(default=None, description="User name for the external store")
    store_password: SecretStr | None = Field(
        default=None, description="Password for the external store (never logged)"
    )
    store_auth: Literal["basic", "digest"] = Field(
        default="basic", description="HTTP authentication scheme of the external store"
    )
    store_http_timeout: float = Field(
        default=120.0, gt=0, description="Seconds one request to the external store may take"
    )
    build_dir: Path | None = Field(
        default=None, description="Where built graphs live (default data/build)"
    )
    build_lock_wait: float = Field(
        default=600.0,
        ge=0,
        description="Seconds a build waits for another build of the same build directory to finish "
        "before giving up (exit 2)",
    )
    check_waivers: Path | None = Field(
        default=None,
        description="The waiver file of `flowgraph check` and the /check pages (accepted gaps, "
        "flowgraph-check.toml); default for the command: flowgraph-check.toml in the current "
        "directory or the workspace, if there is one; the endpoint uses only this setting",
    )
    max_notice_bytes: int = Field(
        default=5_000_000,
        ge=1,
        description="Largest notice file read, in bytes; a larger one is refused as a problem of "
        "the build (the largest real notice is about 100 kB; reading time is linear in size)",
    )
    fuzzy_threshold: float = Field(
        default=90.0, ge=50, le=100, description="Minimum rapidfuzz score to accept a fuzzy match"
    )

    host: str = Field(default="127.0.0.1", description="Address the endpoint listens on")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the endpoint listens on")
    query_timeout: float = Field(default=10.0, gt=0, description="Seconds a SPARQL query may run")
    max_results: int = Field(
        default=10_000, ge=1, description="Most rows or triples a query may return"
    )
    max_body_bytes: int = Field(
        default=100_000, ge=1024, description="Largest request body accepted"
    )
    query_workers: int = Field(default=2, ge=1, le=32, description="Query worker processes")
    queue_size: int = Field(
        default=8,
        ge=0,
        description="SPARQL requests that may wait for a busy worker; more are refused with 503",
    )
    max_response_bytes: int = Field(
        default=50_000_000, ge=1024, description="Largest query result or page the endpoint sends"
    )
    page_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a page, trace, check or API request may take"
    )
    page_threads: int = Field(
        default=8, ge=1, le=64, description="Pages worked on at once in the server process"
    )
    page_workers: int = Field(
        default=2,
        ge=1,
        le=32,
        description="Worker processes for library API queries, traces, flow maps and checks",
    )
    max_chains: int = Field(
        default=5_000, ge=1, description="Most sharing chains one trace request returns"
    )
    reload_interval: float = Field(
        default=1.0, gt=0, description="Seconds between checks for a newly published build"
    )
    cors_origins: list[str] = Field(
        default=["*"], description="Origins allowed by CORS (GET/POST, no credentials)"
    )
    public_url: str | None = Field(
        default=None,
        description="The endpoint's public base URL (e.g. https://flows.example.org/), named in the "
        "service description and used as the base of relative IRIs in queries; default: the "
        "address the server is bound to (never the request's Host header)",
    )
    request_read_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a client has to send a whole request (line, headers and body) once "
        "it has connected or started one; a connection that sends nothing is closed after it too",
    )
    keep_alive_timeout: int = Field(
        default=5, ge=1, description="Seconds an idle keep-alive connection is kept open"
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        description="Open connections (and requests in flight) past which a request gets 503",
    )
    max_header_bytes: int = Field(
        default=65_536, ge=4096, description="Largest request line plus headers accepted"
    )

    @field_validator("store")
    @classmethod
    def _known_store(cls, value: str) -> str:
        if value in ("oxigraph", "oxigraph-memory", "memory") or value.startswith(
            ("http://", "https://")
        ):
            return value
        raise ValueError(
            f"unknown store {value!r}: use oxigraph, oxigraph-memory, memory or the http(s) URL of "
            "a SPARQL endpoint"
        )

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value.startswith(("http://", "https://")):
            return value
        raise ValueError(f"public_url {value!r} must be an http:// or https:// URL")

    @property
    def remote_store(self) -> bool:
        return self.store.startswith(("http://", "https://"))

    @property
    def notices_dir(self) -> Path:
        return self.root / "data" / "notices"

    @property
    def vocab_dir(self) -> Path:
        return self.root / "data" / "vocab"

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def output_dir(self) -> Path:
        return self.build_dir or (self.root / "data" / "build")
