"""Extraction accuracy on real notices with gold annotations, and extraction speed against a baseline.

    python -m benchmarks extraction                      # tests/data/corpus/ and the five sample notices
    python -m benchmarks extraction --show               # also what was missed and what was extra
    python -m benchmarks extraction --only wigan         # notices whose file name contains "wigan"
    python -m benchmarks extraction --manifest OTHER/manifest.json --no-samples
    python -m benchmarks extraction --json figures.json
    python -m benchmarks extraction --speed [--baseline ea4663b] [--speed-councils 50] [--speed-repeat 5]

Accuracy: every notice is extracted in this process with the functions `flowgraph extract FILE
--controller NAME --format json` uses (a fresh `Extractor` per notice, as each command has; the
JSON round-tripped, so the scorer reads exactly what the command prints), and scored with
`benchmarks.accuracy`, the rules of `../shared/corpus/score.py`. Prints one row per notice and the
micro-averaged precision and recall per field for each corpus.

The five sample notices (data/notices/) have no hand annotation in the corpus's shape; their gold is
derived from the reviewed golden facts, tests/data/expected/*.facts.json (see `sample_cases`), and
they are extracted as `flowgraph extract data/notices/FILE` reads them (from the manifest beside
them, with its format hints and every controller known).

Speed (--speed): the synthetic corpus of `--speed-councils` councils (`flowgraph synth`, seed 1) is
extracted, notice by notice in one process as `flowgraph build` does, by the working tree and by
the baseline ref checked out into a temporary `git worktree` (each run a fresh process with
PYTHONPATH at that tree's src/, timed from before the vocabularies load to the last notice, so
interpreter start-up is left out), interleaved, after one untimed warm-up run of each; prints the
median seconds of each and the ratio working tree / baseline (target <= 1.1).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.accuracy import (
    FIELDS,
    MAIN_FIELDS,
    NoticeScore,
    figures,
    pr,
    score_notice,
    totals,
)
from benchmarks.resolution import Resolution, resolution
from flowgraph.settings import PROJECT_ROOT, Settings

CORPUS_MANIFEST = PROJECT_ROOT / "tests" / "data" / "corpus" / "manifest.json"
SAMPLE_NOTICES = PROJECT_ROOT / "data" / "notices"
SAMPLE_EXPECTED = PROJECT_ROOT / "tests" / "data" / "expected"
BASELINE = "ea4663b"
SPEED_TARGET = 1.1
RESOLUTION_TARGET = 0.95
GDPR_BASES = ("consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests")  # fmt: skip


# ----------------------------------------------------------------------------- extraction


def extract_json(
    path: Path,
    controller: str | None = None,
    service: str | None = None,
    settings: Settings | None = None,
) -> list[dict[str, Any]]:
    """What `flowgraph extract PATH [--controller NAME] [--service S] --format json` prints, parsed.

    The same steps as the command (src/flowgraph/cli.py `extract`): a fresh Extractor, the
    controllers of a manifest.csv beside the file registered, the source taken from that manifest
    unless a controller is given. Raises what the command would report as an error.
    """
    from flowgraph.errors import FlowgraphError
    from flowgraph.ingest.manifest import read_manifest
    from flowgraph.model import NoticeSource
    from flowgraph.pipeline import Extractor
    from flowgraph.rdf.iris import Minter
    from flowgraph.report.extraction import extraction_json

    settings = settings or Settings()
    extractor = Extractor(settings)
    source = None
    manifest = path.parent / "manifest.csv"
    if manifest.exists():
        sources, _ = read_manifest(manifest)
        extractor.register_controllers(sources)
        source = next((s for s in sources if s.path == path.resolve()), None)
    if controller:
        source = NoticeSource(path.resolve(), controller, service)
    if source is None:
        raise FlowgraphError(f"{path}: not in a manifest; give --controller NAME")
    extraction = extractor.extract(source)
    data = extraction_json(extraction, Minter(settings.base_iri))
    return json.loads(json.dumps(data, ensure_ascii=False))


# ----------------------------------------------------------------------------- gold


@dataclass
class Case:
    """One notice to score: the file, the controller to extract it with (None: from the manifest
    beside it), and its gold in the corpus's schema."""

    name: str
    path: Path
    controller: str | None
    gold: dict[str, Any]


