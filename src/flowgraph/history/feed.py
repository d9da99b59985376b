"""What changed as an Atom 1.0 feed (RFC 4287) a user subscribes to in any feed reader: one
entry per notice whose text changed at a build, its id stable across servers and rebuilds
(`urn:sha256:` of the notice and its new version), its content the changes as escaped HTML.

Built with the standard library's element tree (no dependency): every text from a notice goes
in as element text or an attribute, escaped by the serializer, never pasted into markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as etree

from flowgraph.ingest.archive import parse_time

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"


# characters XML 1.0 cannot carry at all (a notice may hold a stray form feed): dropped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def atom_time(text: str) -> str:
    """An RFC 3339 date-time in UTC (Atom's date construct)."""
    return parse_time(text).strftime("%Y-%m-%dT%H:%M:%SZ")


def title_of(entry: dict[str, Any]) -> str:
    n = entry["count"]
    noun = "change" if n == 1 else "changes"
    return f"{entry['controller'] or 'Unknown council'}: {n} {noun} to {entry['notice']}"


def feed(
    entries: list[dict[str, Any]],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    page_url: str,
    updated: str,
    link_of: Callable[[dict[str, Any]], str],
    notice_link_of: Callable[[dict[str, Any]], str | None],
    html_of: Callable[[dict[str, Any]], str],
    summary_of: Callable[[dict[str, Any]], str],
) -> bytes:
    """The feed document; `updated` is the newest entry's time (or the log's, when empty)."""
    root = etree.Element("feed", {"xmlns": ATOM})  # names unqualified, in Atom's default namespace
    root.set("{http://www.w3.org/XML/1998/namespace}base", page_url)  # the content's links

    def sub(parent: etree.Element, name: str, text: str | None = None, **attrs: str) -> etree.Element:  # fmt: skip
        element = etree.SubElement(parent, name, {k: _xml(v) for k, v in attrs.items()})
        if text is not None:
            element.text = _xml(text)
        return element

    sub(root, "id", feed_id)
    sub(root, "title", title)
    sub(root, "subtitle", "Recipients, lawful bases, laws, transfers abroad and retention that changed in UK council privacy notices, as found by flowgraph at each build.")  # fmt: skip
    sub(root, "updated", atom_time(updated))
    sub(root, "link", rel="self", type=MEDIA_TYPE, href=self_url)
    sub(root, "link", rel="alternate", type="text/html", href=page_url)
    author = sub(root, "author")
    sub(author, "name", "flowgraph")
    sub(root, "generator", "flowgraph")
    for entry in entries:
        when = (entry.get("new") or {}).get("retrieved") or updated
        item = sub(root, "entry")
        sub(item, "id", entry["id"])
        sub(item, "title", title_of(entry))
        sub(item, "updated", atom_time(when))
        sub(item, "link", rel="alternate", type="text/html", href=link_of(entry))
        notice = notice_link_of(entry)
        if notice:
            sub(item, "link", rel="related", type="text/html", href=notice, title=entry["notice"])
        if entry.get("controller"):
            sub(sub(item, "author"), "name", entry["controller"])
        sub(item, "summary", summary_of(entry), type="text")
        sub(item, "content", html_of(entry), type="html")  # escaped by the serializer
    etree.indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
