"""Scoring an extraction against gold annotations: the rules of `../shared/corpus/score.py`.

The gold shape and the annotation conventions are those of `tests/data/corpus/README.md`. The
extraction is what `flowgraph extract FILE --format json` prints (a list of services). Matching is
lenient about form, exactly as in the shared scorer:

- an extracted entry counts as correct when, after `norm` (case, punctuation, "&" -> "and",
  a leading "the", "Acts" -> "Act"), it is the gold item, a close spelling of it (rapidfuzz
  ratio >= 88), a part of it (every content word of the entry is in the gold item), or the gold
  item with at most two extra words;
- for recipients, a named organisation inside a gold item (`named_in_recipient_items`) also
  counts as correct (it is never required: recall is over the gold items only);
- bases are the six UK GDPR Art 6 codes, compared exactly, once per notice;
- transfers are notice-level: does the notice state a transfer abroad, and did the loader read one;
- a notice with one gold service is scored against every extracted service together; with several,
  each gold service against the extracted service whose name is closest (token-set ratio >= 80).

Precision is 0 when nothing was extracted; recall is 1 when the gold has nothing.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

STOP = {"the", "and", "of", "other", "e", "g", "eg", "with", "for", "to", "in", "a", "an", "inc", "our", "your", "any"}  # fmt: skip
LIST_FIELDS = ("recipients", "laws", "purposes", "data_categories", "retention")
FIELDS = ("recipients", "laws", "bases", "purposes", "data_categories", "retention", "transfers")
MAIN_FIELDS = ("recipients", "laws", "bases")
FUZZY_RATIO = 88
SERVICE_RATIO = 80


def norm(s: str) -> str:
    s = html.unescape(s).lower().replace("&", " and ").replace("\u2019", "'")
    s = re.sub(r"[^a-z0-9' ]+", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"\bacts\b", "act", s)
    return re.sub(r"^the ", "", s)


def matches(extracted: str, gold: str) -> bool:
    """Whether an extracted entry counts as the gold item (see the module docstring)."""
    ne, ng = norm(extracted), norm(gold)
    if not ne or not ng:
        return False
    if ne == ng or fuzz.ratio(ne, ng) >= FUZZY_RATIO:
        return True
    te, tg = set(ne.split()) - STOP, set(ng.split()) - STOP
    if te and te <= tg:
        return True
    return bool(tg) and tg <= te and len(te - tg) <= 2


def texts(items: Iterable[Any] | None) -> list[str]:
    out = []
    for i in items or []:
        if isinstance(i, str):
            out.append(i)
        elif isinstance(i, dict):
            out.append(i.get("text") or i.get("label") or i.get("quote") or "")
    return [t for t in out if t]


def services_of(data: Any) -> list[dict]:
    """The services of `flowgraph extract --format json` output (a list, or one object)."""
    return data if isinstance(data, list) else data.get("services", [data])


def pair_services(gold: list[dict], got: list[dict]) -> list[tuple[dict, list[dict]]]:
    if len(gold) == 1:
        return [(gold[0], got)]

    def closeness(g: dict, x: dict) -> float:
        return fuzz.token_set_ratio(norm(g["service"]), norm(x.get("service") or ""))

    pairs = []
    for g in gold:
        best = max(got, key=lambda x: closeness(g, x), default=None)
        ok = best is not None and closeness(g, best) >= SERVICE_RATIO
        pairs.append((g, [best] if ok else []))
    return pairs


def got_field(x: dict, name: str) -> list[str]:
    if name == "laws":
        return texts((x.get("legal_bases") or {}).get("laws"))
    if name == "bases":
        return [
            b if isinstance(b, str) else (b.get("code") or b.get("id") or "")
            for b in (x.get("legal_bases") or {}).get("gdpr_bases") or []
        ]
    return texts(x.get(name))


def gold_field(g: dict, name: str) -> list[str] | None:
    """The gold items of a field, or None when the gold does not annotate that field."""
    if name == "laws":
        return g["legal_bases"].get("laws", [])
    if name == "bases":
        return g["legal_bases"].get("gdpr_bases", [])
    if name in g.get("unannotated", ()):
        return None
    return g.get(name, [])


Counts = list[int]  # [correct extracted, extracted, gold found, gold]


@dataclass
class NoticeScore:
    name: str
    counts: dict[str, Counts] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))
    missed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    extra: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    failed: str | None = None  # why the extraction failed, if it did
    resolution: Any = None  # benchmarks.resolution.Resolution of the notice, when measured

    def pr(self, name: str) -> tuple[float, float] | None:
        return pr(self.counts[name]) if name in self.counts else None


def pr(t: Counts) -> tuple[float, float]:
    return (t[0] / t[1] if t[1] else 0.0), (t[2] / t[3] if t[3] else 1.0)


def score_notice(name: str, gold: dict, got: list[dict], failed: str | None = None) -> NoticeScore:
    """Counts per field for one notice (`gold` in the corpus's gold schema)."""
    score = NoticeScore(name, failed=failed)
    for g, xs in pair_services(gold["services"], got):
        for f in FIELDS:
            gi = gold_field(g, f)
            if gi is None:
                continue
            if f == "transfers":
                said = int(bool(g.get("transfers")))
                read = int(any(x.get("transfers") for x in xs))
                r = (said & read, read, said & read, said)
            elif f == "bases":
                xi = sorted({b for x in xs for b in got_field(x, f)})
                both = len(set(xi) & set(gi))
                r = (both, len(xi), both, len(gi))
                score.missed[f] += sorted(set(gi) - set(xi))
                score.extra[f] += sorted(set(xi) - set(gi))
            else:
                xi = [t for x in xs for t in got_field(x, f)]
                named = g.get("named_in_recipient_items", []) if f == "recipients" else []
                ok = [e for e in xi if any(matches(e, t) for t in [*gi, *named])]
                found = [t for t in gi if any(matches(e, t) for e in xi)]
                r = (len(ok), len(xi), len(found), len(gi))
                score.missed[f] += [t for t in gi if t not in found]
                score.extra[f] += [e for e in xi if e not in ok]
            for k in range(4):
                score.counts[f][k] += r[k]
    return score


def totals(scores: Iterable[NoticeScore]) -> dict[str, Counts]:
    tot: dict[str, Counts] = {}
    for s in scores:
        for f, c in s.counts.items():
            t = tot.setdefault(f, [0, 0, 0, 0])
            for k in range(4):
                t[k] += c[k]
    return tot


def figures(scores: Iterable[NoticeScore]) -> dict[str, dict[str, float]]:
    """Micro-averaged precision and recall per field (fields no gold annotates are left out)."""
    tot = totals(scores)
    return {f: dict(zip(("P", "R"), pr(tot[f]), strict=True)) for f in FIELDS if f in tot}
