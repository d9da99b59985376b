"""Deterministic IRIs: the same notice gives the same IRIs on every build, under a configurable base."""

from __future__ import annotations

import hashlib

from flowgraph.model import EntityRef, Span
from flowgraph.normalise.gazetteer import slugify

ONTOLOGY = "https://w3id.org/flowgraph/ns#"


def digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:12]


class Minter:
    def __init__(self, base: str) -> None:
        if not base.endswith(("/", "#")):
            raise ValueError(f"base IRI must end with / or #, got {base!r}")
        self.base = base

    def entity(self, ref: EntityRef, controller: EntityRef | None = None) -> str:
        if ref.kind == "category":
            return f"{self.base}category/{ref.key}"
        if ref.kind == "internal":
            owner = controller.key if controller else "unknown"
            return f"{self.base}org/{owner}/internal"
        if ref.kind == "unresolved":
            return f"{self.base}unresolved/{ref.key}"
        return f"{self.base}org/{ref.key}"

    def service(self, controller: EntityRef, name: str) -> str:
        return f"{self.base}org/{controller.key}/service/{slugify(name)}"

    def notice(self, notice_id: str) -> str:
        return f"{self.base}notice/{slugify(notice_id)}"

    def graph(self, notice_id: str) -> str:
        return f"{self.base}graph/{slugify(notice_id)}"

    def entities_graph(self) -> str:
        return f"{self.base}graph/entities"

    def vocabulary_graph(self) -> str:
        return f"{self.base}graph/vocabulary"

    def activity(self, notice_id: str, service: str | None) -> str:
        return f"{self.notice(notice_id)}/activity/{slugify(service) if service else 'notice'}"

    def fact(self, notice_id: str, kind: str, *parts: object) -> str:
        return f"{self.notice(notice_id)}/{kind}/{digest(*parts)}"

    def evidence(self, notice_id: str, span: Span) -> str:
        return f"{self.notice(notice_id)}/evidence/{span.start}-{span.end}"

    def law(self, key: str) -> str:
        return f"{self.base}law/{key}"

    def concept(self, scheme: str, key: str) -> str:
        return f"{self.base}{scheme}/{key}"
