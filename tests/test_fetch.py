"""`flowgraph fetch` against a real council site on 127.0.0.1 (tests/notice_server.py): first
fetch, unchanged (304), changed page, every failure leaving the previous version as it was,
private addresses refused. No test talks to anything but loopback."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
from notice_server import LAST_MODIFIED, Site, council_site
from typer.testing import CliRunner

from flowgraph.cli import app
from flowgraph.history import changes
from flowgraph.ingest import address_guard, fetch
from flowgraph.ingest.archive import Archive
from flowgraph.ingest.fetch import Client, FetchError, user_agent
from flowgraph.ingest.watch import read_watch
from flowgraph.ingest.watcher import ERROR, NEW, NOT_MODIFIED, SAME, fetch_all
from flowgraph.settings import Settings
from flowgraph.workspace import init

PAGES = Path(__file__).parent / "data" / "pages"
V1 = (PAGES / "localgov-housing.html").read_bytes()
NEW_ROW = b"<tr><td>Rutland Food Bank</td><td>To refer you for emergency food</td></tr>"
V2 = V1.replace(b"</tbody>", NEW_ROW + b"\n</tbody>")
NOTICE = "rutland-county-council-housing"
runner = CliRunner()


@pytest.fixture
def site() -> Site:
    with council_site() as served:
        served.pages["/notice"] = ("text/html; charset=utf-8", V1)
        yield served


@pytest.fixture
def home(tmp_path: Path, site: Site) -> Path:
    init(tmp_path / "ws")
    watch(tmp_path / "ws", f"{site.base}/notice")
    return tmp_path / "ws"


def watch(home: Path, *urls: str) -> None:
    lines = ["url,controller,service,selector,notice"]
    lines += [f"{url},Rutland County Council,Housing,," for url in urls]
    (home / "watch.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run(home: Path, *, allow_private: bool = True, timeout: float = 1.0, max_bytes: int = 1_000_000):  # fmt: skip
    settings = Settings(home=home)
    client = Client(timeout=timeout, max_bytes=max_bytes, delay=0, allow_private=allow_private)
    return fetch_all(settings, read_watch(settings.watch_file), client)


def cli(home: Path, *args: str):
    return runner.invoke(
        app, ["--workspace", str(home), "fetch", "--delay", "0", "--timeout", "1", *args]
    )


def manifest(home: Path) -> list[dict[str, str]]:
    with (home / "notices" / "manifest.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def archive(home: Path) -> Archive:
    return Archive(Settings(home=home).archive_dir)


def state(home: Path) -> dict[str, bytes]:
    """Every file of the notices folder and the archive, by path: a failed fetch changes none."""
    return {
        str(p.relative_to(home)): p.read_bytes()
        for folder in (home / "notices", Settings(home=home).archive_dir)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def versions_state(files: dict[str, bytes]) -> dict[str, bytes]:
    """`state` without the validators of the last answer (an unchanged notice with a new ETag
    updates them, and only them)."""
    return {k: v for k, v in files.items() if not k.endswith("validators.json")}


def test_first_fetch_keeps_the_page_the_notice_and_its_manifest_row(home: Path, site: Site) -> None:  # fmt: skip
    [outcome] = run(home)
    assert outcome.result == NEW
    assert outcome.entry.notice == NOTICE
    [version] = archive(home).versions()
    assert version.notice == NOTICE
    assert version.url == f"{site.base}/notice"
    assert (version.controller, version.service) == ("Rutland County Council", "Housing")
    assert (version.media_type, version.status, version.suffix) == ("text/html", "200", ".html")
    assert version.etag == '"' + hashlib.sha256(V1).hexdigest()[:16] + '"'
    assert version.last_modified == LAST_MODIFIED
    notice = (home / "notices" / f"{NOTICE}.html").read_text(encoding="utf-8")
    # the version is the notice file the build reads; the page as retrieved is kept beside it
    assert version.sha256 == hashlib.sha256(notice.encode()).hexdigest()
    assert archive(home).read(version) == notice.encode()
    assert (version.original_sha256, version.original_suffix) == (hashlib.sha256(V1).hexdigest(), ".html")  # fmt: skip
    objects = archive(home).directory / "objects"
    assert (objects / f"{version.original_sha256}.html").read_bytes() == V1
    assert "<td>Leicestershire Police</td>" in notice
    assert "<h2>Who we share your information with</h2>" in notice
    assert "Accept all cookies" not in notice and "Bins, recycling" not in notice
    [row] = manifest(home)
    assert row == {
        "file": f"{NOTICE}.html",
        "controller": "Rutland County Council",
        "service": "Housing",
        "title": "Housing privacy notice | Rutland County Council",
        "url": f"{site.base}/notice",
        "retrieved": version.retrieved[:10],
        "format": "html",
        "sha256": hashlib.sha256(notice.encode()).hexdigest(),
    }
    [(_, headers)] = [r for r in site.requests if r[0] == "/notice"]
    assert headers["user-agent"] == user_agent()
    assert user_agent().startswith("flowgraph/") and "privacy-notice watcher" in user_agent()
    assert "if-none-match" not in headers
    assert [p for p, _ in site.requests] == ["/robots.txt", "/notice"]


def test_unchanged_page_costs_one_304_and_writes_nothing(home: Path, site: Site) -> None:
    run(home)
    before = state(home)
    [outcome] = run(home)
    assert outcome.result == NOT_MODIFIED
    second = site.seen("/notice")[1]
    assert second["if-none-match"] == '"' + hashlib.sha256(V1).hexdigest()[:16] + '"'
    assert second["if-modified-since"] == LAST_MODIFIED
    assert len(archive(home).versions()) == 1
    assert state(home) == before


def test_same_bytes_without_a_304_is_unchanged_too(home: Path, site: Site) -> None:
    run(home)
    site.pages["/other"] = ("text/html", V1)  # the notice moved: no conditional headers sent
    watch(home, f"{site.base}/other")
    before = state(home)
    [outcome] = run(home)
    assert outcome.result == SAME
    assert "if-none-match" not in site.seen("/other")[0]
    assert versions_state(state(home)) == versions_state(before)


def test_changed_page_is_a_second_version_with_the_new_recipient(home: Path, site: Site) -> None:
    run(home)
    site.pages["/notice"] = ("text/html; charset=utf-8", V2)
    [outcome] = run(home)
    assert outcome.result == NEW
    first, second = archive(home).versions(NOTICE)
    assert (first.original_sha256, second.original_sha256) == (hashlib.sha256(V1).hexdigest(), hashlib.sha256(V2).hexdigest())  # fmt: skip
    notice = (home / "notices" / f"{NOTICE}.html").read_bytes()
    assert b"<td>Rutland Food Bank</td>" in notice
    assert b"Rutland Food Bank" not in archive(home).read(first)
    assert archive(home).read(second) == notice
    assert first.etag != second.etag
    [row] = manifest(home)
    assert row["sha256"] == hashlib.sha256(notice).hexdigest()


def test_a_page_whose_surroundings_changed_is_the_same_version(home: Path, site: Site) -> None:
    """Another cookie banner and footer, the same notice: no new version."""
    run(home)
    before = state(home)
    chrome = V1.replace(b"Accept all cookies", b"Accept cookies").replace(b"2026", b"2027")
    site.pages["/notice"] = ("text/html; charset=utf-8", chrome)
    [outcome] = run(home)
    assert outcome.result == SAME
    assert len(site.seen("/notice")) == 2
    assert versions_state(state(home)) == versions_state(before)
    # the new page's ETag is what the next fetch sends: one 304, not the whole page again
    [again] = run(home)
    assert again.result == NOT_MODIFIED
    assert site.seen("/notice")[-1]["if-none-match"] == '"' + hashlib.sha256(chrome).hexdigest()[:16] + '"'  # fmt: skip


FAILURES = {
    "404": "/notice: HTTP 404 Not Found",
    "500": "/notice: HTTP 500 Internal Server Error",
    "slow": "/notice: no answer within 1 s (timed out)",
    "big": "/notice: body is over the limit of 1,000,000 bytes (--max-bytes); stopped reading",
    "loop": "/notice: redirect loop: {base}/notice -> {base}/loop-b -> {base}/notice",
    "png": "/notice: content type image/png is not a notice format (HTML, PDF, Word .docx, "
    "plain text or Markdown); not kept",
}


@pytest.mark.parametrize("mode", sorted(FAILURES))
def test_a_failure_is_named_and_leaves_the_previous_version(home: Path, site: Site, mode: str) -> None:  # fmt: skip
    run(home)
    before = state(home)
    site.modes["/notice"] = mode
    if mode == "loop":
        site.modes["/loop-b"] = mode
    [outcome] = run(home)
    assert outcome.result == ERROR
    assert outcome.detail == site.base + FAILURES[mode].format(base=site.base)
    assert state(home) == before
    result = cli(home, "--allow-private", "--max-bytes", "1000000")
    assert result.exit_code == 2
    assert f"error: {site.base}/notice" in result.stderr
    assert "1 watched: 0 new, 0 unchanged, 1 failed" in result.stdout
    assert state(home) == before


def test_a_failing_entry_does_not_stop_the_others(home: Path, site: Site) -> None:
    site.pages["/other"] = ("text/plain; charset=utf-8", b"Rutland County Council shares...\n")
    (home / "watch.csv").write_text(
        "url,controller,service,notice\n"
        f"{site.base}/gone,Rutland County Council,Housing,\n"
        f"{site.base}/other,Rutland County Council,Parking,rutland-parking\n",
        encoding="utf-8",
    )
    result = cli(home, "--allow-private")
    assert result.exit_code == 2
    assert f"error: {site.base}/gone: HTTP 404 Not Found" in result.stderr
    assert (home / "notices" / "rutland-parking.txt").read_bytes() == b"Rutland County Council shares...\n"  # fmt: skip
    assert [r["file"] for r in manifest(home)] == ["rutland-parking.txt"]
    assert manifest(home)[0]["format"] == "plain"
    assert "2 watched: 1 new, 0 unchanged, 1 failed" in result.stdout


def test_robots_disallow_skips_the_page(home: Path, site: Site) -> None:
    site.pages["/private/notice"] = ("text/html", V1)
    watch(home, f"{site.base}/private/notice")
    [outcome] = run(home)
    assert outcome.result == ERROR
    assert outcome.detail == f"{site.base}/private/notice: robots.txt of the site disallows fetching it; skipped"  # fmt: skip
    assert site.seen("/private/notice") == []
    assert state(home) == {"notices/manifest.csv": b"file,controller,service,title,url,retrieved,format,sha256\n"}  # fmt: skip


def test_loopback_is_refused_without_allow_private(home: Path, site: Site) -> None:
    [outcome] = run(home, allow_private=False)
    assert outcome.result == ERROR
    assert outcome.detail == (
        f"{site.base}/notice: 127.0.0.1 resolves to 127.0.0.1, a loopback address; not fetched "
        "(--allow-private fetches from private and loopback addresses)"
    )
    assert site.requests == []  # not even robots.txt
    result = cli(home)
    assert result.exit_code == 2
    assert "a loopback address; not fetched" in " ".join(result.stderr.split())


@pytest.mark.parametrize("address", ["10.0.0.7", "169.254.169.254", "192.168.1.1", "[::1]", "0.0.0.0"])  # fmt: skip
def test_a_redirect_to_a_private_address_is_refused(home: Path, site: Site, monkeypatch: pytest.MonkeyPatch, address: str) -> None:  # fmt: skip
    """The site itself is made to look public (the guard passes 127.0.0.1 for this test only);
    the hop it redirects to is checked like the first."""
    real = address_guard.why_private
    monkeypatch.setattr(address_guard, "why_private", lambda a: None if a == "127.0.0.1" else real(a))  # fmt: skip
    site.modes["/notice"] = f"redirect:http://{address}/latest/meta-data/"
    [outcome] = run(home, allow_private=False)
    assert outcome.result == ERROR
    assert outcome.detail.startswith(f"{site.base}/notice: redirected to http://{address}/latest/meta-data/: ")  # fmt: skip
    assert "address; not fetched" in outcome.detail
    assert state(home) == {"notices/manifest.csv": b"file,controller,service,title,url,retrieved,format,sha256\n"}  # fmt: skip


def test_a_private_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(address_guard, "resolve", lambda host, port: ["10.1.2.3"])
    with pytest.raises(address_guard.RefusedAddress, match=r"intranet\.example resolves to 10\.1\.2\.3, a private address"):  # fmt: skip
        address_guard.target("https://intranet.example/notice")
    monkeypatch.setattr(address_guard, "resolve", lambda host, port: ["93.184.215.14", "::ffff:127.0.0.1"])  # fmt: skip
    with pytest.raises(address_guard.RefusedAddress, match="a loopback address"):
        address_guard.target("https://mixed.example/notice")
    monkeypatch.setattr(address_guard, "resolve", lambda host, port: ["93.184.215.14"])
    assert address_guard.target("https://www.example.gov.uk/notice") == ("www.example.gov.uk", 443, "93.184.215.14")  # fmt: skip
    with pytest.raises(address_guard.RefusedAddress, match="only http and https URLs"):
        address_guard.target("file:///etc/passwd")

    def no_such_name(host: str, port: int) -> list[str]:
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(address_guard, "resolve", no_such_name)
    with pytest.raises(address_guard.RefusedAddress) as caught:
        address_guard.target("https://www.nosuch.gov.uk/privacy")
    assert str(caught.value) == "https://www.nosuch.gov.uk/privacy: cannot resolve www.nosuch.gov.uk ([Errno -2] Name or service not known)"  # fmt: skip


def test_requests_to_one_host_wait_the_delay(site: Site) -> None:
    site.pages["/a"] = ("text/plain", b"a")
    waits: list[float] = []
    client = Client(delay=0.5, allow_private=True, sleep=waits.append)
    assert client.allowed(f"{site.base}/a")  # robots.txt, then the page: one wait between
    client.get(f"{site.base}/a")
    assert len(waits) == 1 and 0.4 < waits[0] <= 0.5
    assert client.allowed(f"{site.base}/a")  # robots.txt read once per site
    assert [p for p, _ in site.requests] == ["/robots.txt", "/a"]


def test_redirects_are_followed_to_the_notice(home: Path, site: Site) -> None:
    site.modes["/old"] = "redirect:/notice"
    watch(home, f"{site.base}/old")
    [outcome] = run(home)
    assert outcome.result == NEW
    assert outcome.version.url == f"{site.base}/old"
    assert [p for p, _ in site.requests] == ["/robots.txt", "/old", "/notice"]


def test_too_many_redirects_name_the_chain(home: Path, site: Site) -> None:
    for i in range(7):
        site.modes[f"/r{i}"] = f"redirect:/r{i + 1}"
    watch(home, f"{site.base}/r0")
    [outcome] = run(home)
    chain = " -> ".join(f"{site.base}/r{i}" for i in range(7))
    assert outcome.detail == f"{site.base}/r0: more than 5 redirects: {chain}"


def test_declared_oversize_is_refused_before_reading(home: Path, site: Site) -> None:
    [outcome] = run(home, max_bytes=1000)
    assert outcome.detail == f"{site.base}/notice: body of {len(V1):,} bytes is over the limit of 1,000 bytes (--max-bytes); not kept"  # fmt: skip


def test_pdf_and_docx_are_kept_as_retrieved(home: Path, site: Site) -> None:
    pdf = b"%PDF-1.4\n% a notice\n%%EOF\n"
    docx = b"PK\x03\x04 a word document"
    site.pages["/notice.pdf"] = ("application/pdf", pdf)
    site.pages["/notice.docx"] = ("application/octet-stream", docx)
    (home / "watch.csv").write_text(
        "url,controller,service,notice\n"
        f"{site.base}/notice.pdf,Rutland County Council,Housing,rutland-housing\n"
        f"{site.base}/notice.docx,Rutland County Council,Parking,rutland-parking\n",
        encoding="utf-8",
    )
    assert [o.result for o in run(home)] == [NEW, NEW]
    assert (home / "notices" / "rutland-housing.pdf").read_bytes() == pdf
    assert (home / "notices" / "rutland-parking.docx").read_bytes() == docx
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert [(v.notice, v.media_type, v.sha256, v.original_sha256) for v in archive(home).versions()] == [
        ("rutland-housing", "application/pdf", hashlib.sha256(pdf).hexdigest(), ""),
        ("rutland-parking", docx_type, hashlib.sha256(docx).hexdigest(), ""),
    ]  # fmt: skip
    assert [(r["file"], r["title"], r["format"]) for r in manifest(home)] == [
        ("rutland-housing.pdf", "", ""),
        ("rutland-parking.docx", "", ""),
    ]


def test_a_notice_added_by_hand_is_not_taken_over(home: Path, site: Site) -> None:
    (home / "notices" / f"{NOTICE}.txt").write_text("by hand\n", encoding="utf-8")
    [outcome] = run(home)
    assert outcome.result == ERROR
    assert f"notice {NOTICE!r} is in the workspace already as {NOTICE}.txt but was never fetched" in outcome.detail  # fmt: skip
    assert site.seen("/notice") == []


def test_only_and_build(home: Path, site: Site) -> None:
    unknown = cli(home, "--allow-private", "--only", "nosuch")
    assert unknown.exit_code == 2
    assert "--only 'nosuch': no watch list entry" in unknown.stderr
    result = cli(home, "--allow-private", "--only", NOTICE, "--build")
    assert result.exit_code == 0, result.output
    assert "1 watched: 1 new, 0 unchanged, 0 failed" in result.stdout
    assert "published" in result.stdout
    assert (home / "build" / "current").exists()
    again = cli(home, "--allow-private", "--only", f"{site.base}/notice", "--build")
    assert again.exit_code == 0, again.output
    assert "unchanged (304)" in again.stdout
    assert "published" not in again.stdout  # nothing changed: no build


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a certificate")
def test_https_connects_to_the_checked_address_and_verifies_the_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    with council_site(tls=(cert, key)) as site:
        site.pages["/notice"] = ("text/plain", b"Rutland County Council shares...\n")
        port = site.base.rsplit(":", 1)[1]
        client = Client(timeout=5, delay=0, allow_private=True)
        with pytest.raises(FetchError, match=r"TLS failed .*CERTIFICATE_VERIFY_FAILED"):
            client.get(f"https://localhost:{port}/notice")  # not a certificate the system trusts
        trusted = ssl.create_default_context
        monkeypatch.setattr(fetch.ssl, "create_default_context", lambda: trusted(cafile=str(cert)))
        assert client.get(f"https://localhost:{port}/notice").body == b"Rutland County Council shares...\n"  # fmt: skip
        with pytest.raises(FetchError, match="TLS failed"):  # the name is checked, not the address
            client.get(f"https://127.0.0.1:{port}/notice")


def test_a_gzipped_answer_is_kept_inflated_and_capped_inflated(home: Path, site: Site) -> None:
    site.modes["/notice"] = "gzip"
    [outcome] = run(home)
    assert outcome.result == NEW
    objects = archive(home).directory / "objects"
    assert (objects / f"{outcome.version.original_sha256}.html").read_bytes() == V1
    site.modes["/notice"] = "gzip-bomb"
    before = state(home)
    [outcome] = run(home)
    assert outcome.detail == f"{site.base}/notice: body is over the limit of 1,000,000 bytes (--max-bytes); stopped reading"  # fmt: skip
    assert state(home) == before


def test_fetch_build_then_diff_lists_exactly_the_recipients_added_and_removed(home: Path, site: Site) -> None:  # fmt: skip
    """The whole loop a user runs: fetch --build, the council edits its page, fetch --build,
    diff: one recipient added (a new table row), one removed (a row dropped)."""
    assert cli(home, "--allow-private", "--build").exit_code == 0
    dropped = b"<tr><td>Leicestershire Police</td><td>To prevent and detect crime</td></tr>"
    assert dropped in V2
    site.pages["/notice"] = ("text/html; charset=utf-8", V2.replace(dropped, b""))
    result = cli(home, "--allow-private", "--build")
    assert result.exit_code == 0, result.output
    diff = runner.invoke(app, ["--workspace", str(home), "diff", "--format", "json"])
    assert diff.exit_code == 0, diff.output
    [entry] = json.loads(diff.stdout)
    assert entry["notice"] == NOTICE and entry["new"]["url"] == f"{site.base}/notice"
    recipients = {(c["change"], c["label"]) for s in entry["services"] for c in s["changes"] if c["kind"] == "recipient"}  # fmt: skip
    assert recipients == {("added", "Rutland Food Bank"), ("removed", "Leicestershire Police")}
    # the graph's versions know the fetched text is current (fetch recorded it before the build)
    current = (Settings(home=home).output_dir / "current" / "versions.nq").read_text(
        encoding="utf-8"
    )
    [pointer] = [line for line in current.splitlines() if "#currentVersion>" in line]
    assert entry["new"]["sha256"][:12] in pointer
    # the build logged the same change for the endpoint's /changes
    [logged] = changes.read(archive(home))
    assert {(c["change"], c["label"]) for s in logged["services"] for c in s["changes"] if c["kind"] == "recipient"} == recipients  # fmt: skip


@pytest.mark.parametrize(
    ("address", "why"),
    [("2002:7f00:1::", "loopback"), ("2002:a00:1::", "private"), ("fec0::1", "site-local"),
     ("::ffff:10.0.0.1", "private"), ("::ffff:169.254.169.254", "private")],
)  # fmt: skip
def test_ipv4_carried_in_ipv6_and_site_local_addresses_are_private(address: str, why: str) -> None:
    assert address_guard.why_private(address) == why
    assert address_guard.why_private("2a00:1450:4009:81f::200e") is None  # a public IPv6 address


def test_a_hand_added_notice_is_matched_by_its_whole_id(home: Path, site: Site) -> None:
    """council.tax.html is not the notice "council": its row is fetched, not refused."""
    (home / "notices" / "rutland-county-council-housing.tax.html").write_text("<p>other</p>", encoding="utf-8")  # fmt: skip
    [outcome] = run(home)
    assert outcome.result == NEW
