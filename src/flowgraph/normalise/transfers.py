"""Transfer statements -> destinations, the processors or platforms used, and safeguards.

Countries and safeguards are paired clause by clause ("Standard Contractual Clauses are used
in the EU, Privacy Shield for USA"); the processors named anywhere in the paragraph apply to
every transfer it states.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flowgraph.model import EntityRef, Notice, Span, Statement, Transfer
from flowgraph.normalise.evidence import evidence
from flowgraph.normalise.gazetteer import Gazetteer
from flowgraph.normalise.sentences import sentences
from flowgraph.normalise.vocab import Concept
from flowgraph.parse.located import Located, clean_item


def _keys(concepts: list[Concept], text: str) -> list[str]:
    """Concept ids in order of mention; a match inside a longer one ("EU" in "outside the EU")
    does not count."""
    found: list[tuple[int, int, str]] = []
    for concept in concepts:
        if concept.pattern:
            found += [(m.start(), m.end(), concept.id) for m in concept.pattern.finditer(text)]
    found = [
        f
        for f in found
        if not any(o[0] <= f[0] and f[1] <= o[1] and o[1] - o[0] > f[1] - f[0] for o in found)
    ]
    out: list[str] = []
    for _, _, key in sorted(found):
        if key not in out:
            out.append(key)
    return out


class TransferReader:
    def __init__(
        self,
        locations: list[Concept],
        safeguards: list[Concept],
        gazetteer: Gazetteer,
        notice: Notice,
        not_applicable: list[re.Pattern[str]],
    ) -> None:
        self.locations = locations
        self.safeguards = safeguards
        self.gazetteer = gazetteer
        self.notice = notice
        self.not_applicable = not_applicable

    def via(self, text: Located) -> tuple[EntityRef, ...]:
        out: list[EntityRef] = []
        for m in self.gazetteer.find_mentions(text):
            if (
                m.entity.kind == "organisation"
                and self.gazetteer.is_processor(m.entity)
                and m.entity not in out
                and all(m.entity.key != o.key for o in out)
            ):
                out.append(m.entity)
        return tuple(out)

    def paragraph(
        self, block: Located, skip: Callable[[Located], object] | None = None
    ) -> tuple[list[Transfer], list[Statement]]:
        """Transfers a paragraph states; sentences `skip` accepts (denials) state none."""
        text = clean_item(block)
        if not text:
            return [], []
        if any(p.match(text.text) for p in self.not_applicable):
            return [], [Statement(text.text, evidence(self.notice, text), {"denies": "transfers"})]
        via = self.via(text)
        transfers: list[Transfer] = []
        for sentence in sentences(text):
            if skip and skip(sentence):
                continue
            clauses = [sentence]
            # Pair safeguards with places clause by clause only when a sentence names several of each.
            many = len(_keys(self.safeguards, sentence.text)) > 1
            if many and len(_keys(self.locations, sentence.text)) > 1:
                clauses = [c for c in _split_clauses(sentence) if c]
            for clause in clauses:
                places = _keys(self.locations, clause.text)
                guards = _keys(self.safeguards, clause.text)
                if guards and not places and transfers and not transfers[-1].safeguards:
                    transfers.append(self.merge(transfers.pop(), clause, tuple(guards)))
                elif places or guards:
                    ev = evidence(self.notice, clause)
                    transfers.append(Transfer(clause.text, tuple(places), via, tuple(guards), ev))
        if not transfers and via and not (skip and any(skip(s) for s in sentences(text))):
            transfers.append(Transfer(text.text, (), via, (), evidence(self.notice, text)))
        return transfers, []

    def merge(self, earlier: Transfer, clause: Located, guards: tuple[str, ...]) -> Transfer:
        """A safeguard stated on its own right after a destination applies to that transfer
        ("... children's services abroad. Data is sent by secure email")."""
        span = Span(earlier.evidence.span.start, clause.span.end)
        text = " ".join(self.notice.text[span.start : span.end].split())
        via = tuple(dict.fromkeys((*earlier.via, *self.via(clause))))
        return Transfer(text, earlier.destinations, via, guards, evidence(self.notice, span))


def _split_clauses(sentence: Located) -> list[Located]:
    out, start = [], 0
    for m in re.finditer(r"[,;]", sentence.text):
        out.append(sentence.sub(start, m.start()).strip())
        start = m.end()
    out.append(sentence.sub(start, len(sentence)).strip())
    return out
