"""Diffs between any two archived versions, on demand (`flowgraph diff`, `flowgraph check
--since`): each version's text is read from the archive and extracted with today's loader, so
both sides are read the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from flowgraph.errors import BadInput, NoticeError
from flowgraph.history import changes
from flowgraph.history.diff import NoticeDiff, compare, labels_of
from flowgraph.ingest.archive import Archive, Version
from flowgraph.ingest.manifest import discover
from flowgraph.model import NoticeExtraction, NoticeSource
from flowgraph.normalise.keys import normalise_key
from flowgraph.pipeline import Extractor
from flowgraph.settings import Settings


@dataclass
class VersionDiffer:
    settings: Settings
    archive: Archive
    _extracted: dict[tuple[str, str], NoticeExtraction] = field(default_factory=dict)

    @cached_property
    def current(self) -> dict[str, NoticeSource]:
        """The workspace's notices as the manifest lists them (controllers, formats)."""
        sources, _ = discover([self.settings.notices_dir])
        return {s.notice_id: s for s in sources}

    @cached_property
    def extractor(self) -> Extractor:
        extractor = Extractor(self.settings)
        known = list(self.current.values())
        known += [NoticeSource(Path(v.notice), v.controller) for v in self.archive.versions() if v.controller]  # fmt: skip
        extractor.register_controllers(known)
        return extractor

    @cached_property
    def labels(self) -> dict[str, str]:
        return labels_of(self.extractor.vocabulary)

    def source(self, version: Version, path: Path | None = None) -> NoticeSource:
        listed = self.current.get(version.notice)
        return NoticeSource(
            path or self.archive.path(version),
            version.controller or (listed.controller if listed else ""),
            version.service or (listed.service if listed else None),
            format_hint=listed.format_hint if listed else None,
        )

    def extract(self, version: Version) -> NoticeExtraction:
        key = (version.notice, version.sha256)
        if key not in self._extracted:
            self._extracted[key] = self.extractor.extract(self.source(version))
        return self._extracted[key]

    def between(self, old: Version | None, new: Version) -> NoticeDiff:
        """`old` to `new` of one notice (`old` None or a removal: the notice is new, every fact
        added; `new` a removal: every fact removed)."""
        before = self.extract(old) if old is not None and not old.removed else None
        after = self.extract(new) if not new.removed else None  # removed: every fact goes
        return compare(before, after, new.notice, new.controller,
                       changes.version_meta(old), changes.version_meta(new), self.labels)  # fmt: skip

    def since(self, moment: datetime, controller: str | None = None) -> list[NoticeDiff]:
        """Each notice's changes from its version current at `moment` to its latest."""
        then = self.archive.as_of(moment)
        out = []
        for notice, latest in sorted(self.archive.latest_by_notice().items()):
            if not _controller_matches(latest, controller):
                continue
            old = then.get(notice)
            if (old is None and latest.removed) or (
                old is not None and old.sha256 == latest.sha256
            ):
                continue
            out.append(self.between(old, latest))
        return out

    def latest_changes(self, controller: str | None = None) -> list[NoticeDiff]:
        """Each notice's latest version against the one before it (notices with one version:
        nothing to compare)."""
        out = []
        for _, latest in sorted(self.archive.latest_by_notice().items()):
            previous = self.archive.previous(latest)
            if previous is not None and _controller_matches(latest, controller):
                out.append(self.between(previous, latest))
        return out

    def files(self, old: Path, new: Path, controller: str | None) -> NoticeDiff:
        """Two notice files compared (the controller from the option, else from the manifest
        row of either file's name)."""
        listed = self.current.get(new.stem) or self.current.get(old.stem)
        name = controller or (listed.controller if listed else None)
        if not name:
            raise BadInput(
                f"say whose notice {new.name} is with --controller (it is not in the manifest)"
            )
        sources = []
        for path in (old, new):
            if not path.is_file():
                raise BadInput(f"{path}: file not found")
            service, layout = (listed.service, listed.format_hint) if listed else (None, None)
            sources.append(NoticeSource(path, name, service, format_hint=layout))
        self.extractor.register_controllers(sources)
        try:
            before, after = (self.extractor.extract(s) for s in sources)
        except NoticeError as exc:
            raise BadInput(str(exc)) from exc
        return compare(
            before, after, new.stem, name, {"file": str(old)}, {"file": str(new)}, self.labels
        )


def _controller_matches(version: Version, controller: str | None) -> bool:
    """`controller` given as a name (any case) or an organisation IRI."""
    if controller is None:
        return True
    wanted = controller.rstrip("/").rsplit("/", 1)[-1] if "://" in controller else controller
    return _slug(wanted) == _slug(version.controller)


def _slug(name: str) -> str:
    return normalise_key(name.replace("-", " ")).replace(" ", "-")
