"""Prose sentences -> sharing statements, onward sharing, data sources and denials.

A sentence shares data when it holds a sharing cue (data/vocab/cues.csv); the recipients are
the gazetteer mentions after the cue. When the sentence's subject is another organisation
("DfE may share ... with third parties") the flow is onward from that organisation. Source
cues ("... may pass information to us", "we use data from ...") make the mentions sources.
A negated cue is a denial ("we will not send your information outside of the UK"), unless a
hedge ("unless", "may") qualifies it, in which case it is kept as a sharing condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from flowgraph.model import EntityRef, Notice, Recipient, Source, Statement
from flowgraph.normalise.evidence import evidence
from flowgraph.normalise.gazetteer import Gazetteer
from flowgraph.normalise.objects import (
    INTERNAL,
    follow_on_span,
    has_data_object,
    needs_data_object,
    object_span,
    resumed_spans,
    split_phrase,
)
from flowgraph.normalise.recipients import ItemResolver, real_mentions
from flowgraph.normalise.spans import Spans
from flowgraph.normalise.vocab import Vocabulary
from flowgraph.parse.located import Located

_TRANSFER_VERB = re.compile(
    r"\b(?:send|sent|transfer\w*|stor\w+|host\w*|leave|leaves|process\w*|move\w*|held|hold)\b", re.I
)
# Cues that say a sentence is about sharing without a verb whose object names the recipient.
_NO_OBJECT_CUE = re.compile(
    r"take part|data matching|in partnership|work(?:ing)? (?:more )?closely|signed up", re.I
)
_ADM = re.compile(
    r"automated decision|automated means|automated processing|decisions?\b[^.]{0,30}\b(?:by|using) (?:a )?computers?|computers? (?:to )?make (?:any )?decisions|profiling|automatically",
    re.I,
)


# The most sharing verbs of one sentence read each with its own object. Real sentences have at
# most a handful; a crafted run-on of thousands would be read in time quadratic in its length.
MAX_SHARING_VERBS = 16


@dataclass
class ProseFacts:
    recipients: list[Recipient] = field(default_factory=list)
    onward: list[Recipient] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    denials: list[Statement] = field(default_factory=list)
    conditions: list[Statement] = field(default_factory=list)

    def extend(self, other: ProseFacts) -> None:
        self.recipients += other.recipients
        self.onward += other.onward
        self.sources += other.sources
        self.denials += other.denials
        self.conditions += other.conditions


class ProseReader:
    def __init__(
        self, vocabulary: Vocabulary, gazetteer: Gazetteer, notice: Notice, controller: EntityRef
    ) -> None:
        self.cues = vocabulary.cues
        self.locations = vocabulary.locations
        self.gazetteer = gazetteer
        self.notice = notice
        self.controller = controller
        self.items = ItemResolver(gazetteer, notice)
        self.last_shared = False  # the sentence before stated a sharing (for "These include ...")
        self._cue_text: str | None = None  # the sentence whose next cues are kept
        self._cue_ahead: dict[int, tuple[int, re.Match[str] | None]] = {}

    def first(self, kind: str, text: str, end: int | None = None) -> re.Match[str] | None:
        best = None
        for pattern in self.cues.get(kind, []):
            m = pattern.search(text, 0, len(text) if end is None else end)
            if m and (best is None or m.start() < best.start()):
                best = m
        return best

    def next_cue(self, text: str, start: int) -> re.Match[str] | None:
        """The first sharing cue at or after `start`, unless a negation comes before it."""
        if self._cue_text is not text:
            self._cue_text, self._cue_ahead = text, {}
        best = None
        for k, pattern in enumerate(self.cues.get("share", [])):
            # each pattern's next match is kept while it lies ahead: a search from every verb
            # for a cue that never comes would scan the rest of the sentence each time
            searched, m = self._cue_ahead.get(k, (None, None))
            if searched is None or searched > start or (m is not None and m.start() < start):
                m = pattern.search(text, start)
                self._cue_ahead[k] = (start, m)
            if m and (best is None or m.start() < best.start()):
                best = m
        if best is None or self.first("negation", text[start : best.end()]) is not None:
            return None
        return best

    def has(self, kind: str, text: str, end: int | None = None) -> bool:
        return self.first(kind, text, end) is not None

    def is_location(self, text: str) -> bool:
        return any(c.pattern and c.pattern.search(text) for c in self.locations)

    # ---------------------------------------------------------------- denials anywhere
    def denial(self, sentence: Located) -> Statement | None:
        """A flat denial of transfers abroad or of automated decisions, or None."""
        text = sentence.text
        negation = self.first("negation", text)
        if negation is None:
            return None
        ev = evidence(self.notice, sentence)
        hedged = self.has("hedge", text)
        if _TRANSFER_VERB.search(text, negation.start()) and self.is_location(
            text[negation.start() :]
        ):
            if hedged:
                return None
            return Statement(text, ev, {"denies": "transfers"})
        adm = _ADM.search(text)
        if adm and negation.start() < adm.start():
            return Statement(
                text, ev, {"denies": "automated_decisions", "qualified": str(hedged).lower()}
            )
        return None

    def negated_transfer(self, sentence: Located) -> bool:
        """A sentence that says data is *not* sent somewhere, hedged or not, states no transfer."""
        negation = self.first("negation", sentence.text)
        return bool(negation and _TRANSFER_VERB.search(sentence.text, negation.start()))

    # ---------------------------------------------------------------- sharing prose
    def object_recipients(
        self, sentence: Located, cue: re.Match[str]
    ) -> list[tuple[Recipient, tuple[int, int]]]:
        """One recipient per piece of the sharing verb's object ("with the police, HMRC and
        other local authorities"), resolved as a list item would be, with its position."""
        if _NO_OBJECT_CUE.match(cue.group(0)):
            return []  # "we take part in a data matching exercise": the names are mentions
        found = object_span(sentence.text, cue.end())
        if found is None:
            return []
        if needs_data_object(cue.group(0)) and not has_data_object(
            sentence.text, cue.start(), found[0]
        ):
            return []  # "provides information and advice to carers": a service, not sharing
        out = self.pieces(sentence, found)
        for span in resumed_spans(sentence.text, found[1]):
            # a later object is kept only when it names someone: known, or name-shaped
            out += [
                (r, at)
                for r, at in self.pieces(sentence, span)
                if r.entity.kind != "unresolved" or r.text[:1].isupper()
            ]
        return out

    def follow_on(self, sentence: Located, facts: ProseFacts) -> None:
        """ "These may include X; Y; Z" after a sharing sentence: more recipients of it."""
        found = follow_on_span(sentence.text)
        if found is None:
            return
        for recipient, _ in self.pieces(sentence, found):
            if recipient.entity.key != self.controller.key:
                facts.recipients.append(recipient)
        self.last_shared = True

    def pieces(
        self, sentence: Located, found: tuple[int, int]
    ) -> list[tuple[Recipient, tuple[int, int]]]:
        phrase = sentence.sub(*found)
        ev = evidence(self.notice, sentence)
        out = []
        for piece in self.merged(split_phrase(phrase, self.knows), phrase):
            offset = piece.span.start - sentence.span.start if piece else 0
            for recipient in self.items.resolve(piece):
                # the quote is the whole sentence that states the sharing; the span, the piece
                recipient = replace(recipient, evidence=ev)
                out.append((recipient, (offset, offset + len(piece))))
        return out

    def knows(self, name: str) -> bool:
        """A name the gazetteer lists (a pattern-minted one does not count)."""
        ref = self.gazetteer.resolve_phrase(name, fuzzy=False)
        return ref is not None and ref.method != "pattern"

    def merged(self, pieces: list[Located], phrase: Located) -> list[Located]:
        """Re-join "post-16 education" and "training providers" when the whole phrase is one
        name the gazetteer knows."""
        out: list[Located] = []
        for piece in pieces:
            if (
                out
                and self.gazetteer.resolve_phrase(
                    joined := phrase.sub(
                        out[-1].span.start - phrase.span.start, piece.span.end - phrase.span.start
                    ).text
                )
                is not None
                and self.gazetteer.resolve_phrase(out[-1].text) is None
            ):
                out[-1] = phrase.sub(
                    out[-1].span.start - phrase.span.start, piece.span.end - phrase.span.start
                )
                del joined
                continue
            out.append(piece)
        return out

    def sentence(self, sentence: Located) -> ProseFacts:
        facts = ProseFacts()
        text = sentence.text
        ev = evidence(self.notice, sentence)
        mentions = [
            m
            for m in real_mentions(self.gazetteer, sentence)
            if m.entity.key != self.controller.key
        ]
        if self.has("source", text):
            self.last_shared = False
            for m in mentions:
                facts.sources.append(Source(m.text, m.entity, ev))
            return facts
        cue = self.first("share", text)
        if cue is None:
            follows = self.last_shared
            self.last_shared = False
            if follows:
                self.follow_on(sentence, facts)
            return facts
        negation = self.first("negation", text, cue.end())
        self.last_shared = negation is None
        if negation is not None:
            # "we will not share", "we won't sell or give": a denial only when the negation
            # governs the cue; otherwise the sentence only qualifies when sharing happens.
            close = cue.start() - negation.end() <= 25
            if close and not self.has("hedge", text) and not self.is_location(text):
                facts.denials.append(Statement(text, ev, {"denies": "sharing"}))
            else:
                facts.conditions.append(Statement(text, ev, {"kind": "conditional"}))
            return facts
        before = [m for m in mentions if m.end <= cue.start()]
        after = [m for m in mentions if m.start >= cue.start()]
        speaker_is_us = self.has("self", text, cue.start())
        sender = before[-1].entity if before and not speaker_is_us else None  # the nearest subject
        seen: set[tuple[str, str]] = set()
        covered: list[tuple[int, int]] = []
        regions: list[tuple[int, int]] = []
        taken: set[tuple[str, int]] = set()
        next_cue: re.Match[str] | None = cue
        verbs = 0
        while sender is None and next_cue is not None and verbs < MAX_SHARING_VERBS:
            verbs += 1
            # each sharing verb of the sentence with its own object ("... hosted by Civica UK
            # Ltd. If you opt in, your information will be shared with other library services")
            found = self.object_recipients(sentence, next_cue)
            for recipient, (start, end) in found:
                if (recipient.entity.key, start) in taken:
                    continue  # read already, by an earlier verb's later objects
                taken.add((recipient.entity.key, start))
                covered.append((start, end))
                if recipient.entity.key == self.controller.key:
                    if not INTERNAL.match(recipient.text):
                        continue
                    internal = self.gazetteer.resolve_phrase("internal departments")
                    if internal is None:
                        continue
                    recipient = replace(recipient, entity=internal)
                seen.add((recipient.entity.kind, recipient.entity.key))
                facts.recipients.append(recipient)
            if found:
                regions.append((min(a for _, (a, _) in found), max(b for _, (_, b) in found)))
            else:
                regions.append((next_cue.start(), len(text)))  # no object read: keep its names
            read = Spans(covered)
            next_cue = self.next_cue(text, next_cue.end())
            while next_cue and read.holds(next_cue.start()):
                next_cue = self.next_cue(text, next_cue.end())  # a verb inside a name read
        read, objects = Spans(covered), Spans(regions)
        for m in after:
            if read.contains(m.start, m.end):
                continue  # named inside a piece already read whole
            if regions and not objects.holds(m.start):
                continue  # the object was read; a name in its purpose clause is not a recipient
            key = (m.entity.kind, m.entity.key)
            if key in seen or (sender and key == (sender.kind, sender.key)):
                continue
            seen.add(key)
            span = sentence.sub_span(m.start, m.end)
            if sender:
                facts.onward.append(Recipient(m.text, m.entity, ev, span, "onward", sender=sender))
            else:
                facts.recipients.append(Recipient(m.text, m.entity, ev, span, "stated"))
        return facts
