"""The flow network file's name, version and tables: what the build writes (`network_write`)
and the tracer reads (`network_file`), apart so that writing it never imports networkx."""

from __future__ import annotations

FILE = "network.sqlite"
VERSION = "1"

# flow-edges variables -> columns ("from", "to" and "end" are SQL keywords)
EDGE_COLUMNS = {
    "flow": "flow", "from": "src", "fromLabel": "src_label", "to": "dst", "toLabel": "dst_label",
    "toKind": "dst_kind", "unitOf": "unit_of", "represents": "represents",
    "representsLabel": "represents_label", "activity": "activity", "serviceLabel": "service_label",
    "controller": "controller", "controllerLabel": "controller_label", "how": "how",
    "notice": "notice", "quote": "quote", "start": "start_at", "end": "end_at",
}  # fmt: skip

SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE notices (id TEXT PRIMARY KEY, shared TEXT NOT NULL);
CREATE TABLE edges (notice_id TEXT NOT NULL, seq INTEGER NOT NULL,
                    {", ".join(f"{c} {'INTEGER' if c in ('start_at', 'end_at') else 'TEXT'}" for c in EDGE_COLUMNS.values())});
CREATE INDEX edges_src ON edges (src);
CREATE INDEX edges_dst ON edges (dst);
CREATE INDEX edges_unit_of ON edges (unit_of) WHERE unit_of IS NOT NULL;
CREATE INDEX edges_represents ON edges (represents) WHERE represents IS NOT NULL;
CREATE INDEX edges_notice ON edges (notice_id);
CREATE TABLE details (notice_id TEXT NOT NULL, seq INTEGER NOT NULL,
                      activity TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX details_activity ON details (activity);
CREATE INDEX details_notice ON details (notice_id);
CREATE TABLE categories (seq INTEGER PRIMARY KEY, category TEXT, organisation TEXT, label TEXT);
CREATE TABLE types (seq INTEGER PRIMARY KEY, type TEXT, type_label TEXT,
                    organisation TEXT, label TEXT);
"""
