"""Interval look-ups in log time, where a scan of every interval made long texts quadratic."""

from __future__ import annotations

from bisect import bisect_right


class Spans:
    """Intervals [a, b) asked whether any of them holds a point or a span, in log time."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [a for a, _ in ordered]
        self.reach: list[int] = []  # the furthest end among the intervals starting so far
        for _, b in ordered:
            self.reach.append(max(b, self.reach[-1]) if self.reach else b)

    def _reach(self, point: int) -> int | None:
        i = bisect_right(self.starts, point) - 1
        return self.reach[i] if i >= 0 else None

    def holds(self, point: int) -> bool:
        """`any(a <= point < b for a, b in spans)`"""
        reach = self._reach(point)
        return reach is not None and point < reach

    def contains(self, start: int, end: int) -> bool:
        """`any(a <= start and end <= b for a, b in spans)`"""
        reach = self._reach(start)
        return reach is not None and end <= reach
