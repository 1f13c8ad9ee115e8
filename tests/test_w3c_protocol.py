"""The W3C SPARQL 1.1 Protocol tests that apply to a read-only query endpoint (w3c/rdf-tests,
sparql/sparql11/protocol/manifest.ttl), re-expressed against a real server holding their test data.
The update_* tests do not apply to a read-only endpoint; their requests must be refused with 403."""

import contextlib

import pyoxigraph as ox
import pytest
import requests

from conftest import Server, published, write_build

DATA = "http://kasei.us/2009/09/sparql/data/"
DOC = lambda n: f"{DATA}data{n}.rdf"
FOAF_DOCUMENT = ox.NamedNode("http://xmlns.com/foaf/0.1/Document")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ASK_DEFAULT_1_2 = f"ASK {{ <{DOC(1)}> a ?type . <{DOC(2)}> a ?type . }}"
ASK_NAMED_1_2 = f"ASK {{ GRAPH ?g1 {{ <{DOC(1)}> a ?type }} GRAPH ?g2 {{ <{DOC(2)}> a ?type }} }}"
ASK_FULL = f"ASK {{ <{DOC(3)}> a ?type GRAPH ?g1 {{ <{DOC(1)}> a ?type }} GRAPH ?g2 {{ <{DOC(2)}> a ?type }} }}"
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module", params=["embedded", "oxigraph", "virtuoso"])
def w3c(request, tmp_path_factory):
    """The manifest's test data (graph dataN.rdf says that dataN.rdf is a foaf:Document), served from
    the embedded store, and from the same build published into Oxigraph's server and into Virtuoso."""
    quads = [ox.Quad(ox.NamedNode(DOC(n)), TYPE, FOAF_DOCUMENT, ox.NamedNode(DOC(n))) for n in range(4)]
    tmp = tmp_path_factory.mktemp(f"w3c-{request.param}")
    build = write_build(tmp, quads)
    with contextlib.ExitStack() as stack:
        extra = ()
        if request.param != "embedded":
            endpoint = stack.enter_context(published(request.param, tmp, build))
            extra = ("--store", endpoint)
        running = Server(build, *extra)
        yield running
        running.stop()


def call(server, method, params=None, data=None, headers=None):
    return requests.request(method, server.url + "/sparql", params=params, data=data, headers=headers or {}, timeout=30)


def boolean(response) -> bool:
    assert 200 <= response.status_code < 400, response.text
    return response.json()["boolean"]


CASES = {
    "query_post_form": lambda s: boolean(call(s, "POST", {"default-graph-uri": DOC(0)}, "query=ASK%20%7B%7D", FORM)),
    "query_dataset_default_graphs_get": lambda s: boolean(call(s, "GET", [("query", ASK_DEFAULT_1_2), ("default-graph-uri", DOC(1)), ("default-graph-uri", DOC(2))])),
    "query_dataset_default_graphs_post": lambda s: boolean(call(s, "POST", [("default-graph-uri", DOC(1)), ("default-graph-uri", DOC(2))], ASK_DEFAULT_1_2, SPARQL_QUERY)),
    "query_dataset_named_graphs_post": lambda s: boolean(call(s, "POST", [("named-graph-uri", DOC(1)), ("named-graph-uri", DOC(2))], ASK_NAMED_1_2, SPARQL_QUERY)),
    "query_dataset_named_graphs_get": lambda s: boolean(call(s, "GET", [("query", ASK_NAMED_1_2), ("named-graph-uri", DOC(1)), ("named-graph-uri", DOC(2))])),
    "query_dataset_full": lambda s: boolean(call(s, "POST", [("default-graph-uri", DOC(3)), ("named-graph-uri", DOC(1)), ("named-graph-uri", DOC(2))], ASK_FULL, SPARQL_QUERY)),
    "query_get": lambda s: boolean(call(s, "GET", {"query": "ASK {}", "default-graph-uri": DOC(0)})),
    "query_post_direct": lambda s: boolean(call(s, "POST", {"default-graph-uri": DOC(0)}, "ASK {}", SPARQL_QUERY)),
}


