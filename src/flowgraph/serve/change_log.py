"""The build's log of what changed (`changes.jsonl` in the archive) as the endpoint serves it:
read once per change of the file (a build appends to it, maybe without a new snapshot being
served yet), each entry given the IRIs, notice-page links and review flags the pages, the API
and the Atom feed share, then filtered by date, controller and kind.

The enriched entries depend on the graph (which IRIs exist, which version the notice page
shows), so they are kept per runtime and per state of the log; the state's digest goes into
every ETag of these routes.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flowgraph.errors import BadInput
from flowgraph.history import changes
from flowgraph.history.diff import KINDS, WORDS
from flowgraph.history.render import NEEDS_REVIEW
from flowgraph.ingest.archive import parse_time
from flowgraph.normalise.keys import normalise_key
from flowgraph.query.names import NameProblem, Names
from flowgraph.rdf.iris import Minter
from flowgraph.serve.deps import Runtime

OLD_TEXT_NOTE = (
    "the notice page shows the notice's current text: these offsets count into the version "
    "named here (its text is kept in the archive), not into the page"
)


@dataclass
class ChangeLog:
    """`changes.jsonl`, re-read only when its size or modification time changes."""

    path: Path
    _state: tuple[int, int] | None = None
    digest: str = "none"
    entries: list[dict[str, Any]] = field(default_factory=list)
    enriched: tuple[str, list[dict[str, Any]]] | None = None  # (digest, entries) for this runtime
    lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self) -> tuple[str, list[dict[str, Any]]]:
        """The log's digest and raw entries, oldest first (a stat per call, a read per change)."""
        try:
            stat = self.path.stat()
            state: tuple[int, int] | None = (stat.st_size, stat.st_mtime_ns)
        except OSError:
            state = None
        with self.lock:
            if state != self._state:
                data = b""
                if state is not None:
                    try:
                        data = self.path.read_bytes()
                    except OSError:
                        data = b""
                self.entries = changes.parse(data.decode("utf-8", "replace"))
                self.digest = hashlib.sha256(data).hexdigest()[:16] if data else "none"
                self._state = state
            return self.digest, self.entries


def change_log(runtime: Runtime) -> ChangeLog:
    return runtime.once(
        "change log", lambda: ChangeLog(runtime.settings.archive_dir / changes.LOG_NAME)
    )


def log_digest(runtime: Runtime) -> str:
    return change_log(runtime).current()[0]


# ---------------------------------------------------------------------------- enriching
def enriched(runtime: Runtime) -> tuple[str, list[dict[str, Any]]]:
    """Every entry in the API's shape, newest first, and the log's digest (call it off the
    event loop: the first call of a runtime reads the graph's names)."""
    log = change_log(runtime)
    digest, raw = log.current()
    kept = log.enriched
    if kept is not None and kept[0] == digest:
        return kept
    from flowgraph.serve.names import names_of

    context = _Context(runtime, names_of(runtime) if raw else Names([]))
    entries = [context.entry(e) for e in raw]
    entries.sort(key=lambda e: e["new"]["retrieved"] if e["new"] else "", reverse=True)
    log.enriched = (digest, entries)
    return log.enriched


class _Context:
    """What one enrichment needs from the graph: its names, IRIs, and the notices' files."""

    def __init__(self, runtime: Runtime, names: Names) -> None:
        from flowgraph.serve.entity_page import _notice_sources

        self.runtime = runtime
        self.names = names
        self.minter = Minter(runtime.settings.base_iri)
        self.sources = {r.get("id"): r for r in _notice_sources(runtime).values()}
        self.exists: dict[str, bool] = {}

    def known(self, iri: str) -> bool:
        if iri in self.names.by_iri:
            return True
        if iri not in self.exists:
            from flowgraph.serve.pages import _rows

            try:
                self.exists[iri] = bool(_rows(self.runtime, "entity-exists", entity=iri))
            except Exception:  # noqa: BLE001 - a link the page can do without
                self.exists[iri] = False
        return self.exists[iri]

    def controller_iri(self, name: str) -> str | None:
        try:
            return self.names.resolve(name, "controller", "controller").iri
        except NameProblem:
            return None

    def fact_iri(self, kind: str, key: str) -> str | None:
        base = self.minter.base
        if kind == "recipient":
            candidates = [f"{base}org/{key}", f"{base}category/{key}", f"{base}unresolved/{key}"]
        elif kind == "law":
            candidates = [self.minter.law(key)]
        elif kind == "transfer":
            candidates = [self.minter.concept("location", key)]
        else:
            return None
        return next((c for c in candidates if self.known(c)), None)

    def entry(self, raw: dict[str, Any]) -> dict[str, Any]:
        notice = str(raw.get("notice", ""))
        new, old = raw.get("new"), raw.get("old")
        notice_iri = self.minter.notice(notice)
        source = self.sources.get(notice) or {}
        file = source.get("file") or (self.names.by_iri.get(notice_iri) or _NoFile).file
        current_sha = source.get("sha256")
        controller = str(raw.get("controller", ""))
        services = []
        for service in raw.get("services") or []:
            listed = []
            for change in service.get("changes") or []:
                kind, what = change.get("kind", ""), change.get("change", "")
                listed.append(
                    {
                        "kind": kind,
                        "change": what,
                        "words": change.get("words") or WORDS.get((kind, what), f"{kind} {what}"),
                        "key": change.get("key", ""),
                        "label": change.get("label", ""),
                        "iri": self.fact_iri(kind, str(change.get("key", ""))),
                        "needs_review": (kind, what) in NEEDS_REVIEW,
                        "old": [
                            self.quote(q, old, file, current_sha) for q in change.get("old") or []
                        ],
                        "new": [
                            self.quote(q, new, file, current_sha) for q in change.get("new") or []
                        ],
                    }
                )
            services.append(
                {
                    "service": service.get("service"),
                    "label": service.get("service") or "the whole notice",
                    "changes": listed,
                }
            )
        identity = hashlib.sha256(f"{notice}\n{(new or {}).get('sha256', '')}".encode()).hexdigest()
        count = sum(len(s["changes"]) for s in services)
        return {
            "id": f"urn:sha256:{identity}",
            "anchor": f"c-{identity[:12]}",
            "notice": notice,
            "notice_iri": notice_iri if self.known(notice_iri) else None,
            "notice_file": file,
            "notice_page": f"/notice/{_quote_path(file)}" if file else None,
            "controller": controller,
            "controller_iri": self.controller_iri(controller) if controller else None,
            "old": old,
            "new": new,
            "count": count,
            "needs_review": any(c["needs_review"] for s in services for c in s["changes"]),
            "services": services,
        }

    def quote(
        self,
        quote: dict[str, Any],
        version: dict[str, Any] | None,
        file: str | None,
        current_sha: str | None,
    ) -> dict[str, Any]:
        from flowgraph.serve.entity_page import notice_href

        sha = (version or {}).get("sha256", "")
        start, end = int(quote.get("start", 0)), int(quote.get("end", 0))
        shown = bool(file) and bool(sha) and sha == current_sha
        page = f"/notice/{_quote_path(file)}" if file else None
        out = {
            "text": quote.get("text", ""),
            "start": start,
            "end": end,
            "line": quote.get("line"),
            "sha256": sha,
            "page_shows_this_version": shown,
            "href": notice_href(file, start, end) if shown else page,
        }
        if not shown:
            out["note"] = OLD_TEXT_NOTE
        return out


