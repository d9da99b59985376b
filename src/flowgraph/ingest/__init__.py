"""Ingest step: the manifest and the notice files, read byte-for-byte and checked."""
