"""Read one notice file exactly as it is: offsets in the graph point into this text."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flowgraph.errors import NoticeError
from flowgraph.model import Notice, NoticeSource


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
    """Read and check a notice; empty, binary, non-UTF-8 and (past `max_bytes`) oversized files
    are refused with the reason."""
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
    if b"\x00" in data[:8192]:
        raise NoticeError(path, "file is binary (contains NUL bytes), not a text notice")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NoticeError(
            path,
            f"invalid UTF-8 at byte {exc.start} ({exc.reason}); save the notice as UTF-8",
            line,
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if source.sha256 and source.sha256.lower() != digest:
        raise NoticeError(path, f"sha256 {digest} does not match the manifest's {source.sha256}")
    starts = (0, *(m.end() for m in re.finditer(r"\r\n|\n|\r", text)))
    return Notice(source, text, digest, starts)