class _NoFile:
    file = None


def _quote_path(file: str) -> str:
    from urllib.parse import quote

    return quote(file)


# ---------------------------------------------------------------------------- filtering
@dataclass(frozen=True)
class Filters:
    since: str | None = None
    controller: str | None = None
    kind: str | None = None
    limit: int = 50

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "controller": self.controller,
            "kind": self.kind,
            "limit": self.limit,
        }

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (those set)."""
        out = {k: str(v) for k, v in self.as_json().items() if v and k != "limit"}
        if self.limit != DEFAULT_LIMIT:
            out["limit"] = str(self.limit)
        return out


DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


def filters(
    since: str | None, controller: str | None, kind: str | None, limit: int | None
) -> Filters:
    """The request's filters checked (an empty form field is no filter)."""
    since = (since or "").strip() or None
    if since is not None:
        try:
            parse_time(since)
        except ValueError:
            raise BadInput(
                f"since={since!r} is not a date (YYYY-MM-DD) or date-time (2026-12-02T14:05:00Z)"
            ) from None
    kind = (kind or "").strip() or None
    if kind is not None and kind not in KINDS:
        raise BadInput(f"kind={kind!r} is not one of {', '.join(KINDS)}")
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit must be between 1 and {MAX_LIMIT}")
    return Filters(since, (controller or "").strip() or None, kind, limit)


def controller_target(runtime: Runtime, name: str | None) -> tuple[str | None, str | None]:
    """The IRI and the name-key a controller filter matches entries by: a name or IRI the graph
    knows (a NameProblem otherwise), or a council only the log still names."""
    if not name:
        return None, None
    from flowgraph.serve.names import names_of

    try:
        found = names_of(runtime).resolve(name, "controller", "controller")
        return found.iri, _key(found.label)
    except NameProblem:
        wanted = name.rstrip("/").rsplit("/", 1)[-1] if "://" in name else name
        if any(_key(e.get("controller", "")) == _key(wanted) for e in change_log(runtime).current()[1]):  # fmt: skip
            return None, _key(wanted)
        raise


def _key(name: str) -> str:
    return normalise_key(str(name).replace("-", " "))


def select(
    entries: list[dict[str, Any]], chosen: Filters, controller: tuple[str | None, str | None]
) -> list[dict[str, Any]]:
    """The entries the filters keep (a kind keeps only its changes), at most `limit`."""
    since: datetime | None = parse_time(chosen.since) if chosen.since else None
    iri, key = controller
    out = []
    for entry in entries:
        new = entry.get("new") or {}
        if since is not None:
            try:
                if parse_time(new.get("retrieved", "")) < since:
                    continue
            except ValueError:
                continue
        if iri or key:
            same = (iri is not None and entry["controller_iri"] == iri) or (
                key is not None and _key(entry["controller"]) == key
            )
            if not same:
                continue
        if chosen.kind:
            services = [
                {**s, "changes": [c for c in s["changes"] if c["kind"] == chosen.kind]}
                for s in entry["services"]
            ]
            services = [s for s in services if s["changes"]]
            if not services:
                continue
            changes_ = [c for s in services for c in s["changes"]]
            entry = {
                **entry,
                "services": services,
                "count": len(changes_),
                "needs_review": any(c["needs_review"] for c in changes_),
            }
        out.append(entry)
        if len(out) >= chosen.limit:
            break
    return out


def for_entity(
    runtime: Runtime, controller_iri: str | None = None, notice_iri: str | None = None, n: int = 5
) -> list[dict[str, Any]]:
    """The latest changes of one council or one notice, for its entity page."""
    _, entries = enriched(runtime)
    return [
        e
        for e in entries
        if (controller_iri and e["controller_iri"] == controller_iri)
        or (notice_iri and e["notice_iri"] == notice_iri)
    ][:n]
