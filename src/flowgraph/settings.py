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
    cors_origins: list[str] = Field(
        default=["*"], description="Origins allowed by CORS (GET/POST, no credentials)"
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
