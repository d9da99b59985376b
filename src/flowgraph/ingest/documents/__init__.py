"""PDF and Word (.docx) notices, converted to Markdown text the loader reads like any other.

Offsets in the graph count characters of this extracted text, which the reader keeps beside
the original file (`notice.pdf` -> `notice.pdf.md`) so every quote can be checked. The PDF and
Word libraries are imported only when such a file is read.
"""

from __future__ import annotations

import io
import zipfile

PDF, DOCX = "pdf", "docx"


class UnreadableDocument(Exception):
    """The document cannot give a text: the reason, said for a person (the reader adds the file)."""


def document_kind(data: bytes) -> str | None:
    """ "pdf" or "docx" from the file's signature (never its name), else None."""
    if data.startswith(b"%PDF"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return DOCX
        except (zipfile.BadZipFile, OSError, ValueError):
            return DOCX if b"word/document.xml" in data[:65536] else None
    return None


def document_markdown(data: bytes, kind: str) -> str:
    """The document's text as Markdown, or UnreadableDocument saying why there is none."""
    if kind == PDF:
        from flowgraph.ingest.documents.pdf import pdf_markdown

        text = pdf_markdown(data)
    else:
        from flowgraph.ingest.documents.docx import docx_markdown

        text = docx_markdown(data)
    if not text.strip():
        raise UnreadableDocument("no text in the document")
    return text
