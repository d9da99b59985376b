"""Read one notice file exactly as it is: offsets in the graph point into this text."""

from __future__ import annotations

import hashlib
import re

from flowgraph.errors import NoticeError
from flowgraph.model import Notice, NoticeSource


def read_notice(source: NoticeSource) -> Notice:
    """Read and check a notice; empty, binary and non-UTF-8 files are refused with the reason."""
    path = source.path
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NoticeError(path, "file not found") from None
    except OSError as exc:
        raise NoticeError(path, f"cannot read file: {exc.strerror}") from None
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
