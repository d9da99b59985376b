"""The watch list: rows checked before any request, each problem with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowgraph.ingest.watch import WatchEntry, WatchError, read_watch
from flowgraph.settings import PROJECT_ROOT


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watch.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_entries_with_default_and_given_notice_ids(tmp_path: Path) -> None:
    path = written(tmp_path, (
        "url,controller,service,selector,notice\n"
        "https://www.rutland.gov.uk/housing-privacy,Rutland County Council,Housing,,\n"
        "# https://example.org/old,Old Council,,,\n"
        "\n"
        "https://www.leeds.gov.uk/privacy,Leeds  City Council,,main .notice,leeds-general\n"
    ))  # fmt: skip
    assert read_watch(path) == [
        WatchEntry("https://www.rutland.gov.uk/housing-privacy", "Rutland County Council",
                   "Housing", "", "rutland-county-council-housing", 2),
        WatchEntry("https://www.leeds.gov.uk/privacy", "Leeds City Council", "", "main .notice",
                   "leeds-general", 5),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("url,service\nhttps://x.example/,Housing\n", "watch.csv:1: missing column(s) controller"),
        ("url,controller,page\n", "watch.csv:1: unknown column(s) page (use url, controller, service, selector, notice)"),
        ("url,controller\nftp://x.example/notice,X Council\n", "watch.csv:2: url 'ftp://x.example/notice' is not an http:// or https:// URL"),
        ("url,controller\nwww.x.gov.uk/notice,X Council\n", "watch.csv:2: url 'www.x.gov.uk/notice' is not an http:// or https:// URL"),
        ("url,controller\nhttps://x.example/,  \n", "watch.csv:2: controller is blank"),
        ("url,controller,notice\nhttps://x.example/,X Council,../etc/passwd\n", "watch.csv:2: notice '../etc/passwd': use lower-case letters"),
        ("url,controller\nhttps://x.example/a,X Council\nhttps://x.example/b,X Council\n", "watch.csv:3: notice 'x-council' is watched twice (line 2 too)"),
    ],
)  # fmt: skip
def test_bad_rows_name_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(WatchError) as caught:
        read_watch(written(tmp_path, text))
    assert str(caught.value).startswith(f"{tmp_path}/{message}")


def test_a_missing_watch_list_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(WatchError, match="no watch list: create it with the header url,controller"):
        read_watch(tmp_path / "watch.csv")


def test_the_shipped_watch_list_is_a_header_only() -> None:
    assert read_watch(PROJECT_ROOT / "data" / "watch.csv") == []