def corpus_cases(manifest: Path) -> list[Case]:
    root = manifest.resolve().parent
    cases = []
    for entry in json.loads(manifest.read_text(encoding="utf-8")):
        gold = json.loads((root / entry["gold"]).read_text(encoding="utf-8"))
        path = root / entry["file"]
        cases.append(Case(path.name, path, gold["controller"], gold))
    return cases


def sample_gold(facts: list[dict[str, Any]], controller: str) -> dict[str, Any]:
    """The corpus's gold schema derived from a reviewed golden facts file.

    Per service: recipients are the entries with role "stated" (the items and phrases the notice
    gives data to); entries with role "example" or "mentioned" (organisations named inside an item,
    "HMRC" in "Government departments e.g. HMRC") are `named_in_recipient_items`, correct when
    extracted and never required; laws are "title year" as `flowgraph extract` writes them; bases
    the distinct Art 6 codes among the legal bases (Art 9/10 conditions left out); purposes and
    retention their texts; transfers the statements of a transfer abroad. The facts files do not
    record data categories, so that field is not scored for these notices.
    """
    services = []
    for s in facts:
        services.append(
            {
                "service": s["service"] or "",
                "recipients": [r[1] for r in s["recipients"] if r[0] == "stated"],
                "named_in_recipient_items": [r[1] for r in s["recipients"] if r[0] != "stated"],
                "purposes": list(s["purposes"]),
                "legal_bases": {
                    "gdpr_bases": list(
                        dict.fromkeys(b[0] for b in s["legal_bases"] if b[0] in GDPR_BASES)
                    ),
                    "laws": [f"{title} {year}" if year else title for title, year, _ in s["laws"]],
                },
                "transfers": [
                    {
                        "text": "",
                        "destination": ", ".join(to) or None,
                        "safeguard": ", ".join(safe) or None,
                    }
                    for to, _via, safe in s["transfers"]
                ],
                "retention": [r[0] for r in s["retention"]],
                "unannotated": ["data_categories"],
            }
        )
    return {"controller": controller, "services": services}


