"""PDF and Word .docx notices (issue 18, part 2) give the same facts as the same notice in HTML,
with every quote pointing into the extracted text kept beside the file.

tests/data/documents/housing.html is one council-like notice (headings, a lead-in and a bullet
list of recipients, a table of purposes, lawful bases and laws, retention; a running header and
page numbers, two pages). The tests render it to PDF with weasyprint and write the same content
as a .docx with python-docx, then read all three through the real extractor.
"""

from __future__ import annotations

import html
import io
import json
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.errors import NoticeError
from flowgraph.ingest.documents.markdown import reflow
from flowgraph.ingest.reader import read_notice, sidecar_path
from flowgraph.model import NoticeSource
from flowgraph.pipeline import Extractor
from flowgraph.rdf.iris import Minter
from flowgraph.report.extraction import extraction_json
from flowgraph.settings import Settings

HTML_NOTICE = Path(__file__).parent / "data" / "documents" / "housing.html"
CONTROLLER = "Northbrook District Council"
RECIPIENTS = [
    ("HM Revenue and Customs (HMRC)", "hmrc"),
    ("the Police", "police"),
    ("the Department for Work and Pensions", "dwp"),
    ("Kier Services Limited, our repairs contractor", "kier-services-limited"),
]
runner = CliRunner()


def write_pdf(path: Path) -> Path:
    import weasyprint

    path.write_bytes(weasyprint.HTML(filename=str(HTML_NOTICE)).write_pdf())
    return path


def write_docx(path: Path) -> Path:
    """The HTML notice's content in Word: Heading styles, List Bullet, a table, a page header;
    the retention heading is a bold-only paragraph, as many councils type them."""
    import docx

    page = html.unescape(HTML_NOTICE.read_text(encoding="utf-8"))
    paras = [re.sub(r"\s+", " ", p).strip() for p in re.findall(r"<p[^>]*>(.*?)</p>", page, re.S)]
    items = re.findall(r"<li>(.*?)</li>", page)
    rows = [re.findall(r"<t[hd]>(.*?)</t[hd]>", r) for r in re.findall(r"<tr>(.*?)</tr>", page)]
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = CONTROLLER  # never read: not the body
    document.add_heading("Housing privacy notice", level=1)
    document.add_paragraph(paras[0])
    document.add_heading("Why we use your information", level=2)
    document.add_paragraph(paras[1])
    document.add_heading("Our lawful basis for using your information", level=2)
    table = document.add_table(rows=len(rows), cols=3)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            table.cell(r, c).text = cell
    document.add_heading("Who we share your information with", level=2)
    document.add_paragraph(paras[2])
    for item in items:
        document.add_paragraph(item, style="List Bullet")
    document.add_paragraph().add_run("How long we keep your information").bold = True
    document.add_paragraph(paras[3])
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("documents")
    (root / "housing.html").write_bytes(HTML_NOTICE.read_bytes())
    write_pdf(root / "housing.pdf")
    write_docx(root / "housing.docx")
    return root


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(Settings())


def extract(extractor: Extractor, path: Path):
    extraction = extractor.extract(NoticeSource(path, CONTROLLER, "Housing"))
    assert len(extraction.services) == 1
    return extraction, extraction.services[0]


def facts(service) -> dict[str, list]:
    return {
        "recipients": [(r.text, r.entity.key) for r in service.recipients],
        "bases": [b.code for b in service.legal_bases],
        "laws": [(law.title, law.year) for law in service.laws],
        "retention": [(r.detail["duration"], r.detail["event"]) for r in service.retention],
    }


