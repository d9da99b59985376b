"""The completeness and comparison pages and APIs on the live endpoint."""

from __future__ import annotations


def test_check_index_lists_every_activity_with_a_score(server):
    client, _ = server
    page = client.get("/check")
    assert page.status_code == 200
    assert (
        page.text.count("<tr>") == 1 + 24 + 1
    )  # header, 24 seed activities, Northbrook council tax
    assert "leicester-city-council-service-areas.txt" in page.text


def test_check_page_of_one_notice_shows_quotes_and_flags(server):
    client, _ = server
    page = client.get("/check", params={"notice": "leicester-city-council-service-areas.txt"})
    assert page.status_code == 200
    assert page.text.count("<h2>") == 20
    assert "invalid transfer safeguard" in page.text and "Privacy Shield" in page.text
    assert "met by another notice" in page.text
    assert client.get("/check", params={"notice": "nope.txt"}).status_code == 404


def test_check_api_matches_the_cli_json(server):
    client, _ = server
    data = client.get("/api/check", params={"controller": "Leicestershire County Council"}).json()
    assert len(data) == 1
    assert sorted(data[0]["missing"]) == ["automated-decisions-stated", "right-to-restriction"]


def test_compare_page_and_api(server):
    client, _ = server
    empty = client.get("/compare")
    assert empty.status_code == 200 and "Choose two or more councils" in empty.text
    params = [("council", "Leicester City Council"), ("council", "Leeds City Council"),
              ("service_like", "Housing")]  # fmt: skip
    page = client.get("/compare", params=params)
    assert page.status_code == 200 and "id='comparison'" in page.text
    assert "council-wide notice: leeds-city-council-general.txt" in page.text
    api = client.get("/api/compare", params=params).json()
    assert "Courts and tribunals" in api["common"]["recipients"]
    assert api["councils"][1]["services"] == []
    bad = client.get("/api/compare", params=[("council", "Leeds City Council")])
    assert bad.status_code == 400 and "at least two" in bad.text


def test_a_notice_page_links_to_its_completeness(server):
    client, _ = server
    page = client.get("/id/notice/leeds-city-council-general", headers={"Accept": "text/html"})
    assert "/check?notice=leeds-city-council-general.txt" in page.text
    check = client.get("/check", params={"notice": "leeds-city-council-general.txt"})
    assert "vague recipient" in check.text and "Who the controller is" in check.text
