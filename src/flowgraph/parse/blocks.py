"""The one intermediate shape every layout parser produces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flowgraph.parse.located import Located

BlockKind = Literal["heading", "label", "item", "para"]


@dataclass(frozen=True)
class Block:
    """A heading, a table row label, a list item or a paragraph, with its decoded text.

    `depth` is the heading level for headings and the list nesting for items. `hard` marks a
    heading that certainly ends the previous section (Markdown `#`, HTML `<h2>`, a question line);
    a soft heading is a short bare line that may equally be an unbulleted list item.
    """

    kind: BlockKind
    text: Located
    depth: int = 0
    hard: bool = True
    column: int = 0  # table cell index: 0 outside tables and in a row's first (label) cell