@pytest.mark.parametrize("name", ["housing.pdf", "housing.docx"])
def test_pdf_and_docx_give_exactly_the_facts_of_the_html_notice(extractor, folder, name):
    _, from_html = extract(extractor, folder / "housing.html")
    extraction, service = extract(extractor, folder / name)
    assert facts(service)["recipients"] == RECIPIENTS
    assert facts(service) == facts(from_html)
    assert facts(service)["bases"] == ["public_task", "contract", "legal_obligation"]
    assert facts(service)["laws"] == [
        ("Housing Act", 1996),
        ("Housing Act", 1985),
        ("Prevention of Social Housing Fraud Act", 2013),
    ]
    assert extraction.notice.extracted_from == name.rsplit(".", 1)[1]
    assert extraction.layout == "markdown"


@pytest.mark.parametrize("name", ["housing.pdf", "housing.docx"])
def test_every_quote_is_the_extracted_text_at_its_offsets(extractor, folder, name):
    extraction, _ = extract(extractor, folder / name)
    text = extraction.notice.text
    rows = extraction_json(extraction, Minter(Settings().base_iri))
    assert rows[0]["extracted_from"] == name.rsplit(".", 1)[1]
    assert rows[0]["encoding"] == "utf-8"
    quotes = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if {"quote", "start", "end"} <= value.keys():
                quotes.append(value)
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(rows)
    assert len(quotes) >= len(RECIPIENTS)
    for q in quotes:
        assert text[q["start"] : q["end"]] == q["quote"]
    for statement in [*extraction.services[0].recipients, *extraction.services[0].legal_bases]:
        span = statement.evidence.span
        assert text[span.start : span.end] == statement.evidence.quote


@pytest.mark.parametrize("name", ["housing.pdf", "housing.docx"])
def test_the_extracted_text_is_kept_beside_the_file_and_rewritten_only_when_it_differs(
    folder, name
):
    notice = read_notice(NoticeSource(folder / name, CONTROLLER))
    sidecar = sidecar_path(folder / name)
    assert sidecar.name == f"{name}.md"
    assert sidecar.read_bytes() == notice.text.encode("utf-8")
    stamp = sidecar.stat().st_mtime_ns
    read_notice(NoticeSource(folder / name, CONTROLLER))
    assert sidecar.stat().st_mtime_ns == stamp  # the same text: left alone
    sidecar.write_text("edited by hand\n", encoding="utf-8")
    again = read_notice(NoticeSource(folder / name, CONTROLLER))
    assert sidecar.read_text(encoding="utf-8") == again.text == notice.text


@pytest.mark.parametrize("name", ["housing.pdf", "housing.docx"])
def test_headings_lists_and_table_rows_keep_their_shape(folder, name):
    text = read_notice(NoticeSource(folder / name, CONTROLLER)).text
    lines = text.splitlines()
    assert lines[0] == "# Housing privacy notice"
    assert "## Who we share your information with" in lines
    assert "## Why we use your information" in lines
    retention = (
        "## How long we keep your information"
        if name.endswith("pdf")
        else "### How long we keep your information"
    )
    assert retention in lines  # Word: a bold-only paragraph under Heading 2s
    start = lines.index("- HM Revenue and Customs (HMRC)")
    assert lines[start : start + 4] == [f"- {r}" for r, _ in RECIPIENTS]
    assert lines[start - 2] == "We may share your information with:"
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| Purpose | Lawful basis | Law |"
    assert table[2:] == [
        "| Assessing housing applications | Public task | Housing Act 1996 |",
        "| Managing tenancies and collecting rent | Contract | Housing Act 1985 |",
        "| Investigating tenancy fraud | Legal obligation | Prevention of Social Housing Fraud Act 2013 |",
    ]  # cells wrapped over two lines in the PDF are one line each
    # the running header and the page numbers are dropped; a wrapped paragraph is one line
    assert "Page 1 of 2" not in text and "Page 2" not in text
    assert text.count(CONTROLLER) == 1  # in the opening sentence only
    assert any(
        line.startswith("We use your information") and line.endswith("living in them.")
        for line in lines
    )
    assert "\t" not in text