def sample_cases(notices: Path = SAMPLE_NOTICES, expected: Path = SAMPLE_EXPECTED) -> list[Case]:
    with (notices / "manifest.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cases = []
    for row in rows:
        facts_file = expected / row["file"].rsplit(".", 1)[0]
        facts_file = facts_file.with_name(facts_file.name + ".facts.json")
        if not facts_file.exists():
            continue
        facts = json.loads(facts_file.read_text(encoding="utf-8"))
        gold = sample_gold(facts, row["controller"])
        cases.append(Case(row["file"], notices / row["file"], None, gold))
    return cases


# ----------------------------------------------------------------------------- scoring


def score_cases(cases: Iterable[Case], settings: Settings | None = None) -> list[NoticeScore]:
    from flowgraph.normalise.gazetteer import Gazetteer
    from flowgraph.normalise.vocab import Vocabulary

    settings = settings or Settings()
    gazetteer = Gazetteer(Vocabulary(settings.vocab_dir))  # what each body's identifiers are
    scores = []
    for case in cases:
        failed = None
        try:
            got = extract_json(case.path, case.controller, settings=settings)
        except Exception as exc:  # noqa: BLE001 - any failure: the notice counts as all missed
            got, failed = [], f"{type(exc).__name__}: {exc}"
        score = score_notice(case.name, case.gold, got, failed)
        score.resolution = resolution(got, gazetteer)
        scores.append(score)
    return scores


def resolution_total(scores: list[NoticeScore]) -> Resolution:
    total = Resolution()
    for s in scores:
        if s.resolution is not None:
            total.add(s.resolution)
    return total


def report(name: str, scores: list[NoticeScore]) -> dict[str, Any]:
    named = resolution_total(scores)
    return {
        "figures": figures(scores),
        "resolution": {
            "identified": named.identified,
            "named": named.named,
            "share": round(named.share, 4),
            "without_identifier": dict(named.missing.most_common()),
        },
        "failed": sum(1 for s in scores if s.failed),
        "notices": [
            {"file": s.name, **{f: list(c) for f, c in s.counts.items()}}
            | ({"failed": s.failed} if s.failed else {})
            for s in scores
        ],
    }


def read_floors(manifest: Path, part: str = "corpus") -> dict[str, dict[str, float]]:
    """The floors a corpus's figures must hold (floors.json beside its manifest, if any):
    `part` "corpus" for the corpus itself, "samples" for the five sample notices."""
    floors = manifest.resolve().parent / "floors.json"
    if not floors.exists():
        return {}
    chosen = json.loads(floors.read_text(encoding="utf-8")).get(part, {})
    return {k: v for k, v in chosen.items() if k in FIELDS}


# ----------------------------------------------------------------------------- printing


def _cell(c: list[int] | None) -> str:
    if c is None:
        return "—"
    return f"{c[0]}/{c[1]} · {c[2]}/{c[3]}"


def print_corpus(
    console: Console,
    title: str,
    scores: list[NoticeScore],
    show: bool,
    floors: dict[str, dict[str, float]],
) -> None:
    per = Table(title=f"{title}: per notice (correct/extracted · found/gold)", title_justify="left")
    per.add_column("notice", no_wrap=True)
    for f in FIELDS:
        per.add_column(f.replace("_", " "), justify="right", no_wrap=True)
    for s in scores:
        name = s.name + (" [red](extract failed)[/red]" if s.failed else "")
        per.add_row(name, *(_cell(s.counts.get(f)) for f in FIELDS))
    console.print(per)
    for s in scores:
        if s.failed:
            console.print(f"{s.name}: extract failed: {s.failed}", markup=False, highlight=False)
        if not show:
            continue
        lines = [
            f"    {kind} {f}: {items}"
            for f in MAIN_FIELDS
            for kind, items in (("missed", s.missed.get(f)), ("extra", s.extra.get(f)))
            if items
        ]
        if lines:
            console.print(s.name, markup=False, highlight=False)
            console.print("\n".join(lines), markup=False, highlight=False)

    figs = figures(scores)
    tot = totals(scores)
    summary = Table(
        title=f"{title}: micro-averaged over {len(scores)} notices", title_justify="left"
    )
    for column in ("field", "P", "R", "correct/extracted", "found/gold"):
        summary.add_column(column, justify="left" if column == "field" else "right")
    if floors:
        summary.add_column("floor P/R", justify="right")
    for f in FIELDS:
        if f not in figs:
            summary.add_row(f.replace("_", " "), "—", "—", "—", "—", *(["—"] if floors else []))
            continue
        p, r = pr(tot[f])
        row = [f.replace("_", " "), f"{p:.3f}", f"{r:.3f}", f"{tot[f][0]}/{tot[f][1]}", f"{tot[f][2]}/{tot[f][3]}"]  # fmt: skip
        if floors:
            fl = floors.get(f)
            ok = fl is None or (p >= fl["P"] and r >= fl["R"])
            row.append(
                "—"
                if fl is None
                else f"{fl['P']:.2f}/{fl['R']:.2f} " + ("ok" if ok else "[red]BELOW[/red]")
            )
        summary.add_row(*row)
    console.print(summary)
    failed = sum(1 for s in scores if s.failed)
    line = " | ".join(f"{f} P={figs[f]['P']:.3f} R={figs[f]['R']:.3f}" for f in MAIN_FIELDS)
    console.print(f"{title}: {line} | failed notices {failed}", markup=False, highlight=False)
    named = resolution_total(scores)
    verdict = "met" if named.share >= RESOLUTION_TARGET else "NOT met"
    console.print(
        f"{title}: named organisations resolved to an entity with an identifier "
        f"{named.identified}/{named.named} = {named.share:.3f} "
        f"(target >= {RESOLUTION_TARGET}: {verdict})",
        markup=False,
        highlight=False,
    )
    if show and named.missing:
        listed = ", ".join(f"{name} ({n})" for name, n in named.missing.most_common())
        console.print(f"    without an identifier: {listed}", markup=False, highlight=False)
    console.print()


# ----------------------------------------------------------------------------- speed

SPEED_SCRIPT = """
import json, sys, time
from pathlib import Path
import flowgraph
from flowgraph.ingest.manifest import read_manifest
from flowgraph.pipeline import Extractor
from flowgraph.settings import Settings
corpus = Path(sys.argv[1])
started = time.perf_counter()
extractor = Extractor(Settings())
sources, _ = read_manifest(corpus / "manifest.csv")
extractor.register_controllers(sources)
recipients = 0
for source in sources:
    recipients += sum(len(s.recipients) for s in extractor.extract(source).services)
print(json.dumps({"seconds": time.perf_counter() - started, "notices": len(sources),
                  "recipients": recipients, "module": flowgraph.__file__}))
"""


def run_extraction(src: Path, corpus: Path) -> dict[str, Any]:
    """One timed extraction of the corpus by the flowgraph under `src`, in a fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWGRAPH_")}
    env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, "-c", SPEED_SCRIPT, str(corpus)],
        env=env,
        cwd=src.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"extraction under {src} failed: {done.stderr.strip()[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    module = Path(result["module"]).resolve()
    if not module.is_relative_to(src.resolve()):
        raise RuntimeError(f"imported {module}, not the flowgraph under {src}")
    return result


def interleave(
    runs: dict[str, Callable[[], dict[str, Any]]], repeat: int
) -> dict[str, list[dict[str, Any]]]:
    """One untimed warm-up of each, then `repeat` rounds alternating which goes first."""
    for run in runs.values():
        run()
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in runs}
    names = list(runs)
    for i in range(repeat):
        for name in names if i % 2 == 0 else names[::-1]:
            out[name].append(runs[name]())
    return out


def speed(baseline: str, councils: int, repeat: int, console: Console) -> dict[str, Any]:
    from flowgraph.synth.corpus import write_corpus

    with tempfile.TemporaryDirectory(prefix="flowgraph-extract-speed-") as work:
        corpus = Path(work) / "corpus"
        notices = write_corpus(corpus, councils, seed=1)
        tree = Path(work) / "baseline"
        git = ["git", "-C", str(PROJECT_ROOT)]
        subprocess.run(
            [*git, "worktree", "add", "--detach", str(tree), baseline],
            check=True,
            capture_output=True,
            text=True,
        )
        commit = subprocess.run(
            [*git, "rev-parse", "--short", baseline], check=True, capture_output=True, text=True
        ).stdout.strip()
        try:
            console.print(
                f"extracting {notices} synthetic notices of {councils} councils: working tree vs "
                f"{baseline} ({commit}), {repeat} interleaved runs each after a warm-up ...",
                highlight=False,
            )
            results = interleave(
                {
                    "working tree": lambda: run_extraction(PROJECT_ROOT / "src", corpus),
                    "baseline": lambda: run_extraction(tree / "src", corpus),
                },
                repeat,
            )
        finally:
            subprocess.run(
                [*git, "worktree", "remove", "--force", str(tree)], check=False, capture_output=True
            )
            subprocess.run([*git, "worktree", "prune"], check=False, capture_output=True)
    medians = {name: statistics.median(r["seconds"] for r in rs) for name, rs in results.items()}
    ratio = medians["working tree"] / medians["baseline"]
    figures_ = {
        "councils": councils,
        "notices": notices,
        "baseline": baseline,
        "baseline_commit": commit,
        "repeat": repeat,
        "seconds": {name: [round(r["seconds"], 3) for r in rs] for name, rs in results.items()},
        "median_s": {name: round(m, 3) for name, m in medians.items()},
        "recipients": {name: rs[0]["recipients"] for name, rs in results.items()},
        "ratio": round(ratio, 3),
        "target": SPEED_TARGET,
        "met": ratio <= SPEED_TARGET,
    }
    table = Table(
        title=f"extraction of the {councils}-council synthetic corpus ({notices} notices)",
        title_justify="left",
    )
    for column in ("tree", "median s", "runs (s)", "recipients read"):
        table.add_column(column, justify="left" if column == "tree" else "right")
    for name, rs in results.items():
        label = name if name != "baseline" else f"baseline {baseline} ({commit})"
        runs = " ".join(f"{r['seconds']:.2f}" for r in rs)
        table.add_row(label, f"{medians[name]:.2f}", runs, str(rs[0]["recipients"]))
    console.print(table)
    verdict = "met" if figures_["met"] else "NOT met"
    console.print(
        f"speed: ratio working tree / baseline = {ratio:.3f} (target <= {SPEED_TARGET}: {verdict})",
        highlight=False,
    )
    return figures_


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks extraction",
        description=__doc__.split("\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.split("\n")[2:9]),
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        action="append",
        help=f"a corpus manifest.json (repeatable; default {CORPUS_MANIFEST.relative_to(PROJECT_ROOT)})",
    )
    parser.add_argument("--no-samples", action="store_true", help="skip the five sample notices")
    parser.add_argument("--only", help="score only notices whose file name contains this")
    parser.add_argument("--show", action="store_true", help="list missed and extra recipients, laws and bases")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--speed", action="store_true", help="also measure extraction speed against --baseline")  # fmt: skip
    parser.add_argument("--baseline", default=BASELINE, help=f"git ref to compare speed with (default {BASELINE})")  # fmt: skip
    parser.add_argument("--speed-councils", type=int, default=50, help="synthetic corpus size (default 50)")  # fmt: skip
    parser.add_argument("--speed-repeat", type=int, default=5, help="timed runs of each tree (default 5)")  # fmt: skip
    args = parser.parse_args(argv)

    console = Console(width=None if sys.stdout.isatty() else 220)
    settings = Settings()
    manifests = args.manifest or [CORPUS_MANIFEST]
    corpora: list[tuple[str, list[Case], dict[str, dict[str, float]]]] = []
    for manifest in manifests:
        name = "corpus" if len(manifests) == 1 else f"corpus {manifest}"
        corpora.append((name, corpus_cases(manifest), read_floors(manifest)))
    if not args.no_samples:
        corpora.append(("samples", sample_cases(), read_floors(CORPUS_MANIFEST, "samples")))

    document: dict[str, Any] = {"corpora": {}}
    for name, cases, floors in corpora:
        chosen = [c for c in cases if not args.only or args.only in c.name]
        if not chosen:
            continue
        started = time.perf_counter()
        scores = score_cases(chosen, settings)
        seconds = time.perf_counter() - started
        # floors hold for a whole corpus, so they are shown only when every notice was scored
        print_corpus(console, name, scores, args.show, {} if args.only else floors)
        document["corpora"][name] = report(name, scores) | {"seconds": round(seconds, 2)}
    if not document["corpora"]:
        console.print(f"no notice matches --only {args.only!r}", highlight=False)
        return 2
    if args.speed:
        document["speed"] = speed(args.baseline, args.speed_councils, args.speed_repeat, console)
    if args.json:
        args.json.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
