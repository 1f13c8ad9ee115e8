"""What a newcomer tripped on (issue 11), each a named regression test."""

import json

import requests

KVM = "https://w3id.org/virtkg/resource/kvm"
README_CSV = ("SELECT ?s ?label WHERE { ?s a <https://w3id.org/virtkg/ontology/Type2Hypervisor> ; "
              "<http://www.w3.org/2000/01/rdf-schema#label> ?label }")


def sparql(server, query: str, accept: str = "application/sparql-results+json") -> requests.Response:
    return requests.get(server.url + "/sparql", params={"query": query}, headers={"Accept": accept}, timeout=30)


# --- 1. the default graph is a set ------------------------------------------------------------------------

def test_the_readme_csv_example_has_no_duplicate_rows(server):
    rows = sparql(server, README_CSV, "text/csv").text.strip().splitlines()[1:]
    assert rows and len(rows) == len(set(rows))


def test_a_count_over_the_default_graph_counts_each_triple_once(server, store):
    counted = sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").json()["results"]["bindings"][0]["n"]
    distinct = sparql(server, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
    n = int(counted["value"])
    assert n == int(distinct.json()["results"]["bindings"][0]["n"]["value"]) == store.report["triples"]
    assert n < store.report["quads"]


def test_describe_states_each_value_once(server):
    lines = sparql(server, f"DESCRIBE <{KVM}>", "application/n-triples").text.strip().splitlines()
    assert lines and len(lines) == len(set(lines))


def test_graph_patterns_still_see_every_section(server):
    rows = sparql(server, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{KVM}> a ?type }} }}").json()["results"]["bindings"]
    assert len(rows) >= 3
