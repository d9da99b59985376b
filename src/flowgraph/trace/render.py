"""Chains as text, Markdown, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

from flowgraph.trace.chains import Hop


def _where(hop: Hop) -> str:
    return f"{hop.notice}:{hop.start}-{hop.end}"


def render(chains: list[list[Hop]], fmt: str) -> str:
    if fmt == "json":  # one chain per line: greppable, and json's fast (unindented) encoder
        # chains share their first hops (thousands of chains, a few hundred hops): each hop is
        # encoded once, and the text is what json.dumps gives the whole chain
        encoded: dict[int, str] = {}

        def hop_json(hop: Hop) -> str:
            text = encoded.get(id(hop))
            if text is None:
                text = encoded[id(hop)] = json.dumps(hop.as_json(), ensure_ascii=False)
            return text

        lines = ['{"hops": [' + ", ".join(map(hop_json, chain)) + "]}" for chain in chains]
        return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            ["chain", "hop", "from", "service", "to", "how", "quote", "notice", "start", "end"]
        )
        for number, chain in enumerate(chains, 1):
            for index, h in enumerate(chain, 1):
                writer.writerow(
                    [
                        number,
                        index,
                        h.from_label,
                        h.service or "",
                        h.to_label,
                        h.how,
                        h.quote,
                        h.notice,
                        h.start,
                        h.end,
                    ]
                )
        return buffer.getvalue()
    lines: list[str] = []
    for number, chain in enumerate(chains, 1):
        path = " → ".join(
            [chain[0].from_label + (f" ({chain[0].service})" if chain[0].service else "")]
            + [h.to_label for h in chain]
        )
        if fmt == "md":
            lines.append(f"### Chain {number}: {path}\n")
            lines += [f"{i}. **{h.from_label}**{f' ({h.service})' if h.service else ''} → **{h.to_label}** — *{h.how}*: "
                      f"“{h.quote}” ({_where(h)})" for i, h in enumerate(chain, 1)]  # fmt: skip
            lines.append("")
        else:
            lines.append(f"Chain {number}: {path}")
            lines += [f"  {i}. {h.how:8} {h.from_label}{f' [{h.service}]' if h.service else ''} -> {h.to_label}\n"
                      f"     \"{' '.join(h.quote.split())}\" ({_where(h)})" for i, h in enumerate(chain, 1)]  # fmt: skip
    lines.append(f"{len(chains)} chain(s)")
    return "\n".join(lines) + "\n"
