"""Notice -> extraction: the ingest, parse and normalise steps run for one notice."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from flowgraph.ingest.reader import read_notice
from flowgraph.model import NoticeExtraction, NoticeSource
from flowgraph.normalise.extract import NoticeExtractor
from flowgraph.normalise.gazetteer import Gazetteer
from flowgraph.normalise.laws import LawResolver
from flowgraph.normalise.vocab import Vocabulary
from flowgraph.parse.layout import parse_blocks
from flowgraph.settings import Settings


@dataclass
class Extractor:
    """Holds the loaded vocabularies so that many notices are read with one set."""

    settings: Settings

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.settings.vocab_dir)

    @cached_property
    def gazetteer(self) -> Gazetteer:
        return Gazetteer(self.vocabulary, self.settings.fuzzy_threshold)

    @cached_property
    def extractor(self) -> NoticeExtractor:
        return NoticeExtractor(self.vocabulary, self.gazetteer, LawResolver(self.vocabulary.laws))

    def register_controllers(self, sources: list[NoticeSource]) -> None:
        """Every controller is known before any notice is read, so recipients resolve to them."""
        for source in sources:
            self.gazetteer.add_controller(source.controller)

    def extract(self, source: NoticeSource, *, explain: bool = False) -> NoticeExtraction:
        notice = read_notice(source, self.settings.max_notice_bytes)
        layout, blocks = parse_blocks(notice.text, self.vocabulary.headings, source.format_hint)
        return self.extractor.extract(notice, blocks, layout, explain=explain)
