"""Normalise step: blocks -> facts, with every mention resolved against the curated vocabularies."""
