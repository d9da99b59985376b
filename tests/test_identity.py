"""One IRI per real-world entity: recipients in one notice join controllers of another."""

from __future__ import annotations

from flowgraph.query.library import load_library, run
from flowgraph.store.base import open_store

BASE = "https://w3id.org/flowgraph/id/"

SAME_ENTITY = """
PREFIX fg: <https://w3id.org/flowgraph/ns#>
SELECT DISTINCT ?entity ?role WHERE {
  { ?flow a fg:Flow ; fg:to ?entity . BIND("recipient" AS ?role) }
  UNION { ?notice fg:controller ?entity . BIND("controller" AS ?role) }
  UNION { ?service fg:representsOrganisation ?entity . BIND("service" AS ?role) }
  UNION { ?flow a fg:OnwardFlow ; fg:from ?entity . BIND("onward sender" AS ?role) }
}
"""


def roles(store, iri: str) -> set[str]:
    return {row["role"] for row in store.select(SAME_ENTITY, {"entity": iri})[1]}


def test_entities_seen_in_two_roles_share_one_iri(built, settings):
    store = open_store(settings)
    assert roles(store, BASE + "org/llep") == {"recipient", "service"}
    assert roles(store, BASE + "org/leicestershire-county-council") == {"recipient", "controller"}
    assert roles(store, BASE + "org/oadby-and-wigston-borough-council") == {
        "recipient",
        "controller",
    }
    assert roles(store, BASE + "org/leicester-city-council") == {"recipient", "controller"}
    assert roles(store, BASE + "org/dfe") == {"recipient", "onward sender"}


def test_chain_from_planning_to_third_parties_over_property_paths(built, settings):
    store = open_store(settings)
    query = f"""
    PREFIX fg: <https://w3id.org/flowgraph/ns#>
    SELECT ?planning WHERE {{
      ?planning fg:sharesDataWith <{BASE}org/llep> .
      <{BASE}org/llep> fg:sharesDataWith/fg:sharesDataWith/fg:sharesDataWith <{BASE}category/third-parties>
    }}
    """
    _, rows = store.select(query)
    assert any(row["planning"].endswith("service/planning-and-transport") for row in rows)


def test_memory_backend_answers_like_oxigraph(built, settings):
    flows = load_library(settings.queries_dir)["flows"]
    oxigraph_rows = run(open_store(settings), flows)[1]
    memory_rows = run(open_store(settings.model_copy(update={"store": "memory"})), flows)[1]

    def key(r: dict) -> tuple:
        return (
            r["notice"],
            r["start"],
            r["end"],
            r["recipient"],
            r["recipientText"],
            r["fromLabel"] or "",
        )

    assert sorted(map(key, oxigraph_rows)) == sorted(map(key, memory_rows))
