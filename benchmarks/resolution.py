"""How many named organisations the loader resolved to an entity with a real identifier.

A named organisation mention is a controller, recipient, onward recipient or source that the
loader took for an organisation (a gazetteer body or one recognised by its shape, "X Borough
Council", "Y Ltd"), not a recipient category. It is identified when its entity carries at least
one register code (GSS, GOV.UK register, NHS ODS, data.police.uk, Companies House ...): the
codes that let the graph join other datasets. Minted organisations have none.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flowgraph.normalise.gazetteer import Gazetteer

ORG_PATH = "/org/"


@dataclass
class Resolution:
    identified: int = 0
    named: int = 0
    missing: Counter[str] = field(default_factory=Counter)  # unidentified names, with counts

    @property
    def share(self) -> float:
        return self.identified / self.named if self.named else 1.0

    def add(self, other: Resolution) -> None:
        self.identified += other.identified
        self.named += other.named
        self.missing.update(other.missing)


def _key(iri: str) -> str | None:
    if ORG_PATH not in iri:
        return None
    key = iri.split(ORG_PATH, 1)[1]
    return None if "/" in key else key  # "<council>/internal" is a unit, not a body


def resolution(extracted: list[dict[str, Any]], gazetteer: Gazetteer) -> Resolution:
    """The named organisation mentions of one notice's `flowgraph extract --format json`."""
    out = Resolution()

    def count(text: str, iri: str) -> None:
        key = _key(iri)
        if key is None:
            return
        out.named += 1
        entry = gazetteer.entries.get(key)
        if entry is not None and entry.identifiers:
            out.identified += 1
        else:
            out.missing[text] += 1

    seen_controllers = set()
    for service in extracted:
        if service.get("controller_id") and service["controller_id"] not in seen_controllers:
            seen_controllers.add(service["controller_id"])
            count(service["controller"], service["controller_id"])
        for part in ("recipients", "onward", "sources"):
            for item in service.get(part) or []:
                if isinstance(item, dict) and item.get("kind") == "organisation":
                    count(item.get("text") or item.get("label", ""), item.get("id", ""))
    return out
