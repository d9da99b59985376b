"""What a notice tells people beyond the flows: rights, contacts, the DPO, complaints to the ICO.

Cues come from data/vocab/disclosures.csv (one regular expression per topic, matched per
sentence of every block, headings included). They are notice-wide: a "Your rights" section covers
every service the notice describes. The completeness checks (queries/requirements/) read them.
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
# Where the data comes from is not what a cookie section is about ("remembering data you've given
# so you don't need to keep entering it").
_NOT_IN_SECTION = {"cookies": {"data-from-person", "data-from-others"}}


class DisclosureReader:
    def __init__(self, topics: list[Concept], notice: Notice, controller_label: str) -> None:
        self.topics = [t for t in topics if t.pattern is not None]
        self.notice = notice
        self.controller_label = controller_label
        self.found: list[Statement] = []
        self.counts: Counter[str] = Counter()
        self.seen: set[tuple[str, int]] = set()

    def read(self, text: Located, section: str | None = None) -> None:
        skip = _NOT_IN_SECTION.get(section or "", set())
        for sentence in sentences(strip_bullet(text)):
            for topic in self.topics:
                if topic.id in skip:
                    continue
                if self.counts[topic.id] >= PER_TOPIC or not topic.pattern.search(sentence.text):
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
