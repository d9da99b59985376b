"""Synthetic notice corpora for scale tests and benchmarks (parsed by the real loader)."""