def test_hyphenated_line_ends_are_joined():
    assert reflow(["the manage-", "ment of your tenancy"]) == "the management of your tenancy"
    assert reflow(["COVID-", "19 rules"]) == "COVID-19 rules"
    assert reflow(["soft\u00ad", "hyphen", "and  spaces"]) == "softhyphen and spaces"


def _pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A minimal PDF of the given objects (object 1 the catalogue)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return bytes(out)


def _png() -> bytes:
    """A 40x40 grey PNG: a 'scanned page'."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\x80" * 40 for _ in range(40))
    header = struct.pack(">IIBBBBB", 40, 40, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _scanned_pdf() -> bytes:
    import base64

    import weasyprint

    image = base64.b64encode(_png()).decode()
    page = f"<html><body><img src='data:image/png;base64,{image}' width='400'></body></html>"
    return weasyprint.HTML(string=page).write_pdf()


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb() -> bytes:
    """A .docx whose document.xml is 300 MB of one repeated byte: a few hundred KB packed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b" " * (1 << 20)
            for _ in range(300):
                member.write(chunk)
    return buffer.getvalue()


ENCRYPTED = _pdf(
    [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <"
        + b"11" * 32
        + b"> /U <"
        + b"22" * 32
        + b"> /P -4 >>",
    ],
    b"/Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] ",
)


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("truncated.pdf", lambda f: (f / "housing.pdf").read_bytes()[:2000], "PDF cannot be read: damaged"),
        ("encrypted.pdf", lambda f: ENCRYPTED, "PDF is encrypted (password-protected)"),
        ("scan.pdf", lambda f: _scanned_pdf(), "no text layer: a scanned image; OCR it first"),
        ("broken.docx", lambda f: (f / "housing.docx").read_bytes()[:3000], "not a readable Word document"),
        ("empty-body.docx", lambda f: _zip({"word/document.xml": b"<not xml"}), "not a readable Word document"),
        ("notice.odt", lambda f: _zip({"content.xml": b"<office/>"}), "a ZIP archive but not a Word .docx"),
        ("bomb.docx", lambda f: _bomb(), "refused as a possible zip bomb"),
        ("notice.doc", lambda f: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "an old Word/Office document (.doc)"),
        ("notice.rtf", lambda f: b"{\\rtf1\\ansi Hello}", "an RTF document"),
        ("photo.png", lambda f: _png(), "a PNG image"),
    ],
)  # fmt: skip
def test_unreadable_documents_are_refused_naming_the_file_and_why(
    folder, tmp_path, name, make, says
):
    path = tmp_path / name
    path.write_bytes(make(folder))
    with pytest.raises(NoticeError) as refused:
        read_notice(NoticeSource(path, CONTROLLER))
    assert says in str(refused.value) and name in str(refused.value)
    assert not sidecar_path(path).exists()


