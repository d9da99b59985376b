"""What a notice tells people beyond the flows: rights, contacts, the DPO, complaints to the ICO.

Cues come from data/vocab/disclosures.csv (one regular expression per topic, matched per
sentence of every block, headings included). They are notice-wide: a "Your rights" section covers
every service the notice describes. The completeness checks (queries/requirements/) read them.

Rights are also read from compact lists: after an opener ("you have the right to", "your rights
include", "you can ask us to") the rest of the clause is read for the words that name each right
(the `in_lists` column: "access", "rectify", "erase", "restrict", "object", "portability"...), so
"You have the right to access, rectify, erase, restrict or object to the processing of your data,
and to data portability" states six rights. The opener must speak to the person ("you", "your",
"individuals"): "staff who have a right to see them" and "we reserve the right to" state none.
"""

from __future__ import annotations

import re
from collections import Counter

from flowgraph.model import Notice, Span, Statement
from flowgraph.normalise.evidence import evidence
from flowgraph.normalise.sentences import sentences
from flowgraph.normalise.vocab import Concept
from flowgraph.parse.located import Located, strip_bullet

PER_TOPIC = 3  # quotes kept per topic and notice: enough to show, few enough to read
_IDENTITY = "controller-identity"
_LONGEST_QUOTE = 300
# An opener of a list of rights; "you can/may ask" only with "you" right before it.
_OPENER = re.compile(
    r"\brights?\s+(?:to|of)\b|\brights\s+(?:include|including|are)\b|\bentitled\s+to\b"
    r"|\byou\s+(?:also\s+)?(?:can|may)\s+(?:also\s+)?(?:ask|request)\b(?:\s+us)?(?:\s+to)?",
    re.I,
)
_PERSON = re.compile(r"\b(?:you|your|individuals?|data subjects?)\b", re.I)
_NOT_THE_PERSON = re.compile(r"\b(?:reserves?|who\s+(?:have|has))\s+(?:a\s+|the\s+)?$", re.I)
# Where the list ends: a condition or a new clause ("... removed from our system unless ...").
_CLAUSE_END = re.compile(
    r"[;:]|\s(?:unless|if|where|when|because|but|so that|in order|which|who|provided|however)\b",
    re.I,
)


# "Data Portability: you can ask us for a copy ...", "Restriction – you can ask us to stop ...":
# a sentence led by the name of one right is about that right alone (its own cue reads it).
_LABEL = re.compile(r"^\s*([^.:;–—]{1,40}?)\s*(?::|\s[–—-])\s")


def listed_rights(sentence: str, words: dict[str, re.Pattern[str]]) -> list[str]:
    """The topics of the rights a sentence lists after an opener, in the order of `words`."""
    label = _LABEL.match(sentence)
    if label and any(p.search(label.group(1)) for p in words.values()):
        return []
    found: set[str] = set()
    for opener in _OPENER.finditer(sentence):
        before = sentence[: opener.start()]
        if _NOT_THE_PERSON.search(before):
            continue
        if not (_PERSON.search(before) or _PERSON.match(opener.group()) or not before.strip()):
            continue
        rest = sentence[opener.end() :]
        end = _CLAUSE_END.search(rest)
        clause = rest[: end.start()] if end else rest
        found.update(topic for topic, pattern in words.items() if pattern.search(clause))
    return [topic for topic in words if topic in found]


# Where the data comes from is not what a cookie section is about ("remembering data you've given
# so you don't need to keep entering it").
_NOT_IN_SECTION = {"cookies": {"data-from-person", "data-from-others"}}


class DisclosureReader:
    def __init__(self, topics: list[Concept], notice: Notice, controller_label: str) -> None:
        self.topics = [t for t in topics if t.pattern is not None]
        self.list_words = {
            t.id: re.compile(t.extra["in_lists"], re.I) for t in topics if t.extra.get("in_lists")
        }
        self.notice = notice
        self.controller_label = controller_label
        self.found: list[Statement] = []
        self.counts: Counter[str] = Counter()
        self.seen: set[tuple[str, int]] = set()

    def read(self, text: Located, section: str | None = None) -> None:
        skip = _NOT_IN_SECTION.get(section or "", set())
        for sentence in sentences(strip_bullet(text)):
            listed = set(listed_rights(sentence.text, self.list_words))
            for topic in self.topics:
                if topic.id in skip or self.counts[topic.id] >= PER_TOPIC:
                    continue
                if topic.id not in listed and not topic.pattern.search(sentence.text):
                    continue
                key = (topic.id, sentence.span.start)
                if key not in self.seen:
                    self.seen.add(key)
                    self.counts[topic.id] += 1
                    self.found.append(
                        Statement(
                            sentence.text,
                            evidence(self.notice, sentence),
                            {"topic": topic.id},
                        )
                    )

    def finish(self) -> list[Statement]:
        """The statements found, plus the controller's own name as evidence of its identity."""
        if not self.counts[_IDENTITY] and self.controller_label:
            match = re.search(re.escape(self.controller_label), self.notice.text, re.I)
            if match:
                text = self.notice.text
                start = text.rfind("\n", 0, match.start()) + 1
                end = text.find("\n", match.end())
                end = len(text) if end < 0 else end
                if end - start > _LONGEST_QUOTE:
                    start, end = match.start(), match.end()
                span = Span(start, end)
                quote = self.notice.quote(span).strip()
                if quote:
                    shift = self.notice.quote(span).index(quote)
                    span = Span(start + shift, start + shift + len(quote))
                    self.found.append(
                        Statement(quote, evidence(self.notice, span), {"topic": _IDENTITY})
                    )
        return sorted(self.found, key=lambda s: (s.evidence.span.start, s.detail["topic"]))
