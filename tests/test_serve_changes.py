"""/api/changes, /changes and /changes.atom against a real server: one notice changed between
two builds (the Home Office added as a recipient, the courts removed), the quotes at their
offsets in the archived versions, the filters, the Atom feed, the empty state and the ETags."""

from __future__ import annotations

from pathlib import Path

from conftest import COURTS, HOME_OFFICE, OADBY, edit_notice, wait_for_changes
from lxml import etree, html
from serving import run_build

from flowgraph.ingest.archive import Archive
from flowgraph.ingest.reader import decode_notice

ATOM = "{http://www.w3.org/2005/Atom}"


def _changes(entry: dict) -> list[tuple[str, str, str]]:
    return [(c["kind"], c["change"], c["label"]) for s in entry["services"] for c in s["changes"]]


def _oadby(answer: dict) -> dict:
    found = [e for e in answer["changes"] if e["notice"] == OADBY]
    assert len(found) >= 1, answer
    return found[-1]  # the first change to it (newest first)


def _text(root: Path, sha: str) -> str:
    archive = Archive(root / "build" / "archive")
    version = next(v for v in archive.versions(OADBY) if v.sha256 == sha)
    return decode_notice(archive.read(version), archive.path(version))[0]


def test_api_lists_exactly_the_added_and_removed_recipients(changes_server) -> None:
    client, root = changes_server["client"], changes_server["root"]
    answer = client.get("/api/changes").json()
    entry = _oadby(answer)
    assert entry["controller"] == "Oadby and Wigston Borough Council"
    assert entry["controller_iri"].endswith("/org/oadby-and-wigston-borough-council")
    assert entry["notice_iri"].endswith(f"/notice/{OADBY}")
    assert sorted(_changes(entry)) == [
        ("recipient", "added", "Home Office"),
        ("recipient", "removed", "Courts and tribunals"),
    ]
    changes = {c["change"]: c for s in entry["services"] for c in s["changes"]}
    added, removed = changes["added"], changes["removed"]
    assert added["words"] == "recipient added" and added["needs_review"] is True
    assert added["iri"].endswith("/org/home-office")
    assert removed["words"] == "recipient removed"
    assert entry["needs_review"] is True
    # the quotes at their offsets in the versions the archive keeps
    (new,) = added["new"]
    assert new["text"] == HOME_OFFICE and not added["old"]
    assert _text(root, entry["new"]["sha256"])[new["start"] : new["end"]] == new["text"]
    assert new["page_shows_this_version"] is True
    assert new["href"] == f"/notice/{OADBY}.txt?start={new['start']}&end={new['end']}#q"
    (old,) = removed["old"]
    assert old["text"] == COURTS and not removed["new"]
    assert _text(root, entry["old"]["sha256"])[old["start"] : old["end"]] == old["text"]
    assert old["page_shows_this_version"] is False and "current text" in old["note"]
    # the link marks the span in the notice page
    page = client.get(new["href"])
    assert page.status_code == 200
    assert html.fromstring(page.text).xpath("string(//mark[@id='q'])") == HOME_OFFICE


def test_filters(changes_server) -> None:
    client = changes_server["client"]
    later = client.get("/api/changes", params={"since": "2999-01-01"}).json()
    assert later["changes"] == [] and later["total"] >= 1
    same_day = _oadby(client.get("/api/changes").json())["new"]["retrieved"]
    assert client.get("/api/changes", params={"since": same_day}).json()["count"] >= 1
    other = client.get("/api/changes", params={"controller": "Leeds City Council"}).json()
    assert other["changes"] == []
    by_iri = client.get(
        "/api/changes",
        params={
            "controller": "https://w3id.org/flowgraph/id/org/oadby-and-wigston-borough-council"
        },
    ).json()
    assert [e["notice"] for e in by_iri["changes"]][-1] == OADBY
    assert client.get("/api/changes", params={"kind": "law"}).json()["changes"] == []
    recipients = client.get("/api/changes", params={"kind": "recipient"}).json()
    assert len(_changes(_oadby(recipients))) == 2
    assert client.get("/api/changes", params={"since": "yesterday"}).status_code == 400
    assert client.get("/api/changes", params={"kind": "colour"}).status_code in (400, 422)
    unknown = client.get("/api/changes", params={"controller": "Nowhere Council"})
    assert unknown.status_code == 404 and "suggestions" in unknown.json()


def test_openapi_documents_the_routes(changes_server) -> None:
    paths = changes_server["client"].get("/openapi.json").json()["paths"]
    for route in ("/api/changes", "/changes", "/changes.atom"):
        operation = paths[route]["get"]
        assert operation["summary"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"since", "controller", "kind", "limit"} <= names


