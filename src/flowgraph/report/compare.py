"""Councils side by side: what each states for matching service areas, and what only one states.

Service areas match by name (`--service-like "Housing"` matches "Housing", "Housing Services",
"Housing & Homelessness"; rapidfuzz forgives small differences). A council with no matching
service area is represented by its council-wide notice(s), and the comparison says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from flowgraph.errors import FlowgraphError, NotFound
from flowgraph.query.library import LibraryQuery, run
from flowgraph.report.completeness import ActivityReport
from flowgraph.store.base import GraphStore

ASPECTS = {
    "recipients": "Recipients",
    "bases": "Lawful bases and conditions",
    "transfers": "Transfers abroad (destinations)",
}
_COLUMN_ASPECT = {
    "recipients": "recipients",
    "art6_basis": "bases",
    "art9_condition": "bases",
    "third_countries": "transfers",
}
SERVICE_MATCH = 80  # rapidfuzz partial ratio, 0-100


@dataclass
class CouncilSide:
    controller: str
    label: str
    services: list[str]  # matched service areas; empty when the council-wide notice stands in
    notices: list[str]
    stated: dict[str, list[str]] = field(default_factory=dict)  # aspect -> values
    only_here: dict[str, list[str]] = field(
        default_factory=dict
    )  # aspect -> values no other states
    score: float | None = None  # mean completeness of the matched activities


@dataclass
class Comparison:
    service_like: str | None
    councils: list[CouncilSide]
    common: dict[str, list[str]]  # aspect -> values every council states
    most_common: list[dict[str, Any]]  # corpus-wide
    rarest: list[dict[str, Any]]  # corpus-wide: named by the fewest controllers, then activities


def _matches(service: str, wanted: str) -> bool:
    return (
        wanted.lower() in service.lower()
        or fuzz.partial_ratio(wanted.lower(), service.lower()) >= SERVICE_MATCH
    )


def compare(
    store: GraphStore,
    library: dict[str, LibraryQuery],
    councils: list[str],
    service_like: str | None = None,
    checks: list[ActivityReport] | None = None,
    top: int = 10,
) -> Comparison:
    if len(councils) < 2:
        raise FlowgraphError("name at least two councils to compare")
    _, activities = run(store, library["activities"])
    by_council: dict[str, list[dict[str, Any]]] = defaultdict(list)
    labels: dict[str, str] = {}
    for activity in activities:
        by_council[activity["controller"]].append(activity)
        labels[activity["controller"]] = activity["controllerLabel"]
    chosen: list[str] = []
    for name in councils:
        found = [c for c, label in labels.items() if name in (c,) or label.lower() == name.lower()]
        if not found:
            raise NotFound(
                f"no controller called {name!r}; known: {', '.join(sorted(labels.values()))}"
            )
        chosen.append(found[0])
    _, facts = run(store, library["ropa"])
    values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for fact in facts:
        aspect = _COLUMN_ASPECT.get(fact["column"])
        if aspect and fact["value"] not in values[fact["activity"]][aspect]:
            values[fact["activity"]][aspect].append(fact["value"])
    scores = {r.activity: r.score for r in checks or []}

    sides = []
    for controller in chosen:
        members = by_council[controller]
        matched = [
            a
            for a in members
            if service_like is None
            or (a["serviceLabel"] and _matches(a["serviceLabel"], service_like))
        ]
        services = sorted({a["serviceLabel"] for a in matched if a["serviceLabel"]})
        if not matched:  # no such service area: the council-wide notice speaks for all services
            matched = [a for a in members if not a["serviceLabel"]]
        side = CouncilSide(
            controller, labels[controller], services, sorted({a["notice"] for a in matched})
        )
        for aspect in ASPECTS:
            stated: list[str] = []
            for a in matched:
                stated += [v for v in values[a["activity"]][aspect] if v not in stated]
            side.stated[aspect] = sorted(stated)
        known = [scores[a["activity"]] for a in matched if a["activity"] in scores]
        side.score = sum(known) / len(known) if known else None
        sides.append(side)
    common: dict[str, list[str]] = {}
    for aspect in ASPECTS:
        sets = [set(s.stated[aspect]) for s in sides]
        common[aspect] = sorted(set.intersection(*sets)) if sets else []
        for side, own in zip(sides, sets, strict=True):
            others = set().union(*(s for s in sets if s is not own))
            side.only_here[aspect] = sorted(own - others)
    _, ranked = run(store, library["recipients-ranked"])
    fewest = min((r["controllers"] for r in ranked), default=0)
    rarest = sorted(
        (r for r in ranked if r["controllers"] == fewest),
        key=lambda r: (r["activities"], r["recipientLabel"]),
    )
    return Comparison(service_like, sides, common, ranked[:top], rarest[:top])
