"""Each notice's versions in the graph, with PROV-O, in a named graph of their own
(`<base>graph/versions`): the facts of a notice stay in its notice graph (the current version's
only), so the union default graph never mixes an old text's facts with the new one's.

    <notice/X/version/20261202T145700Z-ab12...> a fg:NoticeVersion ;
        prov:specializationOf <notice/X> ; prov:generatedAtTime "..."^^xsd:dateTime ;
        fg:sha256 "..." ; prov:wasDerivedFrom <https://council.gov.uk/privacy> ;
        prov:wasRevisionOf <notice/X/version/20260110T000000Z-cd34...> .
    <notice/X> fg:currentVersion <notice/X/version/20261202T145700Z-ab12...> .
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from flowgraph.ingest.archive import Version
from flowgraph.rdf.iris import Minter

FG = "https://w3id.org/flowgraph/ns#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
VERSIONS_FILE = "versions.nq"


def versions_graph(minter: Minter) -> str:
    return f"{minter.base}graph/versions"


def version_iri(minter: Minter, notice_id: str, version: Version) -> str:
    """Named by retrieval time and text: a notice put back to an earlier text is a new version
    (another time), with the same sha256."""
    when = version.retrieved_at.strftime("%Y%m%dT%H%M%SZ")
    return f"{minter.notice(notice_id)}/version/{when}-{version.short}"


def version_quads(minter: Minter, versions: Iterable[Version], notices: Iterable[str]) -> str:
    """N-Quads of every version (oldest first) of `notices` (those the graph holds), sorted (a
    stable file whose lines an incremental build compares with the last one's)."""
    graph = f"<{versions_graph(minter)}>"
    wanted = set(notices)
    by_notice: dict[str, list] = {}
    for version in versions:
        if version.notice in wanted and not version.removed:
            by_notice.setdefault(version.notice, []).append(version)
    lines: list[str] = []
    for notice_id, versions in by_notice.items():
        notice = f"<{minter.notice(notice_id)}>"
        previous = None
        for version in versions:
            node = f"<{version_iri(minter, notice_id, version)}>"
            when = version.retrieved_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            lines += [
                f"{node} <{RDF_TYPE.value}> <{FG}NoticeVersion> {graph} .",
                f"{node} <{PROV}specializationOf> {notice} {graph} .",
                f'{node} <{PROV}generatedAtTime> "{when}"^^<{XSD_DATETIME.value}> {graph} .',
                f'{node} <{FG}sha256> "{version.sha256}" {graph} .',
            ]
            source = _iri(version.url)
            if source is not None:
                lines.append(f"{node} <{PROV}wasDerivedFrom> {source} {graph} .")
            if previous is not None:
                lines.append(f"{node} <{PROV}wasRevisionOf> {previous} {graph} .")
            previous = node
        if previous is not None:
            lines.append(f"{notice} <{FG}currentVersion> {previous} {graph} .")
    lines.sort()
    return "".join(line + "\n" for line in lines)


def patch_store(store: ox.Store, old: str, new: str) -> None:
    """Bring the versions graph of `store` from the quads of `old` to those of `new`, line by
    line (a changed notice adds a few lines to thousands)."""
    before, after = set(old.splitlines()), set(new.splitlines())
    added = sorted(after - before)
    if added:
        store.load(("\n".join(added) + "\n").encode(), format=ox.RdfFormat.N_QUADS)
    for line in before - after:
        for quad in ox.parse(line.encode(), format=ox.RdfFormat.N_QUADS):
            store.remove(quad)


def _iri(url: str) -> str | None:
    """The URL a version was fetched from as an IRI (none for a file edited by hand, or a URL
    that is not a valid IRI)."""
    if not url.startswith(("http://", "https://")):
        return None
    try:
        return str(ox.NamedNode(url))  # checked, and written as N-Quads writes it
    except ValueError:
        return None
