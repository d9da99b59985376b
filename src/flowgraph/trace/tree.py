"""Sharing chains as a tree: chains grouped by their first hop, then by each onward hop.

Hundreds of chains listed one after another hide their shape (most are one hop long, many share
a prefix). Grouped into a tree (council -> recipient -> onward recipient), each branch says how
many chains pass through it and carries the evidence of the hop that reaches it, so a reader
sees at once where the data goes and opens only the branches that matter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape

from flowgraph.trace.chains import Hop

KINDS = ("stated", "onward", "category")


@dataclass
class Branch:
    """One node of the tree: the organisation a hop reaches, and what goes on from there."""

    iri: str
    label: str
    how: str
    hops: list[Hop] = field(default_factory=list)  # distinct evidence for reaching it
    children: dict[tuple[str, str], Branch] = field(default_factory=dict)
    chains: int = 0

    def ordered(self) -> list[Branch]:
        """Children with the most chains first, then by name: the big branches lead."""
        return sorted(self.children.values(), key=lambda b: (-b.chains, b.label.lower(), b.how))


def cut(chain: list[Hop], kinds: Iterable[str]) -> list[Hop]:
    """The chain up to (not including) its first hop of a kind the reader did not ask for."""
    wanted = set(kinds)
    for index, hop in enumerate(chain):
        if hop.how not in wanted:
            return chain[:index]
    return chain


def grow(chains: list[list[Hop]], kinds: Iterable[str] = KINDS) -> tuple[Branch | None, int]:
    """The tree of `chains` (cut to `kinds`) and the number of distinct chains it holds."""
    kinds = tuple(kinds)
    root: Branch | None = None
    seen: set[tuple[tuple[str, str], ...]] = set()
    for chain in chains:
        kept = cut(chain, kinds)
        if not kept:
            continue
        path = tuple((h.to_iri, h.how) for h in kept)
        if root is None:
            root = Branch(kept[0].from_iri, kept[0].from_label, "start")
        if path in seen:  # a service area may reach the same path: one chain in the tree
            _add_evidence(root, kept)
            continue
        seen.add(path)
        root.chains += 1
        _add_evidence(root, kept, count=True)
    return root, len(seen)


def _add_evidence(root: Branch, chain: list[Hop], count: bool = False) -> None:
    branch = root
    for hop in chain:
        key = (hop.to_iri, hop.how)
        if key not in branch.children:
            branch.children[key] = Branch(hop.to_iri, hop.to_label, hop.how)
        branch = branch.children[key]
        if count:
            branch.chains += 1
        if not any(_same(hop, h) for h in branch.hops):
            branch.hops.append(hop)


def _same(a: Hop, b: Hop) -> bool:
    return (a.service, a.notice, a.start, a.end) == (b.service, b.notice, b.start, b.end)


def render_tree(
    root: Branch, link: Callable[[str, str], str], groups: dict[str, str] | None = None
) -> str:
    """Nested `<details>`: a branch opens to its evidence and its onward hops (no script).

    With `groups` (a first hop's IRI -> the name of its group, e.g. its organisation type),
    the first hops are gathered under one heading per group, the largest group first."""
    if groups is None:
        children = "".join(_branch(child, link, True) for child in root.ordered())
    else:
        children = _grouped(root, link, groups)
    return (
        f"<div class='fg-tree' data-iri='{escape(root.iri, quote=True)}'>"
        f"<p class='fg-root'><strong>{link(root.iri, root.label)}</strong> "
        f"<span class='fg-count'>{_count(root.chains)}</span></p>{children}</div>"
    )


OTHER_GROUP = "Categories and other recipients"


def _grouped(root: Branch, link: Callable[[str, str], str], groups: dict[str, str]) -> str:
    gathered: dict[str, list[Branch]] = {}
    for child in root.ordered():
        gathered.setdefault(groups.get(child.iri, OTHER_GROUP), []).append(child)
    out = []
    for name, branches in sorted(
        gathered.items(),
        key=lambda item: (item[0] == OTHER_GROUP, -sum(b.chains for b in item[1]), item[0]),
    ):
        chains = sum(b.chains for b in branches)
        inner = "".join(_branch(b, link, True) for b in branches)
        out.append(
            f"<details class='fg-group' open><summary><strong>{escape(name)}</strong> "
            f"<span class='fg-count'>{len(branches)} first hop{'s' if len(branches) != 1 else ''}"
            f", {_count(chains)}</span></summary>{inner}</details>"
        )
    return "".join(out)


def _branch(branch: Branch, link: Callable[[str, str], str], first: bool = False) -> str:
    """A first hop names the council's service areas that send; later hops need not."""
    services = sorted({h.service for h in branch.hops if h.service}) if first else []
    via = f" <span class='muted'>via {escape(', '.join(services))}</span>" if services else ""
    onward = (
        f" <span class='fg-onward'>{len(branch.children)} onward</span>" if branch.children else ""
    )
    evidence = "".join(
        f"<div class='fg-evidence'>{escape(h.from_label)}{' (' + escape(h.service) + ')' if h.service else ''} → "
        f"{escape(h.to_label)}<blockquote>{escape(h.quote)}</blockquote>"
        f"<span class='muted'>{escape(h.notice)}, characters {h.start}–{h.end}</span></div>"
        for h in branch.hops
    )
    children = "".join(_branch(child, link) for child in branch.ordered())
    return (
        f"<details class='fg-branch fg-k-{escape(branch.how)}' data-iri='{escape(branch.iri, quote=True)}'>"
        f"<summary>{link(branch.iri, branch.label)} <span class='fg-how'>{escape(branch.how)}</span> "
        f"<span class='fg-count'>{_count(branch.chains)}</span>{onward}{via}</summary>"
        f"<div class='fg-body'>{evidence}{children}</div></details>"
    )


def _count(chains: int) -> str:
    return f"{chains} chain{'s' if chains != 1 else ''}"


TREE_STYLE = """
.fg-tree details{margin:.15rem 0 .15rem 1.1rem;border-left:2px solid #d5d9e0;padding-left:.5rem}
.fg-tree summary{cursor:pointer;padding:.15rem 0}.fg-tree summary a{font-weight:600}
.fg-how{font-size:.75rem;padding:0 .35rem;border-radius:.6rem;background:#e3e8ef;color:#33415c}
details.fg-k-onward>summary .fg-how{background:#f6dcdb;color:#8a2b28}
details.fg-k-category>summary .fg-how{background:#e2ecd8;color:#3f5a2a}
.fg-count{font-size:.8rem;color:#1f3a5f;background:#fff;border:1px solid #c9d2de;border-radius:.6rem;padding:0 .4rem}
.fg-onward{font-size:.8rem;color:#5b6578}.fg-evidence{font-size:.85rem;margin:.2rem 0 .4rem;color:#33415c}
.fg-tree details.fg-group{border-left:none;margin-left:0;padding-left:0}
.fg-tree details.fg-group>summary{font-size:1rem;color:#1f3a5f;border-bottom:1px solid #d5d9e0;margin-top:.4rem}
.fg-filters{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;background:#fff;border:1px solid #d5d9e0;padding:.5rem .7rem;margin:.4rem 0}
"""
