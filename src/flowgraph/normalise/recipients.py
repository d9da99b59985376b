"""A list item from a sharing section -> the recipient as written, plus its named examples.

"Government Departments e.g. HMRC, DWP, DLHUC" gives the category (as written) and one
recipient per example (resolved, typos included); other gazetteer mentions inside the item
("... Trading Standards, HMRC") are kept too, so nothing the item names is lost.
"""

from __future__ import annotations

import re

from flowgraph.model import EntityRef, Notice, Recipient
from flowgraph.normalise.evidence import evidence, unresolved
from flowgraph.normalise.gazetteer import Gazetteer, Mention
from flowgraph.parse.located import Located, clean_item

EXAMPLE_MARKER = re.compile(
    r"(?:\b(?:e\.?\s?g|eg|i\.e)\b\.?|\bsuch as\b|\bincluding\b|\bfor example\b|\bfor instance\b|\binc\.)\s*:?\s*",
    re.I,
)
_PIECE_END = re.compile(r"\s*(?:\betc\b\.?|\.\.\.)\s*$", re.I)
_MODIFIER_AFTER = re.compile(
    r"^['’]?s?\s+(?:number|numbers|records?|data|website|sector|guidance|funds|policy|policies|accounts?|codes?|funding|card|app)\b",
    re.I,
)


def real_mentions(gazetteer: Gazetteer, text: Located) -> list[Mention]:
    """Mentions that name an entity, not those used as a modifier ("NHS number")."""
    return [
        m for m in gazetteer.find_mentions(text) if not _MODIFIER_AFTER.match(text.text[m.end :])
    ]


def split_examples(text: Located) -> list[Located]:
    """Split an example list at commas, semicolons, sentence stops and dashes; parentheses
    open a nested list of their own."""
    pieces: list[Located] = []
    start, depth, nested_from = 0, 0, 0
    raw = text.text

    def cut(i: int, j: int) -> None:
        piece = text.sub(i, j).strip(" ,;:.–-")
        marker = EXAMPLE_MARKER.match(piece.text)
        if marker:
            piece = piece.sub(marker.end(), len(piece))
        piece = (
            piece.sub(0, _PIECE_END.search(piece.text).start())
            if _PIECE_END.search(piece.text)
            else piece
        )
        if piece:
            pieces.append(piece.strip(" ,;:.–-"))

    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "(":
            if depth == 0:
                cut(start, i)
                nested_from = i + 1
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                pieces.extend(split_examples(text.sub(nested_from, i)))
                start = i + 1
        elif depth == 0 and (
            ch in ",;"
            or (ch == "." and raw[i + 1 : i + 2] == " ")
            or raw.startswith(" – ", i)
            or raw.startswith(" - ", i)
        ):
            cut(start, i)
            start = i + 1
        i += 1
    if depth == 0:
        cut(start, len(raw))
    else:
        cut(start, nested_from - 1)
        pieces.extend(split_examples(text.sub(nested_from, len(raw))))
    return [p for p in pieces if p]


def _inside_parentheses(text: str, at: int) -> bool:
    return text.count("(", 0, at) > text.count(")", 0, at)


def _name_like(text: str) -> bool:
    return bool(re.match(r"^[A-Z0-9]", text)) and len(text.split()) <= 6


class ItemResolver:
    def __init__(self, gazetteer: Gazetteer, notice: Notice) -> None:
        self.gazetteer = gazetteer
        self.notice = notice

    def head(self, head: Located) -> EntityRef:
        ref = self.gazetteer.resolve_phrase(head.text)
        if ref:
            return ref
        mentions = [
            m
            for m in real_mentions(self.gazetteer, head)
            if not _inside_parentheses(head.text, m.start)
        ]
        if mentions:
            return mentions[0].entity
        return unresolved(head.text)

    def examples(self, tail: Located, context: str | None) -> list[tuple[Located, EntityRef]]:
        out: list[tuple[Located, EntityRef]] = []
        for piece in split_examples(tail):
            ref = self.gazetteer.resolve_phrase(piece.text, context=context)
            if ref:
                out.append((piece, ref))
                continue
            parts = [p for p in re.split(r"\s+(?:and|or)\s+|\s*/\s*", piece.text) if p.strip()]
            resolved = (
                [self.gazetteer.resolve_phrase(p, context=context) for p in parts]
                if len(parts) > 1
                else []
            )
            if resolved and all(resolved):
                offset = 0
                for part, ref in zip(parts, resolved, strict=True):
                    at = piece.text.index(part, offset)
                    offset = at + len(part)
                    out.append((piece.sub(at, offset), ref))  # type: ignore[arg-type]
                continue
            mentions = real_mentions(self.gazetteer, piece)
            if mentions:
                out.extend((piece.sub(m.start, m.end), m.entity) for m in mentions)
            elif _name_like(piece.text):
                out.append((piece, unresolved(piece.text)))
        return out

    def resolve(self, item: Located) -> list[Recipient]:
        text = clean_item(item)
        if not text:
            return []
        ev = evidence(self.notice, text)
        marker = EXAMPLE_MARKER.search(text.text)
        head = text.sub(0, marker.start()).strip(" ,;:-–(") if marker else text
        if not head:
            head = text
        head_ref = self.head(head)
        out = [Recipient(text.text, head_ref, ev, text.span, "stated")]
        seen = {(head_ref.kind, head_ref.key)}
        if marker:
            tail = text.sub(marker.end(), len(text))
            context = head_ref.key if head_ref.kind == "category" else None
            for piece, ref in self.examples(tail, context):
                if (ref.kind, ref.key) not in seen:
                    seen.add((ref.kind, ref.key))
                    out.append(Recipient(piece.text, ref, ev, piece.span, "example"))
        for mention in real_mentions(self.gazetteer, text):
            if _inside_parentheses(text.text, mention.start):
                continue  # "(for Children's Social Care)" qualifies the recipient; it is not one
            ref = mention.entity
            if (ref.kind, ref.key) not in seen:
                seen.add((ref.kind, ref.key))
                out.append(
                    Recipient(
                        mention.text,
                        ref,
                        ev,
                        text.sub_span(mention.start, mention.end),
                        "mentioned",
                    )
                )
        return out
