"""Visualise step: the flow network as one self-contained interactive HTML page (pyvis)."""
