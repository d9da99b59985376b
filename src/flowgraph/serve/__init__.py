"""Serve step: the read-only SPARQL 1.1 endpoint, the query page and linked-data pages."""
