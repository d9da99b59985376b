"""Each notice's versions in the graph, with PROV-O, in a named graph of their own
(`<base>graph/versions`): the facts of a notice stay in its notice graph (the current version's
only), so the union default graph never mixes an old text's facts with the new one's.

    <notice/X/version/ab12...> a fg:NoticeVersion ; prov:specializationOf <notice/X> ;
        prov:generatedAtTime "..."^^xsd:dateTime ; fg:sha256 "..." ;
        prov:wasDerivedFrom <https://council.gov.uk/privacy> ; prov:wasRevisionOf <.../version/cd34...> .
    <notice/X> fg:currentVersion <notice/X/version/ab12...> .
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from flowgraph.ingest.archive import Archive
from flowgraph.rdf.iris import Minter

FG = "https://w3id.org/flowgraph/ns#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
VERSIONS_FILE = "versions.nq"


def versions_graph(minter: Minter) -> str:
    return f"{minter.base}graph/versions"


def version_iri(minter: Minter, notice_id: str, sha256: str) -> str:
    return f"{minter.notice(notice_id)}/version/{sha256[:12]}"


def version_quads(minter: Minter, archive: Archive, notices: Iterable[str]) -> str:
    """N-Quads of every version of `notices` (those the graph holds), sorted (a stable file)."""
    graph = ox.NamedNode(versions_graph(minter))
    quads: list[ox.Quad] = []
    wanted = set(notices)
    by_notice: dict[str, list] = {}
    for version in archive.versions():
        if version.notice in wanted:
            by_notice.setdefault(version.notice, []).append(version)

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        quads.append(ox.Quad(s, ox.NamedNode(p), o, graph))

    for notice_id, versions in by_notice.items():
        notice = ox.NamedNode(minter.notice(notice_id))
        previous = None
        for version in versions:
            node = ox.NamedNode(version_iri(minter, notice_id, version.sha256))
            quads.append(ox.Quad(node, RDF_TYPE, ox.NamedNode(FG + "NoticeVersion"), graph))
            add(node, PROV + "specializationOf", notice)
            add(node, PROV + "generatedAtTime", ox.Literal(version.retrieved_at.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD_DATETIME))  # fmt: skip
            add(node, FG + "sha256", ox.Literal(version.sha256))
            source = _iri(version.url)
            if source is not None:
                add(node, PROV + "wasDerivedFrom", source)
            if previous is not None:
                add(node, PROV + "wasRevisionOf", previous)
            previous = node
        if previous is not None:
            add(notice, FG + "currentVersion", previous)
    return "".join(f"{q} .\n" for q in sorted(quads, key=str))


def _iri(url: str) -> ox.NamedNode | None:
    """The URL a version was fetched from as an IRI (none for a file edited by hand, or a URL
    that is not a valid IRI)."""
    if not url.startswith(("http://", "https://")):
        return None
    try:
        return ox.NamedNode(url)
    except ValueError:
        return None
