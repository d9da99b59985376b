"""Law mentions -> single Acts and regulations with their years.

"The Children Act 1989, 2004" is two Acts; "The Local Land Charges Act of 1975 and Rules of
1977" is an Act and the Rules that share its name; "Regulation 3 of the Health Service
(Control of Patient Information) Regulations 2002" keeps "Regulation 3" as the provision.
Titles are read backwards from the keyword (Act, Regulations, Order, ...) over capitalised
words, so the same code reads list items and prose. Known titles are canonicalised through
data/vocab/legislation.csv (with aliases and typo tolerance); unknown ones are kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from flowgraph.model import Evidence, Law
from flowgraph.normalise.gazetteer import normalise_key, slugify
from flowgraph.normalise.vocab import Law as KnownLaw

_KEYWORD = re.compile(r"\b(Acts?|Regulations?|Orders?|Code|Rules|Directive|Measure|Guidance)\b")
# Years after the keyword, with an optional jurisdiction in brackets before them:
# "Act 1989, 2004", "Acts of 1894 and 1972", "Act (NI) 2011", "Act (Scotland) 2010".
_YEARS = re.compile(
    r"(?:\s*\((?:NI|N\.I\.|Northern Ireland|Scotland|Wales|England|England and Wales)\))?"
    r"(?:(?:\s*+(?:,|\band\b|&|\bof\b))*+\s*+\(?(\d{4})(?:/\d+)?\)?)+"
)  # possessive: a joiner or space never ends a year, so no run need give any back
_YEAR = re.compile(r"\(?(\d{4})(?:/\d+)?\)?")
_TOKEN = re.compile(r"\([^()]*\)|[^\s()]+")
_JOINERS = {
    "and",
    "of",
    "the",
    "&",
    "for",
    "on",
    "etc.",
    "etc",
    "in",
    "to",
    "a",
    "at",
    "from",
    "with",
    "within",
}
_PROVISION = re.compile(
    r"(?:(?:Section|Sections|Part|Schedule|Regulation|Article|Chapter|Paragraph|Sch\.?|s\.)\s*\d[\w()]*(?:\s*,\s*|\s+))+",
    re.I,
)
# How far from a keyword a title is looked for, back to its first word or on past brackets:
# titles are a few words, and a bound keeps a text of thousands of keywords linear.
_TITLE_REACH = 1000
_GOES_ON = re.compile(r"\s+(?:\([^)]*\)\s*)*[A-Z]")
_COMMON_LAW = re.compile(r"common law duty of confidence|common law", re.I)
_KIND = {"act": "act", "acts": "act", "regulation": "regulations", "regulations": "regulations", "order": "order",
         "orders": "order", "code": "code", "rules": "rules", "directive": "directive", "measure": "measure",
         "guidance": "guidance"}  # fmt: skip


@dataclass(frozen=True)
class LawMention:
    title: str
    year: int | None
    kind: str
    provision: str | None
    start: int
    end: int


def _title_start(text: str, keyword_start: int, floor: int, *, item: bool = False) -> int:
    """Walk back from the keyword over capitalised words, bracketed groups and joiners; in a
    list item, also over a lowercase word directly before a capitalised one ("House to House
    collections Act 1939")."""
    reach = max(floor, keyword_start - _TITLE_REACH)
    tokens = [(m.start(), m.group(0)) for m in _TOKEN.finditer(text, reach, keyword_start)]
    start = keyword_start
    right_capital = True  # the keyword itself
    for pos, token in reversed(tokens):
        bare = token.rstrip(",.")
        if (
            token.startswith("(")
            or bare[:1].isupper()
            or bare.lower() in _JOINERS
            or re.fullmatch(r"[A-Z][\w'’-]*", bare)
            or (item and right_capital and re.fullmatch(r"[a-z][a-z'’-]+", token))
        ):
            start = pos
            right_capital = bare[:1].isupper()
            continue
        break
    # A title never starts with a bracket ("35(2)(b) of the Data Protection Act": the brackets
    # belong to the provision) nor with a joiner ("of the Housing Act" -> "Housing Act").
    while True:
        bracket = re.match(r"\([^()]*\)\s*", text[start:keyword_start])
        if not bracket or start + bracket.end() >= keyword_start:
            break
        start += bracket.end()
    while True:
        m = re.match(
            r"(?:the|of|and|&|for|on|in|to|a|with|within|from|at|-)\s+",
            text[start:keyword_start],
            re.I,
        )
        if not m or start + m.end() >= keyword_start:
            break
        start += m.end()
    return start


def find_laws(text: str, *, prose: bool = False) -> list[LawMention]:
    out: list[LawMention] = []
    floor = 0
    previous_title: str | None = None
    for m in _KEYWORD.finditer(text):
        if m.start() < floor:
            continue
        years_match = _YEARS.match(text, m.end())
        years = [int(y) for y in _YEAR.findall(years_match.group(0))] if years_match else []
        if not years and _GOES_ON.match(text, m.end(), m.end() + _TITLE_REACH):
            continue  # "Public Order Act", "Road Traffic Regulations Act": the title goes on
        start = _title_start(text, m.start(), floor, item=not prose)
        words = text[start : m.start()].split()
        if words and all(w.lower().strip(",") in _JOINERS for w in words):
            start, words = m.start(), []
        keyword = m.group(1)
        if (
            prose
            and not years
            and (len(words) < 2 or not all(w[:1].isupper() or w.lower() in _JOINERS for w in words))
        ):
            floor = m.end()
            continue
        if not prose and not words and previous_title is None and not years:
            continue
        if keyword == "Guidance" and not years:
            title = text[start:].strip(" .;,")
        elif words:
            title = f"{text[start : m.start()].strip()} {keyword}"
        elif previous_title:  # "... Act of 1975 and Rules of 1977": Rules of the same name
            title = f"{re.sub(_KEYWORD, '', previous_title).strip()} {keyword}"
        else:
            title = keyword
        title = re.sub(r"^(?:The|the)\s+", "", title)
        singular = re.sub(r"\bActs\b", "Act", title)
        provision = _provision(text[floor:start])
        end = years_match.end() if years_match else m.end()
        for year in years or [None]:
            out.append(LawMention(singular, year, _KIND[keyword.lower()], provision, start, end))
        previous_title = singular
        floor = end
    if not out:
        cl = _COMMON_LAW.search(text)
        if cl:
            out.append(
                LawMention(cl.group(0).lower(), None, "common_law", None, cl.start(), cl.end())
            )
    return out


def _provision(text: str) -> str | None:
    """ "Section 287", "Part 6, Schedule 9", or a title-cased duty named before the Act."""
    found = list(_PROVISION.finditer(text))
    if found:
        return found[-1].group(0).strip(" ,")
    text = re.sub(r"^(?:The|the)\b\s*", "", text.strip(" -–,;:"))
    words = text.split()
    content = [w for w in words if w.lower() not in _JOINERS]
    if content and len(words) <= 6 and all(w[:1].isupper() or w.lower() in _JOINERS for w in words):
        return text
    return None


class LawResolver:
    """Canonical titles from data/vocab/legislation.csv: same year, alias or near-identical title."""

    def __init__(self, known: list[KnownLaw]) -> None:
        self.by_key: dict[tuple[str, int | None], KnownLaw] = {}
        for law in known:
            for name in (law.title, *law.aliases):
                self.by_key[(normalise_key(name), law.year)] = law
                if law.year is None:
                    self.by_key[(normalise_key(name), None)] = law

    def canonical(self, title: str, year: int | None) -> KnownLaw | None:
        key = normalise_key(title)
        if (key, year) in self.by_key:
            return self.by_key[(key, year)]
        candidates = [(k, law) for (k, y), law in self.by_key.items() if y == year]
        best = max(candidates, key=lambda c: fuzz.ratio(key, c[0]), default=None)
        if best and fuzz.ratio(key, best[0]) >= 92:
            return best[1]
        return None

    def law(self, mention: LawMention, text: str, evidence: Evidence) -> Law:
        known = self.canonical(mention.title, mention.year)
        title = (
            known.title
            if known
            else re.sub(r"\s+", " ", mention.title.replace(" & ", " and ")).strip()
        )
        year = mention.year
        key = known.id if known else (f"{slugify(title)}-{year}" if year else slugify(title))
        return Law(
            text,
            title,
            year,
            known.type if known else mention.kind,
            key,
            mention.provision,
            True,
            evidence,
            text[mention.start : mention.end].strip(" ,;.") or None,
        )


def unrecognised_law(text: str, evidence: Evidence, kind: str = "other") -> Law:
    return Law(text, text, None, kind, slugify(text)[:80], None, kind == "area_of_law", evidence)
