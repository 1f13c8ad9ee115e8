"""/sparql against real clients on a real server: SPARQLWrapper, raw HTTP for every format and every
error status, caching and concurrency."""

import gzip
import json
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import rdflib
import requests
from SPARQLWrapper import JSON, XML, SPARQLWrapper

from conftest import Server

TYPE1 = ("PREFIX vkg: <https://w3id.org/virtkg/ontology/> "
         "SELECT ?product WHERE { ?product a vkg:Type1Hypervisor } ORDER BY ?product")
KVM = "https://w3id.org/virtkg/resource/kvm"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def sparql(server, **kwargs):
    return requests.request(kwargs.pop("method", "GET"), server.url + "/sparql", timeout=30, **kwargs)


# --- real clients ------------------------------------------------------------------------------------

def wrapper(server, query, fmt):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client.query().convert()


def test_sparqlwrapper_select_json(server):
    rows = wrapper(server, TYPE1, JSON)["results"]["bindings"]
    assert KVM in [r["product"]["value"] for r in rows]


def test_sparqlwrapper_select_xml(server):
    document = wrapper(server, TYPE1, XML)
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert KVM in uris


def test_sparqlwrapper_ask(server):
    assert wrapper(server, f"ASK {{ <{KVM}> a ?type }}", JSON)["boolean"] is True
    assert wrapper(server, "ASK { <urn:nothing> ?p ?o }", JSON)["boolean"] is False


def test_sparqlwrapper_construct_into_rdflib(server):
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(f"CONSTRUCT {{ <{KVM}> ?p ?o }} WHERE {{ <{KVM}> ?p ?o }}")
    graph = client.queryAndConvert()
    assert isinstance(graph, rdflib.Graph)
    assert (rdflib.URIRef(KVM), rdflib.RDF.type, rdflib.URIRef("https://w3id.org/virtkg/ontology/Type1Hypervisor")) in graph


# --- formats and negotiation ----------------------------------------------------------------------

