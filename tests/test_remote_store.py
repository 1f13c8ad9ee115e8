"""`virtkg serve --store URL`: the build published into a real triple store (Oxigraph's server from
PyPI, Virtuoso from Debian, started here on 127.0.0.1) and served from it. Every canned query (with its
example, and with no parameter where none is required), a sample of pages and the SPARQL protocol give
the same answers as the embedded store, but for Virtuoso's known wrong answers (VIRTUOSO_WRONG, always;
VIRTUOSO_SOMETIMES_WRONG, on some instances); a store that goes down is a 502 with a message, and the
service recovers when it is back."""

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import Server, canned_cases, comparable_csv, free_port, published, virtkg

# The embedded `server` fixture's row cap; a longer time limit, as a store compiles each new query text
# first (Virtuoso takes about 1.5 s for compare's, cold, on a busy test machine).
ENV = {"VIRTKG_QUERY_TIMEOUT": "30", "VIRTKG_ROW_LIMIT": "500"}
HTML = {"Accept": "text/html"}
PAGES = ["/", "/resource/kvm", "/resource/containers", "/ontology/Type1Hypervisor", "/source/002/4-performance",
         "/graph/002/intro", "/compare?a=vm&b=containers", "/advise?need=untrusted+code", "/search?q=hyp&list="]
SPARQL = ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
          "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
          "SELECT ?p ?l WHERE { ?p a vkg:Type1Hypervisor ; rdfs:label ?l }",
          "ASK { vkr:kvm a vkg:Hypervisor }",
          "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a vkg:Type2Hypervisor ; rdfs:label ?l }",
          "DESCRIBE vkr:kvm"]


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request, build_dir, tmp_path_factory):
    with published(request.param, tmp_path_factory.mktemp(request.param), build_dir) as endpoint:
        running = Server(build_dir, "--store", endpoint, env=ENV)
        running.store = request.param
        yield running
        running.stop()


def _sorted_lines(response: requests.Response) -> list[bytes]:
    assert response.status_code == 200, response.text[:300]
    return sorted(response.content.splitlines())


def _booleans_as_virtuoso_writes_them(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Virtuoso types a boolean a query computes (compare's `disputed`) as the integer 1 or 0; the
    value is the same, the CSV spelling is not."""
    spelling = {"true": "1", "false": "0"}
    return sorted(tuple(spelling.get(cell, cell) for cell in row) for row in rows)


# Wrong answers of Virtuoso's (7.2.5, Debian's), by test id. Always: with ?type unbound, `GRAPH ?typing
# { ?product a ?type }` joined with `?type rdfs:subClassOf* vkg:Hypervisor` gives no row at all (the
# embedded store: 7), and no form of the query we found avoids it while staying right on Oxigraph.
VIRTUOSO_WRONG = {"virtuoso-hypervisors-unbound": "Virtuoso answers no row where there are 7"}
# Sometimes: compare with no dimension, on some fresh instances and not others (7 of 68 here, the same data
# published the same way; an instance that answers it wrongly does so every time). A few claims lose their
# interval or their numbers; smaller queries over the same claims stay right on such an instance.
SOMETIMES = "on some Virtuoso instances, some claims lose their interval or their numbers"
VIRTUOSO_SOMETIMES_WRONG = {"virtuoso-compare-unbound": SOMETIMES, "virtuoso-/compare?a=vm&b=containers": SOMETIMES}


def _known_wrong(request) -> None:
    """Mark the running case with Virtuoso's known wrong answer, if it has one: strictly where it is always
    wrong, so that the test fails the day it is right."""
    case = request.node.callspec.id
    if case in VIRTUOSO_WRONG:
        request.applymarker(pytest.mark.xfail(reason=VIRTUOSO_WRONG[case], strict=True))
    elif case in VIRTUOSO_SOMETIMES_WRONG:
        request.applymarker(pytest.mark.xfail(reason=VIRTUOSO_SOMETIMES_WRONG[case], strict=False))


@pytest.mark.parametrize("name, args", canned_cases())
def test_every_canned_query_answers_the_same(remote, server, request, name, args):
    _known_wrong(request)
    path = f"/api/{name}.csv"
    theirs = comparable_csv(_sorted_lines(requests.get(remote.url + path, params=args)))
    ours = comparable_csv(_sorted_lines(requests.get(server.url + path, params=args)))
    if remote.store == "virtuoso":
        ours = _booleans_as_virtuoso_writes_them(ours)
    assert theirs == ours


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_the_same(remote, server, request, path):
    _known_wrong(request)
    ours, theirs = (requests.get(s.url + path, headers=HTML) for s in (server, remote))
    assert theirs.status_code == ours.status_code == 200
    assert theirs.text == ours.text


@pytest.mark.parametrize("query", SPARQL)
def test_the_sparql_protocol_answers_the_same(remote, server, query):
    if query.startswith("DESCRIBE") and remote.store == "virtuoso":
        pytest.skip("what DESCRIBE returns is the store's to define (SPARQL 1.1, 16.4); Virtuoso's differs")
    accept = "application/n-triples" if query.startswith(("CONSTRUCT", "DESCRIBE")) else "text/csv"
    answers = [_sorted_lines(requests.post(s.url + "/sparql", data={"query": query}, headers={"Accept": accept}))
               for s in (server, remote)]
    assert answers[0] == answers[1]


def test_a_store_that_goes_down_is_a_502_and_the_service_recovers(build_dir, tmp_path):
    port = free_port()
    location = tmp_path / "oxigraph"
    command = [str(Path(sys.executable).parent / "oxigraph"), "serve", "--location", str(location),
               "--bind", f"127.0.0.1:{port}"]

    def start():
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                return process
            time.sleep(0.1)
        raise AssertionError("oxigraph server did not start")

    store = start()
    endpoint = f"http://127.0.0.1:{port}/query"
    virtkg("publish", "--endpoint", endpoint, "--out", str(build_dir))
    running = Server(build_dir, "--store", endpoint, env=ENV)
    try:
        assert requests.get(running.url + "/api/hypervisors").status_code == 200
        store.terminate()
        store.wait(10)
        down = requests.get(running.url + "/api/hypervisors", headers={"Accept": "application/json"})
        assert down.status_code == 502 and "cannot be reached" in down.json()["error"]
        assert requests.get(running.url + "/healthz").status_code == 200, "the service itself stays up"
        store = start()
        assert requests.get(running.url + "/api/hypervisors?limit=7").status_code == 200, "back when the store is"
    finally:
        running.stop()
        store.terminate()
