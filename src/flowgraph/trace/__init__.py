"""Trace step: the flow network (NetworkX) projected from the store, and sharing chains over it."""
