"""Read one notice file exactly as it is: offsets in the graph point into its decoded text.

Councils save notices from Word and web pages in whatever their tools write: UTF-8 (with or
without a byte-order mark), UTF-16 (Word's "Unicode text", with a BOM) and Windows-1252 (the
"ANSI" of Notepad and older exports) are all read; the encoding is recorded on the notice (the
extraction JSON's `encoding`, the graph's `fg:encoding` when it is not plain UTF-8). PDF and Word
.docx notices (known by their signature, never their name) are converted to Markdown text
(`ingest.documents`), which is what offsets count into: it is kept beside the file as a sidecar
(`notice.pdf` -> `notice.pdf.md`) so every quote can be checked, and recorded as
`extracted_from`. Anything else (an old .doc, RTF, an image, another ZIP) is refused with what it
looks like.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from pathlib import Path

from flowgraph.errors import NoticeError
from flowgraph.ingest.documents import UnreadableDocument, document_kind, document_markdown
from flowgraph.model import Notice, NoticeSource

# Signatures of files that are often mistaken for notices, for a clearer refusal.
_KNOWN_BINARY = (
    (b"%PDF", "a PDF document, not text (read_notice extracts its text)"),
    (
        b"PK\x03\x04",
        "a ZIP archive but not a Word .docx (an .odt is one): save the notice as .docx, "
        "PDF, text (.txt) or HTML",
    ),
    (
        b"\xd0\xcf\x11\xe0",
        "an old Word/Office document (.doc): save the notice as .docx, PDF, text (.txt) or HTML",
    ),
    (b"{\\rtf", "an RTF document: save the notice as .docx, PDF, text (.txt) or HTML"),
    (b"\x89PNG", "a PNG image, not a text notice"),
    (b"\xff\xd8\xff", "a JPEG image, not a text notice"),
    (b"GIF8", "a GIF image, not a text notice"),
)
# Control characters no text notice holds (tab, newlines and form feed are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Windows-1252 leaves these bytes undefined: a file holding them is not in it.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a BOM: every other byte NUL in text that is mostly ASCII."""
    if len(data) % 2 or len(data) < 4:
        return None
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.4 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode_notice(data: bytes, path: object = "<notice>") -> tuple[str, str]:
    """The text of a notice file and the encoding it was read in, or NoticeError saying why not."""
    for signature, what in _KNOWN_BINARY:
        if data.startswith(signature):
            raise NoticeError(str(path), f"file is {what}")
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = _utf16_without_bom(data) or "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise NoticeError(
                str(path), f"starts like {encoding} but is not ({exc.reason} at byte {exc.start})"
            ) from None
        if b"\x00" in data or _CP1252_UNDEFINED & set(data):
            raise NoticeError(
                str(path),
                "file is binary (not UTF-8, UTF-16 or Windows-1252 text), not a text notice",
            ) from None
        encoding, text = "cp1252", data.decode("cp1252")
    if text.startswith("\ufeff"):
        text = text[1:]  # a UTF-16 BOM decoded by the utf-16-le/be guess
    controls = _CONTROL.findall(text[:65536])
    if controls and (text.count("\x00") or len(controls) > max(8, len(text[:65536]) // 1000)):
        raise NoticeError(
            str(path),
            f"file is binary ({len(controls)} control characters in {encoding} text), "
            "not a text notice",
        )
    return text, encoding


def sidecar_path(path: Path) -> Path:
    """Where the text extracted from a PDF or .docx notice is kept: `notice.pdf.md`."""
    return path.with_name(path.name + ".md")


def notice_text(data: bytes, path: object = "<notice>") -> tuple[str, str, str | None]:
    """The text offsets count into, the encoding it was read in, and the document format it
    was extracted from ("pdf", "docx"; None for a text notice), or NoticeError saying why not.
    The build and the notice page both read a notice through this, so quotes line up."""
    kind = document_kind(data)
    if kind is None:
        text, encoding = decode_notice(data, path)
        return text, encoding, None
    try:
        return document_markdown(data, kind), "utf-8", kind
    except UnreadableDocument as exc:
        raise NoticeError(str(path), str(exc)) from None


def _keep_sidecar(path: Path, text: str) -> None:
    """Write the extracted text beside the notice, only when it differs from what is there; a
    folder that cannot be written to is left alone (the notice page re-extracts the text)."""
    sidecar = sidecar_path(path)
    data = text.encode("utf-8")
    try:
        if sidecar.is_file() and sidecar.read_bytes() == data:
            return
        partial = sidecar.with_name(f".{sidecar.name}.{os.getpid()}")
        partial.write_bytes(data)
        partial.replace(sidecar)
    except OSError:
        return


def too_large(size: int, limit: int) -> str:
    return (
        f"notice is {size:,} bytes, over the limit of {limit:,} bytes per notice "
        "(FLOWGRAPH_MAX_NOTICE_BYTES); not read"
    )


def _read(path: Path, max_bytes: int | None) -> bytes:
    """The file's bytes, or (should it have grown past the limit meanwhile) a little more."""
    if max_bytes is None:
        return path.read_bytes()
    chunks, total = [], 0
    with path.open("rb") as f:
        while total <= max_bytes and (chunk := f.read(1 << 20)):
            chunks.append(chunk)
            total += len(chunk)
    return b"".join(chunks)


def read_notice(source: NoticeSource, max_bytes: int | None = None) -> Notice:
    """Read and check a notice; empty, binary and (past `max_bytes`) oversized files are refused
    with the reason."""
    path = source.path
    try:
        if max_bytes is not None and (size := path.stat().st_size) > max_bytes:
            raise NoticeError(path, too_large(size, max_bytes))
        data = _read(path, max_bytes)
    except FileNotFoundError:
        raise NoticeError(path, "file not found") from None
    except OSError as exc:
        raise NoticeError(path, f"cannot read file: {exc.strerror}") from None
    if max_bytes is not None and len(data) > max_bytes:  # it grew past the limit as it was read
        try:
            size = path.stat().st_size
        except OSError:
            size = len(data)
        raise NoticeError(path, too_large(max(size, len(data)), max_bytes))
    if not data.strip():
        raise NoticeError(path, "file is empty")
    text, encoding, extracted_from = notice_text(data, path)
    if not text.strip():
        raise NoticeError(path, "file is empty")
    digest = hashlib.sha256(data).hexdigest()
    if source.sha256 and source.sha256.lower() != digest:
        raise NoticeError(path, f"sha256 {digest} does not match the manifest's {source.sha256}")
    if extracted_from is not None:
        _keep_sidecar(path, text)
    starts = (0, *(m.end() for m in re.finditer(r"\r\n|\n|\r", text)))
    return Notice(source, text, digest, starts, encoding, extracted_from)
