"""RDF step: extractions -> quads under deterministic IRIs, one named graph per notice."""
