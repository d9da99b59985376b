"""`python -m benchmarks linear`: reading time against notice length, and crafted notices.

Issue 13 found builds quadratic in a notice's length (100k lines 40 s; 1M lines past 600 s) and
small crafted notices that stalled the loader for minutes. This section extracts one long notice
of N lines and one of a larger M (the real loader, in process, without the per-notice size
limit), prints both times and their ratio against M/N (linear: the ratio is about M/N; quadratic:
its square), then times each crafted notice of `CRAFTED`. The long notices repeat a dense
10-line stretch (headings, sharing prose, list items, a table row, a law) followed by `--blank`
blank lines, 90 by default, so that a million lines is read in minutes (dense text costs about
0.5 ms a line: `--blank 0` for that).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from flowgraph.model import NoticeSource
from flowgraph.pipeline import Extractor
from flowgraph.settings import Settings

# One stretch of a notice, cycled: headings of each kind, list items at two depths, prose broken
# over lines, a blank line, a table row, a law and a numbered heading; `{i}` keeps lines distinct.
STRETCH = (
    "## Who we share your information with {i}",
    "We may share your personal data with HMRC, the police",
    "and other local authorities where the law requires it {i}.",
    "",
    "- Department for Work and Pensions {i}",
    "  - Valuation Office Agency",
    "3. How long we keep it {i}",
    "Records are kept for six years under the Limitation Act 1980.",
    "Retention\tSix years after the account closes {i}",
    "",
)


def long_notice(lines: int, blank: int = 0) -> str:
    """A notice of exactly `lines` lines: `STRETCH` again and again, each time followed by
    `blank` blank lines (the look-ahead to the next non-blank line was the quadratic pass)."""
    cycle = (*STRETCH, *("",) * blank)
    out = [cycle[k % len(cycle)].format(i=k) for k in range(lines)]
    return "\n".join(out) + "\n"


# Crafted notices that stalled the loader before issue 13 (first three: the issue's own).
CRAFTED: dict[str, str] = {
    "heading, 5,000 spaces": "## The law" + " " * 5000 + "# x",
    "item, 3,000 commas": "- HMRC" + "," * 3000 + " x",
    "one 100,000-letter word": "a" * 100_000,
    "100,000 spaces": "Who we share with\n" + " " * 100_000 + "x",
    "100,000 commas": "We share your data with HMRC" + "," * 100_000 + " x",
    "100,000 dashes": "-" * 100_000 + " x",
    "100,000 colons": ":" * 100_000 + " x",
    "20,000 open brackets": "Act (" * 20_000,
    "100,000 square brackets": "[" * 100_000 + "]",
    "50,000 unclosed tags": "<b" * 50_000,
    "25,000 unclosed comments": "<!--" * 25_000 + "<p>x",
    "one 100 kB sentence of names": "We share your data with HMRC, the Police, " * 2_400,
    "2,000 sharing verbs": "We share your data with HMRC and " * 2_000,
    "20,000 headings": "## Who we share your information with\n" * 20_000,
    "20,000-item deep list": "".join("  " * (k % 50) + "- HMRC\n" for k in range(20_000)),
    "30,000 list numbers": "1. " * 30_000,
    "30,000 lines ending mid-sentence": "We share your data with\n\n" * 30_000,
    "50,000-digit section": "Section 1" + "1" * 50_000 + "!",
    "50,000 dotted letters": "a." * 50_000 + "x",
    "20,000 lone keywords": "Rules x " * 20_000,
}


def extract_seconds(extractor: Extractor, text: str, folder: Path) -> float:
    path = folder / "notice.txt"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    extractor.extract(NoticeSource(path, "Test Borough Council"))
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks linear", description=__doc__)
    parser.add_argument("--lines", default="100000,1000000", help="two notice lengths, in lines")
    parser.add_argument(
        "--blank", type=int, default=90, help="blank lines after each 10-line stretch (default 90)"
    )
    parser.add_argument("--no-crafted", action="store_true", help="skip the crafted notices")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    small, large = (int(n) for n in args.lines.split(","))
    extractor = Extractor(Settings(max_notice_bytes=2**62))  # no size limit: length is measured
    extractor.extractor  # noqa: B018 - load the vocabularies before timing
    figures: dict[str, Any] = {"lines": {}, "crafted": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for lines in (small, large):
            text = long_notice(lines, args.blank)
            seconds = extract_seconds(extractor, text, folder)
            figures["lines"][lines] = {"bytes": len(text.encode()), "seconds": round(seconds, 2)}
            print(f"{lines:>9,} lines, {len(text.encode()) / 1e6:6.1f} MB: {seconds:8.2f} s "
                  f"({seconds / lines * 1e6:.0f} µs a line)", flush=True)  # fmt: skip
        ratio = figures["lines"][large]["seconds"] / max(figures["lines"][small]["seconds"], 1e-9)
        figures["ratio"] = round(ratio, 2)
        print(f"time ratio {ratio:.2f} for {large / small:g}x the lines "
              f"(linear: ~{large / small:g}; quadratic: ~{(large / small) ** 2:g})")  # fmt: skip
        if not args.no_crafted:
            for name, text in CRAFTED.items():
                seconds = extract_seconds(extractor, text, folder)
                figures["crafted"][name] = round(seconds, 3)
                print(
                    f"crafted: {name:<34} {len(text.encode()):>8,} B {seconds:6.2f} s", flush=True
                )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
