"""The mapping set: valid SSSOM (read by sssom-py), every external identifier backed by a recorded
sighting, every subject one of ours under its own label, and the same mappings in the graph."""

import pyoxigraph as ox
import pytest
import requests
import yaml

from conftest import ROOT
from kg import mappings

GIST = ROOT.parent / "shared" / "ext" / "gist" / "gistCore.ttl"
EVIDENCE = ROOT / "ontology" / "mappings-evidence.yaml"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@pytest.fixture(scope="module")
def mapping_set():
    return mappings.rows()


def test_the_mapping_set_is_valid_sssom_with_its_metadata(mapping_set):
    metadata, rows = mapping_set
    assert metadata["mapping_set_id"] == "https://w3id.org/virtkg/graph/mappings"
    assert metadata["license"].startswith("https://creativecommons.org/licenses/by/4.0")
    assert metadata["creator_label"] and metadata["mapping_set_version"]
    assert len(rows) >= 25
    for row in rows:
        assert row["predicate_id"] in {SKOS + p for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch")}
        assert row["mapping_justification"] == "semapv:ManualMappingCuration"
        assert 0 < row["confidence"] <= 1
    targets = {r["object_id"].split("/")[2] for r in rows}
    assert {"www.wikidata.org", "dbpedia.org", "schema.org", "w3id.org"} <= targets


def test_every_external_identifier_has_a_recorded_sighting(mapping_set):
    _, rows = mapping_set
    evidence = yaml.safe_load(EVIDENCE.read_text(encoding="utf-8"))
    used = {r["object_id"] for r in rows}
    expand = {"wd": "http://www.wikidata.org/entity/", "dbr": "http://dbpedia.org/resource/",
              "schema": "http://schema.org/", "gist": "https://w3id.org/semanticarts/ns/ontology/gist/"}
    recorded = {expand[c.split(":", 1)[0]] + c.split(":", 1)[1]: sightings for c, sightings in evidence.items()}
    assert used == set(recorded), "every mapped identifier is recorded, and nothing else"
    for iri, sightings in recorded.items():
        assert sightings and all(s["seen_in"] and s["find"] for s in sightings), iri
    gist_text = GIST.read_text(encoding="utf-8")
    for iri in (i for i in used if "semanticarts" in i):
        assert f"gist:{iri.rsplit('/', 1)[-1]}\n" in gist_text, f"{iri} is a class of gist 14.1.0"


def test_every_subject_is_ours_under_its_own_label(mapping_set, store):
    _, rows = mapping_set
    for row in rows:
        labels = [str(s["l"].value) for s in store.query(
            "SELECT ?s ?l WHERE { ?s rdfs:label ?l }", substitutions={ox.Variable("s"): ox.NamedNode(row["subject_id"])})]
        assert labels == [row["subject_label"]], row["subject_id"]


def test_the_mappings_are_in_their_own_graph_and_on_pages(mapping_set, store, server):
    _, rows = mapping_set
    in_graph = {(q.subject.value, q.predicate.value, q.object.value) for q in store.store.quads_for_pattern(
        None, None, None, ox.NamedNode("https://w3id.org/virtkg/graph/mappings")) if q.predicate.value.endswith("Match")}
    assert in_graph == {(r["subject_id"], r["predicate_id"], r["object_id"]) for r in rows}
    page = requests.get(server.url + "/resource/kubernetes", headers={"Accept": "text/html"}).text
    assert 'href="http://www.wikidata.org/entity/Q22661306"' in page