@pytest.mark.parametrize("accept, media_type", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_formats_by_accept(server, accept, media_type):
    response = sparql(server, params={"query": TYPE1}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" in response.headers["Vary"]
    assert "kvm" in response.text


@pytest.mark.parametrize("fmt, media_type, parser", [
    ("turtle", "text/turtle", "turtle"), ("ntriples", "application/n-triples", "nt"),
    ("rdfxml", "application/rdf+xml", "xml"), ("jsonld", "application/ld+json", "json-ld"),
])
def test_construct_formats_by_format_parameter(server, fmt, media_type, parser):
    response = sparql(server, params={"query": f"DESCRIBE <{KVM}>", "format": fmt})
    assert response.headers["Content-Type"].split(";")[0] == media_type
    graph = rdflib.Graph().parse(data=response.text, format=parser)
    assert (rdflib.URIRef(KVM), None, None) in graph


@pytest.mark.parametrize("accept, media_type", [("text/turtle", "text/turtle"),
                                                ("application/rdf+xml;q=1, text/turtle;q=0.1", "application/rdf+xml")])
def test_construct_formats_by_accept(server, accept, media_type):
    response = sparql(server, method="POST", data={"query": f"CONSTRUCT WHERE {{ <{KVM}> ?p ?o }}"},
                      headers={"Accept": accept})
    assert response.headers["Content-Type"].split(";")[0] == media_type


def test_three_ways_to_send_a_query_agree(server):
    get = sparql(server, params={"query": TYPE1})
    form = sparql(server, method="POST", data={"query": TYPE1})
    direct = sparql(server, method="POST", data=TYPE1.encode(), headers={"Content-Type": "application/sparql-query"})
    assert get.json() == form.json() == direct.json()


def test_default_graph_is_the_union_and_dataset_parameters_narrow_it(server):
    graph = "https://w3id.org/virtkg/graph/vocabulary"
    union = sparql(server, params={"query": f"ASK {{ <{KVM}> a <https://w3id.org/virtkg/ontology/Type1Hypervisor> }}"})
    assert union.json()["boolean"] is True
    narrowed = sparql(server, params={"query": f"ASK {{ <{KVM}> a <https://w3id.org/virtkg/ontology/Type1Hypervisor> }}",
                                      "default-graph-uri": graph})
    assert narrowed.json()["boolean"] is False, "the vocabulary graph alone does not type KVM finely"
    named = sparql(server, params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": graph})
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [graph]


def test_unacceptable_format_is_406(server):
    response = sparql(server, params={"query": TYPE1}, headers={"Accept": "image/png"})
    assert response.status_code == 406 and "application/sparql-results+json" in response.json()["error"]


# --- read-only and safe ---------------------------------------------------------------------------

@pytest.mark.parametrize("request_kwargs", [
    {"method": "POST", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    {"method": "POST", "data": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}},
    {"method": "GET", "params": {"query": "DELETE WHERE { ?s ?p ?o }"}},
])
def test_updates_are_refused(server, request_kwargs):
    response = sparql(server, **request_kwargs)
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]
    assert sparql(server, params={"query": f"ASK {{ <{KVM}> ?p ?o }}"}).json()["boolean"] is True


def test_service_is_refused_and_no_connection_is_made(server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(3)
    port = listener.getsockname()[1]
    connections = []

    def accept():
        try:
            connections.append(listener.accept())
        except OSError:
            pass
    watcher = threading.Thread(target=accept)
    watcher.start()
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    response = sparql(server, params={"query": query})
    watcher.join()
    listener.close()
    assert response.status_code == 400 and "SERVICE" in response.json()["error"]
    assert connections == []


def test_malformed_query_is_400_with_line_and_column(server):
    response = sparql(server, params={"query": "SELECT * WHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    assert "at line 2, column 8" in response.json()["error"]


def test_oversize_query_is_413(server):
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000
    assert sparql(server, method="POST", data={"query": query}).status_code == 413


def test_slow_query_is_stopped_while_others_are_answered(server):
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(sparql, server, params={"query": SLOW, "timeout": "1.5"})
        time.sleep(0.3)
        started = time.monotonic()
        quick = sparql(server, params={"query": f"ASK {{ <{KVM}> ?p ?o }} # not cached: {started}"})
        quick_seconds = time.monotonic() - started
        slow_response = slow.result()
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert quick_seconds < 1.0
    assert slow_response.status_code == 503
    assert "time limit of 1.5 s" in slow_response.json()["error"]
    assert sparql(server, params={"query": "ASK { ?s ?p ?o }"}).status_code == 200, "a stopped worker is replaced"


@pytest.mark.parametrize("timeout", ["soon", "-1", "0"])
def test_bad_timeout_is_400(server, timeout):
    assert sparql(server, params={"query": TYPE1, "timeout": timeout}).status_code == 400


def test_timeout_cannot_raise_the_cap(server):
    response = sparql(server, params={"query": SLOW, "timeout": "99999"})
    assert response.status_code == 503 and "time limit of 3 s" in response.json()["error"]


def test_results_past_the_row_cap_are_cut_and_say_so(server):
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    as_json = sparql(server, params={"query": query})
    body = as_json.json()
    assert as_json.headers["X-Virtkg-Truncated"] == "true"
    assert body["truncated"] is True and body["rowLimit"] == 500
    assert len(body["results"]["bindings"]) == 500
    as_csv = sparql(server, params={"query": query, "format": "csv"})
    assert as_csv.headers["X-Virtkg-Truncated"] == "true" and len(as_csv.text.strip().splitlines()) == 501
    small = sparql(server, params={"query": TYPE1})
    assert "X-Virtkg-Truncated" not in small.headers and "truncated" not in small.json()


@pytest.mark.parametrize("request_kwargs, status", [
    ({"method": "POST", "data": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
    ({"method": "POST", "data": {"other": "x"}}, 400),
    ({"method": "GET", "params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),
    ({"method": "PUT", "data": b"ASK {}"}, 405),
])
def test_protocol_misuse_is_a_4xx_with_a_message(server, request_kwargs, status):
    response = sparql(server, **request_kwargs)
    assert response.status_code == status
    assert response.json()["error"]


def test_errors_are_html_for_browsers(server):
    """A browser's GET of a query link opens the editor (tests/test_newcomer.py); a form it POSTs is
    answered, and an error as a page."""
    response = sparql(server, method="POST", data={"query": "SELEC"},
                      headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 400 and response.headers["Content-Type"].startswith("text/html")
    assert "does not parse" in response.text and "Traceback" not in response.text


# --- caching, compression, CORS, description, health ---------------------------------------------

def test_conditional_get_is_304_on_a_matching_etag(server):
    first = sparql(server, params={"query": TYPE1})
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = sparql(server, params={"query": TYPE1}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = sparql(server, params={"query": TYPE1, "format": "csv"}, headers={"If-None-Match": etag})
    assert other.status_code == 200, "another representation has another ETag"


@pytest.mark.parametrize("params, accept", [
    ({"query": TYPE1}, "application/sparql-results+json"),  # found: HEAD of a query was 415, as if it were a POST
    ({"query": TYPE1, "format": "csv"}, "*/*"),
    ({"query": f"DESCRIBE <{KVM}>"}, "text/turtle"),
    ({"query": "SELECT * WHERE { ?s ?p"}, "application/json"),  # an error, as GET gives it
    ({}, "text/turtle"),  # the service description
    ({}, "text/html"),  # the editor
])
def test_head_is_get_without_the_body(server, params, accept):
    """RFC 9110, 9.3.2: the same status and header fields as GET, and no content."""
    got, head = (sparql(server, method=method, params=params, headers={"Accept": accept}) for method in ("GET", "HEAD"))
    same = lambda response: (response.status_code, {k: v for k, v in response.headers.items() if k.lower() not in ("date", "x-virtkg-cache")})
    assert same(head) == same(got) and head.content == b""


def test_repeated_requests_are_replayed_exactly_by_the_edge(server):
    query = f"{TYPE1} # edge {time.monotonic()}"
    first = sparql(server, params={"query": query}, headers={"Accept": "text/csv"})
    again = sparql(server, params={"query": query}, headers={"Accept": "text/csv"})
    assert (first.headers["X-Virtkg-Cache"], again.headers["X-Virtkg-Cache"]) == ("miss", "hit")
    assert again.content == first.content and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    other = sparql(server, params={"query": query}, headers={"Accept": "application/sparql-results+xml"})
    assert other.headers["X-Virtkg-Cache"] == "miss" and other.text.startswith("<?xml")
    held = sparql(server, params={"query": query}, headers={"Accept": "text/csv", "If-None-Match": first.headers["ETag"]})
    assert held.status_code == 304 and held.content == b"" and held.headers["X-Virtkg-Cache"] == "hit"
    posted = [sparql(server, method="POST", data=query.encode(), headers={"Content-Type": "application/sparql-query"})
              for _ in range(2)]
    assert [p.headers["X-Virtkg-Cache"] for p in posted] == ["miss", "hit"] and posted[0].content == posted[1].content
    hits = re.search(r'virtkg_result_cache_total\{result="hit"\} (\S+)', requests.get(server.url + "/metrics").text)
    assert float(hits.group(1)) >= 3


def test_with_the_store_off_every_answer_is_made_afresh(build_dir):
    unstored = Server(build_dir, env={"VIRTKG_CACHE_MB": "0"})
    try:
        answers = [sparql(unstored, params={"query": TYPE1}) for _ in range(2)]
        assert [a.status_code for a in answers] == [200, 200] and answers[0].content == answers[1].content
        assert all("X-Virtkg-Cache" not in a.headers for a in answers)
        assert 'virtkg_result_cache_total{result="hit"}' not in requests.get(unstored.url + "/metrics").text
    finally:
        unstored.stop()


def test_errors_are_never_replayed(server):
    for _ in range(2):
        response = sparql(server, params={"query": "SELECT ?x WHERE { ?x"})
        assert response.status_code == 400 and "X-Virtkg-Cache" not in response.headers


def test_responses_are_gzipped_when_asked(server):
    response = requests.get(server.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 200"},
                            headers={"Accept-Encoding": "gzip"}, stream=True, timeout=30)
    assert response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.raw.read()))["results"]["bindings"]


def test_cors_allows_any_origin(server):
    response = sparql(server, params={"query": TYPE1}, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(server.url + "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"}, timeout=10)
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_service_description_without_a_query(server):
    response = sparql(server, headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = graph.value(predicate=rdflib.RDF.type, object=sd.Service)
    assert graph.value(service, sd.endpoint) == rdflib.URIRef(server.url + "/sparql")
    assert (service, sd.feature, sd.UnionDefaultGraph) in graph
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph


def test_health_and_metrics(server):
    health = requests.get(server.url + "/healthz", timeout=10).json()
    assert health["status"] == "ok" and health["build"]
    sparql(server, params={"query": TYPE1})
    metrics = requests.get(server.url + "/metrics", timeout=10).text
    assert 'virtkg_requests_total{endpoint="/sparql"' in metrics
    assert "virtkg_result_cache_total" in metrics and "virtkg_query_timeouts_total" in metrics


def test_our_prefixes_are_predeclared(server):
    response = sparql(server, params={"query": "SELECT ?p WHERE { ?p a vkg:Type1Hypervisor }"})
    assert response.status_code == 200 and KVM in response.text


DECLARES_ONE_BORROWS_ANOTHER = {  # the engine is given our prefixes only when a query uses one it does not declare
    "datatype": 'PREFIX r: <https://w3id.org/virtkg/resource/> ASK { BIND ("1"^^xsd:integer AS ?n) FILTER (?n = 1) }',
    "cast": 'PREFIX r: <https://w3id.org/virtkg/resource/> ASK { r:kvm ?p ?o FILTER (xsd:string(r:kvm) != "") }',
    "path": "PREFIX r: <https://w3id.org/virtkg/resource/> ASK { r:kvm a/rdfs:subClassOf* vkg:Hypervisor }",
    "sub-query": "PREFIX r: <https://w3id.org/virtkg/resource/> ASK { { SELECT ?t WHERE { r:kvm a ?t FILTER (?t = vkg:Type1Hypervisor) } } }",
}


@pytest.mark.parametrize("query", DECLARES_ONE_BORROWS_ANOTHER.values(), ids=DECLARES_ONE_BORROWS_ANOTHER)
def test_a_query_that_declares_a_prefix_still_gets_ours_wherever_it_uses_them(server, query):
    response = sparql(server, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200 and response.json()["boolean"] is True, response.text


def test_an_undeclared_prefix_is_one_line_naming_it(server):
    response = sparql(server, params={"query": "SELECT * WHERE { ?s a foo:Hypervisor }"})
    error = response.json()["error"]
    assert response.status_code == 400 and "\n" not in error
    assert "undeclared prefix foo: at line 1, column 23" in error and "vkg:" in error
