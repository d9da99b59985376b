"""Run settings: paths, the IRI base and the store backend, read from FLOWGRAPH_* variables.

Built once by the CLI (or a test) and passed down; nothing reads settings at import time.

Where things are (see `workspace.py`): a *workspace* (`home`, FLOWGRAPH_HOME or `--workspace`)
is a folder with `notices/` (and its `manifest.csv`), `build/`, and optionally `queries/`,
`vocab/` and `ontology/` that replace the bundled ones. With no workspace selected, the sample
notices of the source tree are the workspace: `data/notices/`, built into `data/build/`. The
queries, vocabularies and ontology come from the workspace, else the source tree (`queries/`,
`data/vocab/`, `ontology/`), else the copies installed with the package (`flowgraph/_data/`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flowgraph.errors import FlowgraphError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parents[1]
# Run from a source tree (an editable install or PYTHONPATH=src), not from an installed wheel.
IN_SOURCE_TREE = PACKAGE_DIR.parent.name == "src" and (PROJECT_ROOT / "pyproject.toml").is_file()

# name in a workspace and in the installed package -> place in the source tree (fixed layout)
RESOURCES = {"queries": "queries", "vocab": "data/vocab", "ontology": "ontology", "notices": "data/notices"}  # fmt: skip


def bundled(name: str) -> Path | None:
    """The copy of `queries`, `vocab`, `ontology` or the sample `notices` installed with the
    package (a wheel carries them under flowgraph/_data/), or None when there is none."""
    found = resources.files("flowgraph").joinpath("_data", name)
    return Path(str(found)) if found.is_dir() else None


def source_or_bundled(name: str, root: Path | None = PROJECT_ROOT if IN_SOURCE_TREE else None) -> Path | None:  # fmt: skip
    """The source tree's folder for a resource, else the installed copy."""
    if root is not None and (root / RESOURCES[name]).is_dir():
        return root / RESOURCES[name]
    return bundled(name)


class NoWorkspace(FlowgraphError):
    """No workspace is selected and there is no source tree whose sample notices could stand in."""

    def __init__(self) -> None:
        super().__init__(
            "no workspace selected: create one with `flowgraph init DIR`, then select it with "
            "`flowgraph --workspace DIR ...` or FLOWGRAPH_HOME=DIR"
        )


class Settings(BaseSettings):
    """Everything a flowgraph run can be configured with."""

    model_config = SettingsConfigDict(env_prefix="FLOWGRAPH_", frozen=True)

    home: Path | None = Field(
        default=None,
        description="Workspace folder: notices/ (with manifest.csv), build/, and optional queries/, "
        "vocab/, ontology/ replacing the bundled ones (default: the sample notices of the source "
        "tree, data/notices/ built into data/build/)",
    )
    root: Path | None = Field(
        default=PROJECT_ROOT if IN_SOURCE_TREE else None,
        description="Source tree holding data/, ontology/, queries/ (none when installed from a wheel)",
    )
    base_iri: str = Field(
        default="https://w3id.org/flowgraph/id/",
        description="Namespace under which entity IRIs are minted (must end with / or #)",
    )
    store: str = Field(
        default="auto",
        description="Store: auto (default: for serve, oxigraph-memory when every process's copy fits "
        "in the free memory, else oxigraph; for one-shot commands, oxigraph), oxigraph (embedded on "
        "disk), oxigraph-memory (the build loaded into Oxigraph in memory: 3-7x faster queries, RAM "
        "for every query worker), memory (rdflib), or the query URL of a SPARQL 1.1 endpoint",
    )
    memory_bytes_per_quad: int = Field(
        default=400,
        ge=1,
        description="RAM one quad takes in an in-memory Oxigraph copy, for the auto store choice",
    )
    memory_fraction: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Share of MemAvailable the in-memory copies may take (counted twice, for the "
        "moment a new build is loaded beside the old) before auto falls back to the on-disk store",
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
    as_of_builds_per_hour: int = Field(
        default=6,
        ge=0,
        description="Past graphs (as_of=DATE) the endpoint may build in an hour; a date already "
        "built always answers",
    )
    keep_history: bool = Field(
        default=True,
        description="Keep every notice text a build reads as a version (build/archive/), with the "
        "versions graph and the log of changes; off: a graph of the current texts only",
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
    result_cache_mb: float = Field(
        default=64.0,
        ge=0,
        description="MB of SPARQL and API answers kept per snapshot to answer repeated requests "
        "without a worker (least recently used out; no answer over 1/8 of it is kept; 0: none)",
    )
    cache_max_age: int = Field(
        default=0,
        ge=0,
        description="Seconds a client or proxy may reuse an answer without asking again; 0 (the "
        "default): `no-cache`, every reuse revalidated by ETag (a 304 that runs no query)",
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
        if value in ("auto", "oxigraph", "oxigraph-memory", "memory") or value.startswith(
            ("http://", "https://")
        ):
            return value
        raise ValueError(
            f"unknown store {value!r}: use auto, oxigraph, oxigraph-memory, memory or the http(s) URL of "
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

    @field_validator("home", "root", "build_dir")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().absolute()

    def _resource(self, name: str) -> Path:
        """A workspace's own folder, else the source tree's, else the installed copy."""
        if self.home is not None and (self.home / name).is_dir():
            return self.home / name
        found = source_or_bundled(name, self.root)
        if found is not None:
            return found
        return (self.home or self.root or Path.cwd()) / RESOURCES[name]  # missing: errors name it

    @property
    def workspace(self) -> Path:
        """The selected workspace folder (the source tree for the sample notices)."""
        if self.home is not None:
            return self.home
        if self.root is None:
            raise NoWorkspace()
        return self.root

    @property
    def workspace_label(self) -> str:
        if self.home is not None:
            return str(self.home)
        return f"the sample notices ({self.notices_dir})"

    @property
    def notices_dir(self) -> Path:
        if self.home is not None:
            return self.home / "notices"
        return self.workspace / RESOURCES["notices"]

    @property
    def vocab_dir(self) -> Path:
        return self._resource("vocab")

    @property
    def ontology_dir(self) -> Path:
        return self._resource("ontology")

    @property
    def queries_dir(self) -> Path:
        return self._resource("queries")

    @property
    def archive_dir(self) -> Path:
        """Every version of every notice built or fetched (`ingest/archive.py`), kept with the
        graph they are the history of: a build directory of its own has a history of its own."""
        return self.output_dir / "archive"

    @property
    def watch_file(self) -> Path:
        """The watch list `flowgraph fetch` reads: url, controller, service, selector."""
        if self.home is not None:
            return self.home / "watch.csv"
        return self.workspace / "data" / "watch.csv"

    @property
    def output_dir(self) -> Path:
        if self.build_dir is not None:
            return self.build_dir
        if self.home is not None:
            return self.home / "build"
        return self.workspace / "data" / "build"

    @property
    def scratch_dir(self) -> Path:
        """Where `flowgraph build FILE --scratch` builds: beside the build directory, never it."""
        return self.output_dir.with_name(self.output_dir.name + "-scratch")
