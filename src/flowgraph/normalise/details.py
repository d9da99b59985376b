"""Smaller fact readers: legal bases, purposes, retention periods and data categories."""

from __future__ import annotations

import re

from flowgraph.model import DataCategory, Evidence, LegalBasis, Purpose, Statement
from flowgraph.normalise.spans import Spans
from flowgraph.normalise.vocab import Concept
from flowgraph.parse.located import Located

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
            "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
            "fifty": 50, "hundred": 100}  # fmt: skip
_DURATION = re.compile(
    r"\b(\d{1,3}|" + "|".join(_NUMBERS) + r")\s+(years?|months?|weeks?|days?)\b", re.I
)
_EVENT = re.compile(r"\b(?:from|after|following)\s+(?:the\s+)?([^.;,]+?)(?=\s+for\b|[.;,]|$)", re.I)
_SCOPE = re.compile(r"\bfor\s+(?:the\s+)?([A-Z][^.;]+?)\s*$")
_RETENTION_CUE = re.compile(
    r"\b(?:keep|kept|hold|held|retain\w*|store)\b[^.]{0,300}\b(?:as long as|years?|months?|retention schedule|retention period)|\bretention (?:schedule|period)",
    re.I,
)  # the period within 300 characters of the verb: no sentence of the corpora needs 100; unbounded,
# every "keep" of a long sentence scanned on to its end


def _separator(ch: str) -> bool:
    return ch.isspace() or ch in "–-:(),.;"


def _trim(text: str) -> str:
    r"""Drop separators around a basis scope ("– consultations", "(staff data)"): what
    `^[\s–\-:(),.;]+|[\s–\-:(),.;]+$` removed, without trying that class from every position."""
    start, end = 0, len(text)
    while start < end and _separator(text[start]):
        start += 1
    while end > start and _separator(text[end - 1]):
        end -= 1
    return text[start:end]


def legal_bases(text: Located, concepts: list[Concept], evidence: Evidence) -> list[LegalBasis]:
    """Every basis phrase in the text; its scope is what follows, up to the next basis."""
    hits: list[tuple[int, int, Concept]] = []
    for concept in concepts:
        if concept.pattern:
            for m in concept.pattern.finditer(text.text):
                hits.append((m.start(), m.end(), concept))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[tuple[int, int, Concept]] = []
    for hit in hits:
        if kept and hit[0] < kept[-1][1]:
            continue
        if kept and kept[-1][2].id == hit[2].id and " or " not in text.text[kept[-1][1] : hit[0]]:
            continue
        kept.append(hit)
    out = []
    for index, (start, end, concept) in enumerate(kept):
        stop = kept[index + 1][0] if index + 1 < len(kept) else len(text.text)
        scope = _trim(text.text[end:stop])
        scope = (
            re.sub(r"^(?:or|and)\b.*$", "", scope).strip()
            if re.match(r"^(?:or|and)\b", scope)
            else scope
        )
        scope = _trim(re.sub(r"\s*\(?(?:under|including)\b.*$", "", scope))
        out.append(LegalBasis(concept.id, text.text[start:end], scope or None, evidence))
    return out


def purposes(text: str, concepts: list[Concept], evidence: Evidence) -> Purpose:
    matched = tuple(c.id for c in concepts if c.pattern and c.pattern.search(text))
    return Purpose(text, matched, evidence)


def is_retention(text: str) -> bool:
    return bool(_RETENTION_CUE.search(text) or _DURATION.search(text))


def retention(text: str, evidence: Evidence) -> Statement:
    detail: dict[str, str] = {}
    duration = _DURATION.search(text)
    if duration:
        count = duration.group(1).lower()
        number = int(count) if count.isdigit() else _NUMBERS[count]
        unit = duration.group(2).lower()[0].upper()
        detail["duration"] = (
            f"P{number}{'D' if unit == 'D' else unit}" if unit != "W" else f"P{number * 7}D"
        )
        word = {"Y": "year", "M": "month", "W": "week", "D": "day"}[unit]
        detail["period"] = f"{number} {word}{'' if number == 1 else 's'}"
        event = _EVENT.search(text, duration.end())
        if event:
            detail["event"] = event.group(1).strip()
        # the scope runs to the end, so it starts after the last full stop or semicolon
        last_stop = max(text.rfind("."), text.rfind(";")) + 1
        scope = _SCOPE.search(text, max(duration.end(), last_stop))
        if scope:
            detail["scope"] = scope.group(1).strip()
    else:
        detail["criterion"] = (
            "as long as necessary"
            if re.search(r"as long as", text, re.I)
            else "stated without a period"
        )
    return Statement(text, evidence, detail)


def data_categories(
    text: str, concepts: list[Concept], evidence: Evidence, *, whole_item: bool
) -> list[DataCategory]:
    """The categories a data item or sentence names; a list item nobody knows is still kept."""
    spans = [
        (m.start(), m.end(), c) for c in concepts if c.pattern for m in c.pattern.finditer(text)
    ]
    # "email address" is contact data, not an address: drop matches inside a longer match.
    held = Spans([(o[0], o[1]) for o in spans])
    spans = [  # a longer match holding s starts before it, or starts with it and ends after it
        s for s in spans if not (held.contains(s[0] - 1, s[1]) or held.contains(s[0], s[1] + 1))
    ]
    found: list[Concept] = []
    for _, _, concept in sorted(spans, key=lambda s: s[0]):
        if all(concept.id != f.id for f in found):
            found.append(concept)
    if not found:
        return [DataCategory(text, None, False, False, evidence)] if whole_item else []
    return [
        DataCategory(
            text,
            c.id,
            c.extra.get("special") == "true",
            c.extra.get("criminal") == "true",
            evidence,
        )
        for c in found
    ]
