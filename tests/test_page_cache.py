"""The per-snapshot page cache: least recently used out, bounded in entries and bytes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from flowgraph.serve.page_cache import PageCache


def test_least_recently_used_goes_first() -> None:
    cache = PageCache(max_entries=2, max_bytes=1000)
    cache.put(("a",), b"1", "text/html", 200)
    cache.put(("b",), b"2", "text/html", 200)
    assert cache.get(("a",)) == (b"1", "text/html", 200)  # a is now the most recent
    cache.put(("c",), b"3", "text/turtle", 200)
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is not None and cache.get(("c",)) is not None


def test_a_page_too_large_to_keep_is_not_kept() -> None:
    cache = PageCache(max_entries=10, max_bytes=800)
    cache.put(("big",), b"x" * 101, "text/html", 200)  # over an eighth of the budget
    assert cache.get(("big",)) is None


@given(st.lists(st.tuples(st.text(max_size=3), st.integers(0, 300)), max_size=60))
def test_never_over_its_bounds(puts: list[tuple[str, int]]) -> None:
    cache = PageCache(max_entries=5, max_bytes=1000)
    for key, size in puts:
        cache.put((key,), b"x" * size, "text/html", 200)
        assert len(cache._pages) <= 5 and cache.size <= 1000
        assert cache.size == sum(len(body) for body, _, _ in cache._pages.values())
