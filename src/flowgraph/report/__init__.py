"""Outputs for people and other tools: extraction JSON, flow tables."""
