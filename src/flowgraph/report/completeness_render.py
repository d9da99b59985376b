"""The completeness report as text (terminal), JSON (machines, a council's CI) or Markdown."""

from __future__ import annotations

import json

from flowgraph.report.completeness import (
    MARKS,
    NOT_APPLICABLE,
    WAIVED,
    ActivityReport,
    Finding,
)

QUOTE_CHARS = 160


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def heading(report: ActivityReport) -> str:
    service = report.service or "whole notice"
    return f"{report.controller_label} — {service} ({report.notice})"


def _counts(report: ActivityReport) -> str:
    applicable = [f for f in report.findings if f.status != NOT_APPLICABLE]
    met = len(applicable) - len(report.missing) - len(report.waived)
    waived = f", {len(report.waived)} waived" if report.waived else ""
    return f"{report.score:.0%} ({met}/{len(applicable)} requirements met{waived})"


def status_text(finding: Finding) -> str:
    """The status as a person reads it: "waived (reason, until DATE)", "missing (waiver
    expired on DATE: reason)", or the bare status."""
    waiver = finding.waiver
    if finding.status == WAIVED and waiver is not None:
        return f"waived ({waiver.reason.rstrip('.')}, until {waiver.until.isoformat()})"
    if finding.note and waiver is not None:
        return f"{finding.status} ({finding.note}: {waiver.reason.rstrip('.')})"
    return finding.status


def _finding_text(finding: Finding) -> str:
    line = f"{MARKS[finding.status]} {finding.title} [{finding.article}]: {status_text(finding)}"
    if finding.evidence:
        where = f"{finding.evidence.notice}:{finding.evidence.start}-{finding.evidence.end}"
        line += f' — "{_short(finding.evidence.quote)}" ({where})'
    return line


def render_text(reports: list[ActivityReport]) -> str:
    lines: list[str] = []
    for report in reports:
        lines.append(f"{heading(report)}: {_counts(report)}")
        lines += [f"  {_finding_text(f)}" for f in report.findings]
        for flag in report.flags:
            e = flag.evidence
            lines.append(
                f'  ⚑ {flag.title}: {flag.detail} — "{_short(e.quote)}" ({e.notice}:{e.start}-{e.end})'
            )
        lines.append("")
    missing = sum(len(r.missing) for r in reports)
    waived = sum(len(r.waived) for r in reports)
    flags = sum(len(r.flags) for r in reports)
    waived_text = f", {waived} waived" if waived else ""
    lines.append(
        f"{len(reports)} activities checked: {missing} missing requirement(s){waived_text}, "
        f"{flags} flag(s)"
    )
    return "\n".join(lines) + "\n"


def render_json(reports: list[ActivityReport]) -> str:
    return json.dumps([r.as_dict() for r in reports], indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return _short(text).replace("|", "\\|")


def render_markdown(reports: list[ActivityReport]) -> str:
    lines = ["# Notice completeness (UK GDPR Art. 13/14)", ""]
    for report in reports:
        lines += [f"## {heading(report)}", "", f"Score: {_counts(report)}", ""]
        lines += ["| | requirement | article | status | evidence |", "|---|---|---|---|---|"]
        for f in report.findings:
            quote = f'"{_cell(f.evidence.quote)}" ({f.evidence.notice})' if f.evidence else ""
            status = " ".join(status_text(f).split()).replace("|", "\\|")
            lines.append(f"| {MARKS[f.status]} | {f.title} | {f.article} | {status} | {quote} |")
        if report.flags:
            lines += ["", "Flags:", ""]
            lines += [
                f'- ⚑ **{flag.title}**: {flag.detail} — "{_short(flag.evidence.quote)}" ({flag.evidence.notice})'
                for flag in report.flags
            ]
        lines.append("")
    return "\n".join(lines)


RENDERERS = {"text": render_text, "json": render_json, "md": render_markdown}
