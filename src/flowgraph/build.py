"""`flowgraph build`: notices -> extraction -> quads -> a new snapshot, published atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flowgraph.errors import FlowgraphError, NoticeError
from flowgraph.ingest.manifest import discover
from flowgraph.model import NoticeExtraction
from flowgraph.pipeline import Extractor
from flowgraph.rdf.build import NoticeGraphBuilder
from flowgraph.rdf.iris import Minter
from flowgraph.rdf.vocabulary import vocabulary_quads
from flowgraph.settings import Settings
from flowgraph.store import snapshot as snapshots
from flowgraph.store.oxigraph import load_snapshot


class BuildFailed(FlowgraphError):
    """A strict build met problems; nothing was published."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "build failed; the previous graph is unchanged:\n  " + "\n  ".join(problems)
        )


@dataclass
class BuildReport:
    snapshot: Path | None = None
    notices: int = 0
    services: int = 0
    flows: int = 0
    unresolved: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    extractions: list[NoticeExtraction] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {"notices": self.notices, "services": self.services, "flows": self.flows,
                "unresolved": len(self.unresolved), "problems": len(self.problems)}  # fmt: skip


def build(
    settings: Settings,
    paths: list[Path] | None = None,
    *,
    controller: str | None = None,
    service: str | None = None,
    strict: bool = False,
    on_notice: Callable[[str], None] | None = None,
) -> BuildReport:
    sources, problems = discover(paths or [settings.notices_dir], controller, service)
    report = BuildReport(problems=list(problems))
    extractor = Extractor(settings)
    extractor.register_controllers(sources)
    for source in sources:
        try:
            extraction = extractor.extract(source)
        except NoticeError as exc:
            report.problems.append(str(exc))
            continue
        finally:
            if on_notice:
                on_notice(source.path.name)
        report.problems += extraction.problems
        report.extractions.append(extraction)
    if not report.extractions:
        report.problems.append("no notice could be read; nothing to build")
    if (strict and report.problems) or not report.extractions:
        raise BuildFailed(report.problems)
    minter = Minter(settings.base_iri)
    builder = NoticeGraphBuilder(minter, extractor.vocabulary, extractor.gazetteer)
    snapshot = snapshots.new_snapshot(settings.output_dir)
    (snapshot / "graphs").mkdir()
    for extraction in report.extractions:
        quads = builder.build(extraction)
        (snapshot / "graphs" / f"{extraction.notice.notice_id}.nq").write_text(
            quads, encoding="utf-8"
        )
        report.notices += 1
        for s in extraction.services:
            report.services += 1 if s.service or len(extraction.services) == 1 else 0
            report.flows += len(s.recipients) + len(s.onward)
            report.unresolved += [
                f"{extraction.notice.source.path.name}:{r.evidence.line}: {r.text}"
                for r in s.recipients + s.onward
                if r.entity.kind == "unresolved"
            ]
            report.unresolved += [
                f"{extraction.notice.source.path.name}:{law.evidence.line}: {law.text}"
                for law in s.laws
                if not law.recognised
            ]
    vocab = vocabulary_quads(
        minter, extractor.vocabulary, extractor.gazetteer, settings.ontology_dir / "flowgraph.ttl"
    )
    (snapshot / "vocabulary.nq").write_text(vocab, encoding="utf-8")
    snapshots.write_json(snapshot / "build.json", {**report.summary(), "problems_list": report.problems, "unresolved_list": report.unresolved,
                                                   "base_iri": settings.base_iri,
                                                   "notices_list": [{"file": e.notice.source.path.name, "sha256": e.notice.sha256} for e in report.extractions]})  # fmt: skip
    load_snapshot(snapshot)
    snapshots.publish(settings.output_dir, snapshot)
    report.snapshot = snapshot
    return report
