"""Every fact of every seed notice, against hand-reviewed golden files in tests/data/expected/.

A golden file is regenerated only on purpose (FLOWGRAPH_REGENERATE=1 pytest tests/test_golden_facts.py)
and the diff is reviewed line by line before it is committed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

EXPECTED = Path(__file__).parent / "data" / "expected"


def facts(extraction) -> list[dict]:
    out = []
    for s in extraction.services:
        out.append(
            {
                "service": s.service,
                "recipients": [[r.role, r.text, r.entity.kind, r.entity.key] for r in s.recipients],
                "onward": [
                    [r.sender.key if r.sender else None, r.text, r.entity.key] for r in s.onward
                ],
                "purposes": [p.text for p in s.purposes],
                "legal_bases": [[b.code, b.scope] for b in s.legal_bases],
                "laws": [[law.title, law.year, law.kind] for law in s.laws],
                "transfers": [
                    [list(t.destinations), [v.key for v in t.via], list(t.safeguards)]
                    for t in s.transfers
                ],
                "automated_decisions": [d.text for d in s.automated_decisions],
                "denials": [[d.detail.get("denies"), d.text] for d in s.denials],
                "retention": [[r.text, r.detail.get("duration")] for r in s.retention],
                "sources": [[src.text, src.entity.key] for src in s.sources],
            }
        )
    return out


@pytest.mark.parametrize(
    "notice",
    [
        "leicester-city-council-service-areas.txt",
        "leicester-city-council-general.txt",
        "oadby-and-wigston-borough-council-general.txt",
        "leeds-city-council-general.txt",
        "leicestershire-county-council-children-and-family-services.txt",
    ],
)
def test_notice_facts_match_the_reviewed_golden_file(extractions, notice):
    path = EXPECTED / notice.replace(".txt", ".facts.json")
    actual = facts(extractions[notice])
    if os.environ.get("FLOWGRAPH_REGENERATE"):
        path.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    for got, want in zip(actual, expected, strict=True):
        assert got == want, got["service"]
