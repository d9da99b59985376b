"""Query step: the SPARQL library in queries/*.rq, run with bound parameters."""