def test_atom_feed_is_valid_and_linked_from_the_page(changes_server) -> None:
    client = changes_server["client"]
    answer = client.get("/changes.atom")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = etree.fromstring(answer.content)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{name}") is not None, name
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    rels = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert rels["self"].endswith("/changes.atom") and rels["alternate"].endswith("/changes")
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        for name in ("id", "title", "updated", "link", "content"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        assert entry.find(f"{ATOM}id").text.startswith("urn:sha256:")
        assert entry.find(f"{ATOM}content").get("type") == "html"
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert f"Oadby and Wigston Borough Council: 2 changes to {OADBY}" in titles
    content = next(
        e.find(f"{ATOM}content").text
        for e in entries
        if e.find(f"{ATOM}title").text.endswith(f"2 changes to {OADBY}")
    )
    assert "recipient added" in content and "Home Office" in content  # HTML, escaped in XML
    # the same filters as the API
    none = etree.fromstring(client.get("/changes.atom", params={"since": "2999-01-01"}).content)
    assert none.findall(f"{ATOM}entry") == [] and none.find(f"{ATOM}updated").text
    # linked from the page, in its head and visibly
    page = html.fromstring(client.get("/changes").text)
    alternate = page.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']/@href")
    assert alternate == ["/changes.atom"]
    assert page.xpath("//main//a[starts-with(@href, '/changes.atom')]")


def test_page_lists_changes_and_is_linked(changes_server) -> None:
    client = changes_server["client"]
    answer = client.get("/changes")
    assert answer.status_code == 200 and "content-security-policy" in answer.headers
    page = html.fromstring(answer.text)
    badges = page.xpath("//span[contains(@class, 'badge')]/text()")
    assert "added" in badges and "removed" in badges
    assert page.xpath("//span[@class='review']")
    assert HOME_OFFICE in answer.text and COURTS in answer.text
    assert page.xpath("//form[@action='/changes']//select[@name='kind']")
    assert page.xpath("//header//a[@href='/changes']")  # in the site's navigation
    chosen = client.get("/changes", params={"controller": "Leeds City Council"})
    assert chosen.status_code == 200 and "No change matches these filters" in chosen.text


def test_entity_pages_show_the_timeline(changes_server) -> None:
    client = changes_server["client"]
    for path in ("/id/org/oadby-and-wigston-borough-council", f"/id/notice/{OADBY}"):
        page = html.fromstring(client.get(path).text)
        (section,) = page.xpath("//h2[text()='Changes']/following-sibling::ul[1]")
        assert "recipient added: Home Office" in section.text_content()
        assert section.xpath(".//a[starts-with(@href, '/changes?controller=')]")
    leeds = client.get("/id/org/leeds-city-council").text
    assert "No change to Leeds City Council recorded" in leeds


def test_empty_state_explains_how_changes_are_recorded(changes_server) -> None:
    empty = changes_server["empty"]
    assert empty["api"].status_code == 200 and empty["api"].json()["changes"] == []
    page = empty["page"]
    assert page.status_code == 200
    assert "No changes recorded yet" in page.text
    assert "flowgraph build" in page.text and "flowgraph fetch" in page.text


OADBY_RECIPIENTS = f"""PREFIX fg: <https://w3id.org/flowgraph/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?label WHERE {{
  ?activity fg:declaredIn/fg:file "{OADBY}.txt" ; fg:hasFlow/fg:to ?r . ?r rdfs:label ?label }}"""


def test_sparql_as_of_answers_from_the_versions_current_then(changes_server) -> None:
    """`as_of` on /sparql: the graph of the versions current at that time (built on the first
    question), distinct ETags per date, and a clear 400 for a date it cannot read or predates."""
    client, root = changes_server["client"], changes_server["root"]
    first, second = Archive(root / "build" / "archive").versions(OADBY)[:2]

    def labels(as_of: str) -> set[str]:
        answer = client.get("/sparql", params={"query": OADBY_RECIPIENTS, "as_of": as_of},
                            headers={"Accept": "application/sparql-results+json"}, timeout=300)  # fmt: skip
        assert answer.status_code == 200, answer.text
        return {b["label"]["value"] for b in answer.json()["results"]["bindings"]}

    before, after = labels(first.retrieved), labels(second.retrieved)
    assert "Home Office" not in before and "Home Office" in after
    assert before - after == {"Courts and tribunals"} and after - before == {"Home Office"}
    tags = {
        client.get("/sparql", params={"query": OADBY_RECIPIENTS, "as_of": when}).headers["etag"]
        for when in (first.retrieved, second.retrieved)
    }
    assert len(tags) == 2
    # a date whose versions are the served graph's is answered by it: no build, the same ETag
    now = client.get("/sparql", params={"query": OADBY_RECIPIENTS})
    later = client.get("/sparql", params={"query": OADBY_RECIPIENTS, "as_of": "2999-01-01"})
    assert later.status_code == 200 and later.headers["etag"] == now.headers["etag"]
    bogus = client.get("/sparql", params={"query": OADBY_RECIPIENTS, "as_of": "last week"})
    assert bogus.status_code == 400 and "is not a date" in bogus.text
    early = client.get("/sparql", params={"query": OADBY_RECIPIENTS, "as_of": "2001-01-01"})
    assert early.status_code == 400 and "no notice version was recorded by 2001-01-01" in early.text


def test_etag_304_and_a_new_build_shows_up(changes_server) -> None:
    """Last in the file: it changes a second notice under the server."""
    client, env, notices = (
        changes_server["client"],
        changes_server["env"],
        changes_server["notices"],
    )
    tags = {}
    for route in ("/api/changes", "/changes", "/changes.atom"):
        first = client.get(route)
        tag = first.headers["etag"]
        assert first.headers["cache-control"] == "public, no-cache"
        again = client.get(route, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.headers["etag"] == tag
        tags[route] = tag
    before = client.get("/api/changes").json()["total"]
    edit_notice(notices, OADBY, HOME_OFFICE, HOME_OFFICE.replace("the Home Office", "HMRC"))
    run_build(env, notices)
    answer = wait_for_changes(client, before + 1)
    newest = answer["changes"][0]
    assert newest["notice"] == OADBY
    assert sorted(_changes(newest)) == [
        ("recipient", "added", "HM Revenue and Customs"),
        ("recipient", "removed", "Home Office"),
    ]
    for route, tag in tags.items():
        now = client.get(route, headers={"If-None-Match": tag})
        assert now.status_code == 200 and now.headers["etag"] != tag, route
