"""The names index of a built snapshot, kept beside it.

Resolving a typed name ("--from 'Leicestershire County Council'") needs every name in the
graph (the `names` query) and the gazetteer's aliases, normalised: over a second at 50
councils, several at 400, on every command. A snapshot never changes once published, so the
first command that needs its names writes the index into the snapshot's folder
(`names-STAMP.marshal`) and later ones read it in milliseconds. The stamp covers what else the
index depends on: the vocabulary files (aliases), the base IRI, the `names` query and this
format; a store that is not a snapshot's own (an external store, a past graph for `--as-of`)
is always asked. A file that cannot be written (a read-only build folder) or read is no error:
the names are then worked out as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowgraph.atomic_write import write_atomically
from flowgraph.query.names import Names, load_names

FORMAT = "1"


def names_for(store: Any, library: Mapping[str, Any], settings: Any) -> Names:
    """The names of the graph in `store`, from its snapshot's kept index when it has one."""
    snapshot: Path | None = getattr(store, "snapshot", None)
    if snapshot is None or "names" not in library:
        return load_names(store, library, settings)
    path = snapshot / f"names-{_stamp(settings, library)}.marshal"
    with contextlib.suppress(OSError, EOFError, ValueError, TypeError, KeyError):
        return Names.from_state(marshal.loads(path.read_bytes()))
    names = load_names(store, library, settings)
    with contextlib.suppress(OSError, ValueError):
        write_atomically(path, marshal.dumps(names.state()))
    return names


def _stamp(settings: Any, library: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(f"{FORMAT}\n{settings.base_iri}\n{library['names'].text}".encode())
    vocab = Path(settings.vocab_dir)
    with contextlib.suppress(OSError):
        for path in sorted(vocab.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(vocab)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode()
                )
    return digest.hexdigest()[:16]
