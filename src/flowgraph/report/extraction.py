"""`flowgraph extract`: the structured extraction of a notice as JSON, one object per service."""

from __future__ import annotations

from typing import Any

from flowgraph.model import NoticeExtraction, Recipient
from flowgraph.rdf.iris import Minter

GDPR_BASES = (
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
)


def _recipient(r: Recipient, minter: Minter, extraction: NoticeExtraction) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": r.text,
        "id": minter.entity(r.entity, extraction.controller),
        "label": r.entity.label,
        "kind": r.entity.kind,
        "role": r.role,
        "match": r.entity.method,
        "evidence": {
            "quote": r.evidence.quote,
            "start": r.evidence.span.start,
            "end": r.evidence.span.end,
            "line": r.evidence.line,
        },
    }
    if r.sender:
        out["from"] = {
            "id": minter.entity(r.sender, extraction.controller),
            "label": r.sender.label,
        }
    return out


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def extraction_json(extraction: NoticeExtraction, minter: Minter) -> list[dict[str, Any]]:
    out = []
    # a PDF or .docx notice says so: offsets count into the text extracted from it (FILE.md)
    extracted = extraction.notice.extracted_from
    for s in extraction.services:
        out.append(
            {
                "controller": extraction.controller.label,
                "controller_id": minter.entity(extraction.controller),
                "service": s.service,
                "notice": extraction.notice.source.path.name,
                "encoding": extraction.notice.encoding,
                **({"extracted_from": extracted} if extracted else {}),
                "layout": extraction.layout,
                "purposes": [p.text for p in s.purposes],
                "legal_bases": {
                    "gdpr_bases": _unique([b.code for b in s.legal_bases if b.code in GDPR_BASES]),
                    "conditions": _unique(
                        [b.code for b in s.legal_bases if b.code not in GDPR_BASES]
                    ),
                    "statements": [
                        {"basis": b.code, "text": b.text, "scope": b.scope} for b in s.legal_bases
                    ],
                    "laws": _laws(s.laws),
                },
                "recipients": [_recipient(r, minter, extraction) for r in s.recipients],
                "onward": [_recipient(r, minter, extraction) for r in s.onward],
                "transfers": [
                    {
                        "to": list(t.destinations),
                        "via": [v.label for v in t.via],
                        "safeguard": ", ".join(t.safeguards) or None,
                        "text": t.text,
                    }
                    for t in s.transfers
                ],
                "automated_decisions": [a.text for a in s.automated_decisions],
                "denials": [{"denies": d.detail.get("denies"), "text": d.text} for d in s.denials],
                "retention": [{"text": r.text, **r.detail} for r in s.retention],
                "data_categories": [
                    {
                        "text": c.text,
                        "category": c.concept,
                        "special_category": c.special,
                        "criminal_offence": c.criminal,
                    }
                    for c in s.data_categories
                ],
                "data_subjects": [{"text": d.text, "subject": d.concept} for d in s.data_subjects],
                "sources": [
                    {
                        "text": src.text,
                        "id": minter.entity(src.entity, extraction.controller),
                        "label": src.entity.label,
                    }
                    for src in s.sources
                ],
                "sharing_conditions": [c.text for c in s.sharing_conditions],
                "unresolved": [
                    r.text for r in s.recipients + s.onward if r.entity.kind == "unresolved"
                ]
                + [law.text for law in s.laws if not law.recognised],
            }
        )
    return out


def _laws(laws: list) -> list[dict]:
    """Each Act or regulation once: as the notice writes it, and as the graph names it. An item
    of a list of laws that names no legislation is listed under "unresolved" instead."""
    out: list[dict] = []
    seen: set[tuple[str, int | None]] = set()
    for law in laws:
        if (law.kind == "other" and not law.recognised) or (law.title, law.year) in seen:
            continue
        seen.add((law.title, law.year))
        named = f"{law.title} {law.year}" if law.year else law.title
        out.append({"text": law.written or named, "title": named, "kind": law.kind, "id": law.key})
    return out
