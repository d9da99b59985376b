"""Run settings: paths, the IRI base and the store backend, read from FLOWGRAPH_* variables.

Built once by the CLI (or a test) and passed down; nothing reads settings at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
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
    store: Literal["oxigraph", "memory"] = Field(default="oxigraph", description="Store backend")
    build_dir: Path | None = Field(
        default=None, description="Where built graphs live (default data/build)"
    )
    fuzzy_threshold: float = Field(
        default=90.0, ge=50, le=100, description="Minimum rapidfuzz score to accept a fuzzy match"
    )

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
