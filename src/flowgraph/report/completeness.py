"""Art. 13/14 completeness of every processing activity, from requirement and flag queries.

Each requirement is a query in queries/requirements/ (one row per activity: whether it applies,
and the evidence when the activity's own notice meets it); each flag is a query in queries/flags/.
A curator adds a requirement by adding a file. A service area that does not meet a requirement
itself is met by a council-wide notice (an activity with no service area) of the same
controller that does, and the finding names that notice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from flowgraph.query.library import LibraryQuery, run
from flowgraph.report.waivers import Waiver
from flowgraph.store.base import GraphStore

MET, ELSEWHERE, MISSING, NOT_APPLICABLE, WAIVED = (
    "met",
    "met by another notice",
    "missing",
    "not applicable",
    "waived",  # missing, and the council accepts the gap (flowgraph-check.toml)
)
MARKS = {MET: "✓", ELSEWHERE: "↳", MISSING: "✗", NOT_APPLICABLE: "–", WAIVED: "~"}


@dataclass(frozen=True)
class Quote:
    quote: str
    notice: str
    start: int
    end: int


@dataclass
class Finding:
    requirement: str
    title: str
    article: str
    status: str
    evidence: Quote | None = None
    waiver: Waiver | None = None  # the waiver that covers it (waived, or expired: see note)
    note: str | None = None  # e.g. "waiver expired on 2025-03-31"

    def as_dict(self) -> dict[str, Any]:
        data = {
            "requirement": self.requirement,
            "title": self.title,
            "article": self.article,
            "status": self.status,
            "evidence": asdict(self.evidence) if self.evidence else None,
        }
        if self.waiver is not None:
            data["waiver"] = self.waiver.as_dict()
        if self.note:
            data["note"] = self.note
        return data


@dataclass
class Flag:
    flag: str
    title: str
    detail: str
    evidence: Quote


@dataclass
class ActivityReport:
    activity: str
    controller: str
    controller_label: str
    service: str | None  # None: the notice as a whole (a council-wide notice)
    notice: str
    notice_title: str
    findings: list[Finding] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def missing(self) -> list[Finding]:
        return [f for f in self.findings if f.status == MISSING]

    @property
    def waived(self) -> list[Finding]:
        return [f for f in self.findings if f.status == WAIVED]

    @property
    def score(self) -> float:
        """Share of the requirements that apply which are met (by this notice or another)."""
        applicable = [f for f in self.findings if f.status != NOT_APPLICABLE]
        met = [f for f in applicable if f.status in (MET, ELSEWHERE)]
        return len(met) / len(applicable) if applicable else 1.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["findings"] = [f.as_dict() for f in self.findings]
        data["score"] = round(self.score, 3)
        data["missing"] = [f.requirement for f in self.missing]
        data["waived"] = [f.requirement for f in self.waived]
        return data


def _quote(row: dict[str, Any]) -> Quote | None:
    if row.get("quote") is None:
        return None
    return Quote(row["quote"], row["notice"], int(row["start"]), int(row["end"]))


def _truthy(value: Any) -> bool:
    return value is None or value is True or str(value).lower() in ("true", "1")


def check(
    store: GraphStore, library: dict[str, LibraryQuery], controller: str | None = None
) -> list[ActivityReport]:
    """One report per processing activity (of one controller, or all), in a stable order."""
    _, rows = run(store, library["activities"], {"controller": controller} if controller else None)
    reports = {
        r["activity"]: ActivityReport(
            r["activity"],
            r["controller"],
            r["controllerLabel"],
            r["serviceLabel"],
            r["notice"],
            r["noticeTitle"],
        )
        for r in rows
    }
    general: dict[str, list[ActivityReport]] = defaultdict(list)
    for report in reports.values():
        if report.service is None:
            general[report.controller].append(report)

    requirements = sorted(
        (q for q in library.values() if q.kind == "requirement"),
        key=lambda q: (q.meta.get("article", ""), q.name),
    )
    for query in requirements:
        applies: dict[str, bool] = {}
        evidence: dict[str, Quote] = {}
        for row in run(store, query)[1]:
            activity = row["activity"]
            applies[activity] = applies.get(activity, False) or _truthy(row.get("applies"))
            quote = _quote(row)
            if quote and (activity not in evidence or quote.start < evidence[activity].start):
                evidence[activity] = quote
        article = query.meta.get("article", "")
        for report in reports.values():
            if not applies.get(report.activity, False):
                finding = Finding(query.name, query.title, article, NOT_APPLICABLE)
            elif report.activity in evidence:
                finding = Finding(query.name, query.title, article, MET, evidence[report.activity])
            else:
                elsewhere = [
                    evidence[other.activity]
                    for other in general[report.controller]
                    if other.activity != report.activity and other.activity in evidence
                ]
                finding = Finding(
                    query.name,
                    query.title,
                    article,
                    ELSEWHERE if elsewhere else MISSING,
                    min(elsewhere, key=lambda q: (q.notice, q.start)) if elsewhere else None,
                )
            report.findings.append(finding)

    for query in (q for q in library.values() if q.kind == "flag"):
        for row in run(store, query)[1]:
            report = reports.get(row["activity"])
            quote = _quote(row)
            if report is not None and quote is not None:
                flag = Flag(
                    query.name, query.meta.get("flag", query.title), row["detail"] or "", quote
                )
                if flag not in report.flags:
                    report.flags.append(flag)
    for report in reports.values():
        report.flags.sort(key=lambda f: (f.flag, f.evidence.notice, f.evidence.start, f.detail))
    return sorted(
        reports.values(),
        key=lambda r: (r.controller_label, r.notice, r.service is not None, r.service or ""),
    )
