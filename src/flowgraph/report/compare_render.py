"""A comparison of councils as text, JSON or Markdown."""

from __future__ import annotations

import json
from dataclasses import asdict

from flowgraph.report.compare import ASPECTS, Comparison, CouncilSide


def _scope(side: CouncilSide) -> str:
    if side.services:
        return ", ".join(side.services)
    return f"no matching service area: council-wide notice ({', '.join(side.notices)})"


def _score(side: CouncilSide) -> str:
    return "—" if side.score is None else f"{side.score:.0%}"


def render_text(c: Comparison) -> str:
    lines = [
        f"Comparing {len(c.councils)} councils"
        + (f" for service areas like {c.service_like!r}" if c.service_like else ""),
        "",
    ]
    for side in c.councils:
        lines.append(f"{side.label} — {_scope(side)} — completeness {_score(side)}")
        for aspect, title in ASPECTS.items():
            lines.append(
                f"  {title} ({len(side.stated[aspect])}): {'; '.join(side.stated[aspect]) or '(none stated)'}"
            )
            if side.only_here[aspect]:
                lines.append(f"    only {side.label}: {'; '.join(side.only_here[aspect])}")
        lines.append("")
    for aspect, title in ASPECTS.items():
        lines.append(f"{title} stated by all: {'; '.join(c.common[aspect]) or '(none)'}")
    lines += ["", "Most common recipients in the whole graph:"]
    lines += [
        f"  {r['recipientLabel']}: {r['controllers']} controllers, {r['activities']} activities"
        for r in c.most_common
    ]
    lines += ["Rarest recipients (outliers):"]
    lines += [
        f"  {r['recipientLabel']}: {r['controllers']} controller(s), {r['activities']} activit(y/ies)"
        for r in c.rarest
    ]
    return "\n".join(lines) + "\n"


def render_json(c: Comparison) -> str:
    return json.dumps(asdict(c), indent=2, ensure_ascii=False) + "\n"


def _cell(values: list[str]) -> str:
    return "<br>".join(v.replace("|", "\\|") for v in values) or "—"


def render_markdown(c: Comparison) -> str:
    lines = [
        "# Councils side by side"
        + (f": service areas like “{c.service_like}”" if c.service_like else ""),
        "",
    ]
    lines.append("| | " + " | ".join(s.label for s in c.councils) + " |")
    lines.append("|---|" + "---|" * len(c.councils))
    lines.append("| service areas | " + " | ".join(_scope(s) for s in c.councils) + " |")
    lines.append("| completeness | " + " | ".join(_score(s) for s in c.councils) + " |")
    for aspect, title in ASPECTS.items():
        lines.append(
            f"| {title} | " + " | ".join(_cell(s.stated[aspect]) for s in c.councils) + " |"
        )
        lines.append(
            "| … stated by this council only | "
            + " | ".join(_cell(s.only_here[aspect]) for s in c.councils)
            + " |"
        )
    lines += [
        "",
        "## Most common recipients",
        "",
        "| recipient | controllers | activities |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| {r['recipientLabel']} | {r['controllers']} | {r['activities']} |" for r in c.most_common
    ]
    lines += [
        "",
        "## Rarest recipients (outliers)",
        "",
        "| recipient | controllers | activities |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| {r['recipientLabel']} | {r['controllers']} | {r['activities']} |" for r in c.rarest
    ]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "md": render_markdown}