def test_text_notices_do_not_import_the_pdf_and_word_libraries():
    code = (
        "import sys\n"
        "from flowgraph.pipeline import Extractor\n"
        "from flowgraph.settings import Settings\n"
        "from flowgraph.model import NoticeSource\n"
        "from pathlib import Path\n"
        f"x = Extractor(Settings()).extract(NoticeSource(Path({str(HTML_NOTICE)!r}), {CONTROLLER!r}))\n"
        "assert x.services[0].recipients\n"
        "print(sorted(m for m in ('pdfplumber', 'pdfminer', 'docx') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_workspace_with_a_pdf_and_a_docx_builds_and_serves_their_quotes(
    folder, tmp_path, monkeypatch
):
    workspace = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(workspace)]).exit_code == 0
    monkeypatch.setenv("FLOWGRAPH_HOME", str(workspace))
    (tmp_path / "tenancy.docx").write_bytes((folder / "housing.docx").read_bytes())
    added = runner.invoke(
        app,
        [
            "add",
            str(folder / "housing.pdf"),
            str(tmp_path / "tenancy.docx"),
            "--controller",
            CONTROLLER,
        ],
    )
    assert added.exit_code == 0, added.output
    manifest = (workspace / "notices" / "manifest.csv").read_text(encoding="utf-8")
    assert ",markdown," in manifest and "housing.pdf," in manifest and "tenancy.docx," in manifest
    built = runner.invoke(app, ["build", "--strict"])
    assert built.exit_code == 0, built.output
    assert (workspace / "notices" / "housing.pdf.md").is_file()
    query = tmp_path / "recipients.rq"
    query.write_text(
        "PREFIX fg: <https://w3id.org/flowgraph/ns#>\n"
        "SELECT ?file ?from (COUNT(DISTINCT ?e) AS ?quotes) WHERE { ?n a fg:Notice ; fg:file ?file ;"
        " fg:extractedFrom ?from . ?e fg:inNotice ?n } GROUP BY ?file ?from ORDER BY ?file"
    )
    result = runner.invoke(app, ["query", str(query), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["file"], r["from"]) for r in rows] == [
        ("housing.pdf", "pdf"),
        ("tenancy.docx", "docx"),
    ]
    flows = runner.invoke(app, ["flows", "--format", "json"])
    assert flows.exit_code == 0, flows.output
    found = json.loads(flows.stdout)
    text = json.dumps(found)
    for recipient, _ in RECIPIENTS:
        assert text.count(json.dumps(recipient)[1:-1]) >= 2, recipient  # from both notices

    from fastapi.testclient import TestClient

    from flowgraph.serve.app import create_app

    pdf_text = (workspace / "notices" / "housing.pdf.md").read_text(encoding="utf-8")
    start = pdf_text.index("the Department for Work and Pensions")
    end = start + len("the Department for Work and Pensions")
    with TestClient(create_app(Settings())) as client:
        page = client.get("/notice/housing.pdf", params={"start": start, "end": end})
        assert page.status_code == 200, page.text
        marked = re.search(r"<mark id='q'>(.*?)</mark>", page.text, re.S).group(1)
        assert html.unescape(re.sub(r"</?span[^>]*>", "", marked)) == pdf_text[start:end]


def test_a_bulleted_list_in_a_table_cell_stays_a_list(extractor, tmp_path):
    import docx
    import weasyprint

    page = (
        "<h1>Council Tax privacy notice</h1><h2>Who we share your information with</h2>"
        "<style>td, th { border: 1px solid black; padding: 3pt }</style>"
        "<table style='border-collapse: collapse'>"
        "<tr><th>Service</th><th>Recipients</th></tr>"
        "<tr><td>Benefits</td><td><ul><li>HMRC</li><li>the Department for Work and Pensions</li>"
        "</ul></td></tr></table>"
    )
    (tmp_path / "cell.pdf").write_bytes(weasyprint.HTML(string=page).write_pdf())
    document = docx.Document()
    document.add_heading("Council Tax privacy notice", 1)
    document.add_heading("Who we share your information with", 2)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text, table.cell(1, 0).text = (
        "Service",
        "Recipients",
        "Benefits",
    )
    cell = table.cell(1, 1)
    cell.paragraphs[0].text = "HMRC"
    cell.paragraphs[0].style = "List Bullet"
    cell.add_paragraph("the Department for Work and Pensions", style="List Bullet")
    document.save(str(tmp_path / "cell.docx"))
    for name in ("cell.pdf", "cell.docx"):
        notice = read_notice(NoticeSource(tmp_path / name, CONTROLLER))
        row = "| Benefits | <ul><li>HMRC</li><li>the Department for Work and Pensions</li></ul> |"
        assert row in notice.text.splitlines(), notice.text
        extraction = extractor.extract(NoticeSource(tmp_path / name, CONTROLLER))
        found = [(r.text, r.entity.key) for s in extraction.services for r in s.recipients]
        assert found == [
            ("HMRC", "hmrc"),
            ("the Department for Work and Pensions", "dwp"),
        ]
