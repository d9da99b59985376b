"""What changed between two texts of a notice, per service: recipients added and removed,
lawful bases and laws changed, transfers abroad started or stopped, retention changed, each
with the quotes (and offsets) from both versions.

Facts are compared by what they resolve to, not by wording: "the Police" rewritten as "Police
forces" is no change; a recipient newly resolved to another organisation is one removed and one
added. Services are matched by name (the whole notice when it names none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from flowgraph.model import Evidence, NoticeExtraction, ServiceExtraction

KINDS = ("recipient", "legal_basis", "law", "transfer", "retention")
# what each change is called in text, Markdown and the feed
WORDS = {
    ("recipient", "added"): "recipient added",
    ("recipient", "removed"): "recipient removed",
    ("legal_basis", "added"): "lawful basis added",
    ("legal_basis", "removed"): "lawful basis removed",
    ("law", "added"): "law added",
    ("law", "removed"): "law removed",
    ("transfer", "added"): "transfer abroad started",
    ("transfer", "removed"): "transfer abroad stopped",
    ("retention", "changed"): "retention changed",
    ("retention", "added"): "retention stated",
    ("retention", "removed"): "retention no longer stated",
}


@dataclass(frozen=True)
class Quote:
    """Where a fact is stated in one version: verbatim, with its offsets and line."""

    text: str
    start: int
    end: int
    line: int

    @classmethod
    def of(cls, evidence: Evidence) -> Quote:
        return cls(evidence.quote, evidence.span.start, evidence.span.end, evidence.line)


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    change: str  # added | removed | changed
    key: str  # what the fact resolves to (entity key, basis code, law key, location key)
    label: str
    old: tuple[Quote, ...] = ()
    new: tuple[Quote, ...] = ()

    @property
    def words(self) -> str:
        return WORDS[(self.kind, self.change)]


@dataclass
class ServiceChanges:
    service: str | None
    changes: list[Change] = field(default_factory=list)


@dataclass
class NoticeDiff:
    """The changes from one version of a notice to the next (old None: a new notice)."""

    notice: str
    controller: str
    old: dict[str, Any] | None  # {"sha256", "retrieved", "url"} of each version
    new: dict[str, Any] | None
    services: list[ServiceChanges] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        return [c for s in self.services for c in s.changes]

    def as_json(self) -> dict[str, Any]:
        return {
            "notice": self.notice,
            "controller": self.controller,
            "old": self.old,
            "new": self.new,
            "services": [
                {
                    "service": s.service,
                    "changes": [{**asdict(c), "words": c.words} for c in s.changes],
                }
                for s in self.services
            ],
        }


Facts = dict[str, dict[str, tuple[str, list[Quote]]]]  # kind -> key -> (label, quotes)


def labels_of(vocabulary: Any) -> dict[str, str]:
    """Readable names of basis codes and location keys ("public_task" -> "Public task") from
    the vocabularies, for the changes' labels."""
    return {
        **{f"legal_basis:{c.id}": c.label for c in vocabulary.legal_bases},
        **{f"transfer:{c.id}": c.label for c in vocabulary.locations},
    }


def service_facts(service: ServiceExtraction, labels: Mapping[str, str] | None = None) -> Facts:
    """The comparable facts of one service, each with every quote that states it."""
    facts: Facts = {kind: {} for kind in KINDS}
    named = labels or {}

    def add(kind: str, key: str, label: str, evidence: Evidence) -> None:
        entry = facts[kind].setdefault(key, (label, []))
        quote = Quote.of(evidence)
        if quote not in entry[1]:
            entry[1].append(quote)

    for recipient in service.recipients:
        if recipient.role != "mentioned":
            add("recipient", recipient.entity.key, recipient.entity.label, recipient.evidence)
    for basis in service.legal_bases:
        label = named.get(f"legal_basis:{basis.code}", basis.code.replace("_", " "))
        add("legal_basis", basis.code, label, basis.evidence)
    for law in service.laws:
        add("law", law.key, law.title, law.evidence)
    for transfer in service.transfers:
        for destination in transfer.destinations or ("unspecified",):
            label = named.get(f"transfer:{destination}", destination.replace("_", " "))
            add("transfer", destination, label, transfer.evidence)
    for statement in service.retention:
        add(
            "retention",
            " ".join(statement.text.split()).lower(),
            statement.text,
            statement.evidence,
        )
    return facts


def _service_key(service: ServiceExtraction) -> str:
    return " ".join((service.service or "").lower().split())


def _by_service(extraction: NoticeExtraction | None) -> dict[str, ServiceExtraction]:
    if extraction is None:
        return {}
    return {_service_key(s): s for s in extraction.services}


def compare_services(
    old: ServiceExtraction | None,
    new: ServiceExtraction | None,
    labels: Mapping[str, str] | None = None,
) -> list[Change]:
    """The changes from `old` to `new` (either may be absent: a service added or dropped)."""
    before = service_facts(old, labels) if old is not None else {k: {} for k in KINDS}
    after = service_facts(new, labels) if new is not None else {k: {} for k in KINDS}
    changes: list[Change] = []
    for kind in KINDS:
        was, now = before[kind], after[kind]
        if kind == "retention":
            if set(was) != set(now):
                change = "changed" if was and now else ("added" if now else "removed")
                label = "; ".join(label for label, _ in now.values()) or "; ".join(
                    label for label, _ in was.values()
                )
                changes.append(
                    Change(kind, change, "retention", label, _quotes(was.values()), _quotes(now.values()))
                )  # fmt: skip
            continue
        for key in sorted(set(now) - set(was)):
            changes.append(Change(kind, "added", key, now[key][0], (), tuple(now[key][1])))
        for key in sorted(set(was) - set(now)):
            changes.append(Change(kind, "removed", key, was[key][0], tuple(was[key][1]), ()))
    return changes


def _quotes(entries: Iterable[tuple[str, list[Quote]]]) -> tuple[Quote, ...]:
    return tuple(q for _, quotes in entries for q in quotes)


def compare(
    old: NoticeExtraction | None,
    new: NoticeExtraction | None,
    notice: str,
    controller: str,
    old_meta: dict[str, Any] | None = None,
    new_meta: dict[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
) -> NoticeDiff:
    """Every service's changes from `old` to `new`, services in the new notice's order, then
    those it dropped."""
    before, after = _by_service(old), _by_service(new)
    diff = NoticeDiff(notice, controller, old_meta, new_meta)
    for key in [*after, *(k for k in before if k not in after)]:
        changes = compare_services(before.get(key), after.get(key), labels)
        if changes:
            service = (after.get(key) or before[key]).service
            diff.services.append(ServiceChanges(service, changes))
    return diff