@pytest.mark.parametrize("test_id", sorted(CASES))
def test_query_answers_true(w3c, test_id):
    assert CASES[test_id](w3c) is True


def test_query_multiple_dataset_protocol_overrides_from(w3c):
    """query_multiple_dataset: the protocol's dataset wins over the query's FROM. The manifest sends its
    named-graph-uri with an encoded '&' inside, which names one graph that does not exist, so under the
    protocol's rule only FROM's default graph is replaced and the named graphs are that one unknown graph."""
    query = f"ASK FROM <{DOC(3)}> {{ GRAPH ?g1 {{ <{DOC(1)}> a ?type }} GRAPH ?g2 {{ <{DOC(2)}> a ?type }} }}"
    plain = call(w3c, "POST", [("named-graph-uri", DOC(1)), ("named-graph-uri", DOC(2))], query, SPARQL_QUERY)
    assert boolean(plain) is True
    doubled = call(w3c, "POST", {"named-graph-uri": f"{DOC(1)}&named-graph-uri={DOC(2)}"}, query, SPARQL_QUERY)
    assert boolean(doubled) is False


@pytest.mark.parametrize("test_id, query, types", [
    ("query_content_type_select", "SELECT (1 AS ?value) {}", {"application/sparql-results+xml", "application/sparql-results+json", "text/tab-separated-values", "text/csv"}),
    ("query_content_type_ask", "ASK {}", {"application/sparql-results+xml", "application/sparql-results+json"}),
    ("query_content_type_describe", "DESCRIBE <http://example.org/>", {"application/rdf+xml", "text/turtle", "application/n-triples"}),
    ("query_content_type_construct", "CONSTRUCT { <s> <p> 1 } WHERE {}", {"application/rdf+xml", "text/turtle", "application/n-triples"}),
])
def test_content_type(w3c, test_id, query, types):
    response = call(w3c, "POST", {"default-graph-uri": DOC(0)}, query, SPARQL_QUERY)
    assert 200 <= response.status_code < 400
    assert response.headers["Content-Type"].split(";")[0] in types


@pytest.mark.parametrize("test_id, method, params, data, headers", [
    ("bad_query_method", "PUT", None, "ASK {}", SPARQL_QUERY),
    ("bad_multiple_queries", "GET", [("query", "ASK {}"), ("query", "SELECT * {}")], None, None),
    ("bad_query_wrong_media_type", "POST", None, "ASK {}", {"Content-Type": "text/plain"}),
    ("bad_query_missing_form_type", "POST", None, "query=ASK%20%7B%7D", {"Content-Type": ""}),
    ("bad_query_missing_direct_type", "POST", None, "ASK {}", {"Content-Type": ""}),
    ("bad_query_non_utf8", "POST", None, "ASK { <http://example.org/\u00e9> ?p ?o }".encode("iso-8859-1"),
     {"Content-Type": "application/sparql-query; charset=ISO-8859-1"}),
    ("bad_query_non_utf8_bytes", "POST", None, b"ASK { <http://example.org/\xe9> ?p ?o }", SPARQL_QUERY),
    ("bad_query_syntax", "GET", {"query": "ASK {"}, None, None),
    ("bad_update_get", "GET", {"update": "CLEAR ALL"}, None, None),
])
def test_bad_requests_are_4xx(w3c, test_id, method, params, data, headers):
    response = call(w3c, method, params, data, headers)
    assert 400 <= response.status_code < 500, f"{test_id}: {response.status_code}"
    assert response.json()["error"]


@pytest.mark.parametrize("test_id, data, headers", [
    ("update_post_form", "update=CLEAR%20ALL", FORM),
    ("update_post_direct", "CLEAR ALL", {"Content-Type": "application/sparql-update"}),
    ("update_dataset_default_graph", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", {"Content-Type": "application/sparql-update"}),
])
def test_updates_are_refused_by_a_read_only_endpoint(w3c, test_id, data, headers):
    response = call(w3c, "POST", None, data, headers)
    assert response.status_code == 403
    assert boolean(call(w3c, "GET", {"query": f"ASK {{ <{DOC(1)}> a ?type }}"})) is True, "nothing changed"
