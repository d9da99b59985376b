"""Evidence records: the verbatim source characters behind a fact, with offsets and line."""

from __future__ import annotations

from flowgraph.model import EntityRef, Evidence, Notice, Span
from flowgraph.normalise.gazetteer import slugify
from flowgraph.parse.located import Located


def evidence(notice: Notice, where: Located | Span) -> Evidence:
    span = where.span if isinstance(where, Located) else where
    return Evidence(span, notice.line_of(span.start), notice.quote(span))


def unresolved(text: str) -> EntityRef:
    """A mention no vocabulary knows: kept with its own text and flagged."""
    return EntityRef(slugify(text)[:80], text, "unresolved", "unresolved", 0.0)
