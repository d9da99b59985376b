"""Notices saved as councils' tools save them are read the same; files that are not text are refused.

tests/data/encodings/ holds data/notices/leicester-city-council-general.txt re-saved:

    t = open("data/notices/leicester-city-council-general.txt", encoding="utf-8").read()
    utf8.txt: t as UTF-8; utf8-bom.txt: BOM + UTF-8; utf16.txt: t.encode("utf-16");
    utf16be-nobom.txt: t.encode("utf-16-be"); cp1252.txt: t.encode("cp1252");
    scan.pdf.txt: a PDF header and random bytes (a damaged PDF: PDFs and .docx are read, see
    tests/test_documents.py); random.bin.txt: 2000 random bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.errors import NoticeError
from flowgraph.ingest.reader import decode_notice, read_notice
from flowgraph.model import NoticeSource
from flowgraph.pipeline import Extractor
from flowgraph.rdf.iris import Minter
from flowgraph.report.extraction import extraction_json
from flowgraph.settings import Settings

DATA = Path(__file__).parent / "data" / "encodings"
CONTROLLER = "Leicester City Council"
ENCODED = {
    "utf8-bom.txt": "utf-8-sig",
    "utf16.txt": "utf-16",
    "utf16be-nobom.txt": "utf-16-be",
    "cp1252.txt": "cp1252",
}
runner = CliRunner()


def _extract(extractor: Extractor, name: str) -> list[dict]:
    source = NoticeSource((DATA / name).resolve(), CONTROLLER, None)
    services = extraction_json(extractor.extract(source), Minter(Settings().base_iri))
    for service in services:
        service.pop("notice")
    return services


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(Settings())


@pytest.mark.parametrize(("name", "encoding"), ENCODED.items())
def test_every_encoding_gives_the_same_extraction_as_utf8(extractor, name, encoding):
    plain = _extract(extractor, "utf8.txt")
    assert {s["encoding"] for s in plain} == {"utf-8"}
    assert plain and any(s["recipients"] for s in plain)
    encoded = _extract(extractor, name)
    assert {s.pop("encoding") for s in encoded} == {encoding}
    for service in plain:
        service.pop("encoding")
    assert encoded == plain  # quotes, offsets and all


@pytest.mark.parametrize("name", ENCODED)
def test_the_text_is_the_same_characters(name):
    notice = read_notice(NoticeSource(DATA / name, CONTROLLER, None))
    assert notice.text == (DATA / "utf8.txt").read_text(encoding="utf-8")
    assert "\ufeff" not in notice.text and "“" in notice.text and "–" in notice.text


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("scan.pdf.txt", "PDF cannot be read: damaged"),  # read as a PDF by its signature
        ("random.bin.txt", "file is binary"),
    ],
)
def test_files_that_are_not_text_are_refused_with_what_they_are(name, says):
    with pytest.raises(NoticeError) as refused:
        read_notice(NoticeSource(DATA / name, CONTROLLER, None))
    assert says in str(refused.value) and name in str(refused.value)


def test_nul_bytes_and_control_characters_are_binary():
    for data in (b"\x00\x01\x02binary", b"text\x00with a nul", b"\x01\x02\x03\x04\x05" * 40):
        with pytest.raises(NoticeError, match="binary"):
            decode_notice(data)
    assert decode_notice(b"Who we share with\n\f- HMRC\t(tax)\r\n") == (
        "Who we share with\n\f- HMRC\t(tax)\r\n",
        "utf-8",
    )


def test_the_encoding_is_recorded_in_the_graph_and_binary_is_refused_on_build(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("FLOWGRAPH_BUILD_DIR", str(tmp_path / "build"))
    notices = tmp_path / "notices"
    notices.mkdir()
    for name in ("utf16.txt", "cp1252.txt", "utf8.txt", "scan.pdf.txt"):
        (notices / name).write_bytes((DATA / name).read_bytes())
    rows = [f"{n},{CONTROLLER}" for n in ("utf16.txt", "cp1252.txt", "utf8.txt", "scan.pdf.txt")]
    (notices / "manifest.csv").write_text("file,controller\n" + "\n".join(rows) + "\n")
    built = runner.invoke(app, ["build", str(notices)])
    assert built.exit_code == 0, built.output
    assert "scan.pdf.txt: PDF cannot be read: damaged" in "".join(built.output.split("\n"))
    query = tmp_path / "encodings.rq"
    query.write_text(
        "PREFIX fg: <https://w3id.org/flowgraph/ns#>\n"
        "SELECT ?file ?encoding WHERE { ?n a fg:Notice ; fg:file ?file . "
        "OPTIONAL { ?n fg:encoding ?encoding } } ORDER BY ?file"
    )
    result = runner.invoke(app, ["query", str(query), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"file": "cp1252.txt", "encoding": "cp1252"},
        {"file": "utf16.txt", "encoding": "utf-16"},
        {"file": "utf8.txt", "encoding": None},
    ]
    strict = runner.invoke(app, ["build", str(notices), "--strict"])
    assert strict.exit_code == 2 and "PDF cannot be read" in strict.output
