"""What a newcomer tripped on (issue 11), each a named regression test."""

import json
import os
import shutil
import threading
import time
from pathlib import Path

import requests

from conftest import Server
from kg.store import builds, hold, unheld

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


# --- 2. typed values in /api JSON ---------------------------------------------------------------------------

def test_api_json_gives_numbers_and_booleans(server):
    rows = requests.get(server.url + "/api/compare", params={"a": "vm", "b": "containers", "dimension": "startup time"},
                        timeout=30).json()["rows"]
    assert all(isinstance(r["disputed"], bool) for r in rows)
    numbers = [r["min"] for r in rows if "min" in r]
    assert numbers and all(isinstance(n, (int, float)) for n in numbers)


# --- 3. a technology compared with itself ---------------------------------------------------------------------

def test_comparing_a_technology_with_itself_is_400(server):
    response = requests.get(server.url + "/api/compare", params={"a": "vm", "b": "virtual machines"}, timeout=30)
    assert response.status_code == 400 and "two different" in response.json()["error"]


# --- 6. errors: 400 under any Accept, format= names what it takes ----------------------------------------------

def test_a_syntax_error_is_400_as_html_when_html_is_asked_for(server):
    response = requests.post(server.url + "/sparql", data={"query": "SELECT * WHERE { ?s"},
                             headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 400 and response.headers["Content-Type"].startswith("text/html")
    assert "does not parse" in response.text


def test_a_browser_following_a_query_link_gets_the_editor(server):
    response = sparql(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/html,application/xhtml+xml,*/*;q=0.8")
    assert response.status_code == 200 and 'id="yasgui"' in response.text
    assert "SELECT * WHERE { ?s ?p ?o } LIMIT 1" in response.text


def test_an_unknown_format_is_400_naming_the_formats(server):
    response = requests.get(server.url + "/sparql", params={"query": "ASK {}", "format": "yaml"}, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"] == "format=yaml is not one of: json, xml, csv, tsv"


# --- 7. /metrics ---------------------------------------------------------------------------------------------

def test_metrics_content_type_names_its_charset_once(server):
    kind = requests.get(server.url + "/metrics", timeout=30).headers["Content-Type"]
    assert kind.count("charset") == 1


# --- 8. a server that follows its builds ----------------------------------------------------------------------

def _copy_build(source: Path, out: Path, name: str) -> Path:
    """A build folder named `name` with the data of `source`, made current atomically."""
    shutil.copytree(source, out / name)
    report = json.loads((out / name / "report.json").read_text())
    (out / name / "report.json").write_text(json.dumps({**report, "build_id": name}))
    link = out / f".current-{name}"
    os.symlink(name, link)
    os.replace(link, out / "current")
    return out / name


def test_a_running_server_switches_to_a_new_build_without_a_failed_request(build_dir, tmp_path):
    source = (build_dir / "current").resolve()
    first = _copy_build(source, tmp_path, "20260101T000000000000Z-aaaaaaaaaa")
    running = Server(tmp_path)
    statuses, stop = [], threading.Event()

    def hammer():
        while not stop.is_set():
            for path in ("/healthz", "/api/timeline", f"/sparql?query=ASK%7B%7D%23{time.monotonic_ns()}"):
                statuses.append(requests.get(running.url + path, timeout=30).status_code)

    client = threading.Thread(target=hammer)
    client.start()
    try:
        time.sleep(1)
        assert not unheld(first), "a served build is held"
        _copy_build(source, tmp_path, "20260101T000000000001Z-bbbbbbbbbb")
        deadline = time.monotonic() + 20
        while requests.get(running.url + "/healthz", timeout=30).json()["build"] != "20260101T000000000001Z-bbbbbbbbbb":
            assert time.monotonic() < deadline, "the server did not switch to the new build"
            time.sleep(0.2)
        etag = requests.get(running.url + "/api/timeline", timeout=30).headers["ETag"]
        assert "bbbbbbbbbb" in etag
        time.sleep(1)
    finally:
        stop.set()
        client.join()
        running.stop()
    assert statuses and set(statuses) == {200}


def test_only_our_builds_are_counted_and_a_held_one_is_known(tmp_path):
    for name in ("lib", "bdist.linux-x86_64", "20260101T000000000000Z-aaaaaaaaaa"):
        (tmp_path / name).mkdir()
    assert [p.name for p in builds(tmp_path)] == ["20260101T000000000000Z-aaaaaaaaaa"]
    build = tmp_path / "20260101T000000000000Z-aaaaaaaaaa"
    held = hold(build)
    assert not unheld(build)
    held.close()
    assert unheld(build)
