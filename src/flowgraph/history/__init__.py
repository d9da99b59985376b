"""A notice's history: versions recorded at build, their provenance in the graph, what changed
between them (diff), and the graph as it was on a date (as-of)."""
