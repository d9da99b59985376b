"""Accepted gaps: a council records "we accept this gap, because ..." in `flowgraph-check.toml`.

Each `[[waiver]]` names a requirement (a file name in queries/requirements/, without `.rq`), the
notice, service area and/or controller it covers (at least one), the reason and the date until
which it holds::

    [[waiver]]
    requirement = "right-to-portability"
    notice = "leicester-city-council-general.txt"
    reason = "None of our services rely on consent or a contract; portability does not apply."
    until = 2026-03-31

A waived requirement is reported as waived, not missing, and does not fail `flowgraph check`;
after its date it counts as missing again, with a note that the waiver expired. A malformed
entry or an unknown requirement is bad input (exit 2), naming the file and the entry.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flowgraph.errors import FlowgraphError

FILE_NAME = "flowgraph-check.toml"
_KEYS = {"requirement", "notice", "service", "controller", "reason", "until"}
_SCOPES = ("notice", "service", "controller")


class WaiverError(FlowgraphError):
    """The waiver file cannot be read, or one of its entries is malformed."""

    def __init__(self, path: Path | str, reason: str, entry: int | None = None) -> None:
        self.path = Path(path)
        self.entry = entry
        where = f"{self.path}: waiver {entry}" if entry else str(self.path)
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Waiver:
    requirement: str
    reason: str
    until: dt.date
    notice: str | None = None
    service: str | None = None
    controller: str | None = None
    source: str = ""  # "flowgraph-check.toml, waiver 2": where a reader finds it

    def covers(self, report: Any) -> bool:
        """Whether this waiver applies to an activity report (every scope it gives must match;
        the service "whole notice" names a council-wide notice's own row)."""
        if self.notice is not None and self.notice != report.notice:
            return False
        if self.service is not None:
            service = (report.service or "whole notice").casefold()
            if self.service.casefold() != service:
                return False
        return self.controller is None or self.controller.casefold() in (
            report.controller.casefold(),
            report.controller_label.casefold(),
        )

    def expired(self, today: dt.date) -> bool:
        return today > self.until

    def as_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "until": self.until.isoformat(),
            "source": self.source,
            **{k: getattr(self, k) for k in _SCOPES if getattr(self, k) is not None},
        }


def _date(path: Path, entry: int, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise WaiverError(path, f"until must be an ISO date such as 2026-03-31, not {value!r}", entry)


def parse_waivers(path: Path, text: str, requirements: set[str]) -> list[Waiver]:
    """The waivers of one file's text; every problem names the file and the entry (1-based)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WaiverError(path, f"not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"waiver"})
    if unknown:
        raise WaiverError(
            path, f"unknown table or key {', '.join(unknown)}: write each entry as [[waiver]]"
        )
    entries = data.get("waiver", [])
    if not isinstance(entries, list):
        raise WaiverError(path, "write each entry as [[waiver]] (an array of tables)")
    out = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise WaiverError(path, "an entry must be a table", number)
        extra = sorted(set(entry) - _KEYS)
        if extra:
            raise WaiverError(
                path,
                f"unknown key(s) {', '.join(extra)}; an entry has {', '.join(sorted(_KEYS))}",
                number,
            )
        for key in ("requirement", "reason", "until"):
            if key not in entry:
                raise WaiverError(path, f"{key} is missing", number)
        for key in ("requirement", "reason", *_SCOPES):
            if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
                raise WaiverError(path, f"{key} must be a non-empty string", number)
        requirement = entry["requirement"].strip()
        if requirement not in requirements:
            raise WaiverError(
                path,
                f"unknown requirement {requirement!r}; known: {', '.join(sorted(requirements))}",
                number,
            )
        if not any(key in entry for key in _SCOPES):
            raise WaiverError(
                path, "name the notice, service and/or controller the waiver covers", number
            )
        out.append(
            Waiver(
                requirement,
                " ".join(entry["reason"].split()),
                _date(path, number, entry["until"]),
                *(entry[k].strip() if k in entry else None for k in _SCOPES),
                source=f"{path.name}, waiver {number}",
            )
        )
    return out


def load_waivers(path: Path, requirements: set[str]) -> list[Waiver]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise WaiverError(path, "no such waiver file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise WaiverError(path, f"cannot read the waiver file: {exc}") from exc
    return parse_waivers(path, text, requirements)


def find_waiver_file(
    given: Path | None, setting: Path | None, places: list[Path] | None = None
) -> Path | None:
    """The waiver file a run uses: the one given (--waivers), else the setting
    (FLOWGRAPH_CHECK_WAIVERS), else flowgraph-check.toml in the current directory or the
    workspace (the first of `places` that has one); None when there is none."""
    if given is not None:
        return given
    if setting is not None:
        return setting
    for place in [Path.cwd(), *(places or [])]:
        candidate = place / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def apply_waivers(
    reports: list[Any], waivers: list[Waiver], today: dt.date | None = None
) -> tuple[list[Any], list[Waiver]]:
    """Copies of the reports with each missing requirement a waiver covers marked waived (or,
    past its date, kept missing with a note), and the waivers that matched no activity."""
    from flowgraph.report.completeness import MISSING, WAIVED

    today = today or dt.date.today()
    used: set[Waiver] = set()
    out = []
    for report in reports:
        findings = []
        for finding in report.findings:
            matches = [
                w for w in waivers if w.requirement == finding.requirement and w.covers(report)
            ]
            used.update(matches)
            if finding.status == MISSING and matches:
                live = [w for w in matches if not w.expired(today)]
                if live:
                    waiver = max(live, key=lambda w: w.until)
                    finding = replace(finding, status=WAIVED, waiver=waiver)
                else:
                    waiver = max(matches, key=lambda w: w.until)
                    note = f"waiver expired on {waiver.until.isoformat()}"
                    finding = replace(finding, waiver=waiver, note=note)
            findings.append(finding)
        out.append(replace(report, findings=findings))
    return out, [w for w in waivers if w not in used]
