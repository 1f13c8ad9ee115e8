"""The fast path (kg.bounded, api.executor): which queries are proved cheap, from the syntax tree and
the store's own counts; that the server then answers them itself, byte for byte as a query process
would, in every format; and that nothing else takes it."""

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from hypothesis import given, settings, strategies as st

from kg import bounded, queryfile
from tests.conftest import Server

ROOT = Path(__file__).resolve().parents[1]
KVM = "<https://w3id.org/virtkg/resource/kvm>"

BOUNDED = [
    f"SELECT ?label WHERE {{ {KVM} rdfs:label ?label }}",
    f"SELECT DISTINCT ?p WHERE {{ {KVM} ?p ?o }} LIMIT 3 OFFSET 1",
    "SELECT * WHERE { VALUES ?x { vkr:kvm vkr:xen } ?x a ?type ; rdfs:label ?label }",
    f"ASK {{ {KVM} a vkg:Type1Hypervisor }}",
    f"DESCRIBE {KVM}",
    "DESCRIBE ?r WHERE { VALUES ?r { vkr:kvm } }",
    "# a comment\nPREFIX v: <https://w3id.org/virtkg/resource/>\nSELECT ?o WHERE { v:kvm ?p ?o . }",
]
NOT_BOUNDED = {
    "unanchored subject": "SELECT * WHERE { ?s rdfs:label ?label }",
    "anchored only by its object": "SELECT * WHERE { ?s a vkg:Container }",
    "a second hop from a variable": f"SELECT * WHERE {{ {KVM} ?p ?o . ?o rdfs:label ?l }}",
    "property path": f"SELECT * WHERE {{ {KVM} rdfs:subClassOf* ?o }}",
    "sequence path": f"SELECT * WHERE {{ {KVM} vkg:runsOn/rdfs:label ?o }}",
    "inverse path": f"SELECT * WHERE {{ {KVM} ^vkg:runsOn ?o }}",
    "FILTER": f"SELECT * WHERE {{ {KVM} ?p ?o FILTER (isIRI(?o)) }}",
    "FILTER EXISTS": f"SELECT * WHERE {{ {KVM} ?p ?o FILTER EXISTS {{ ?s ?q ?r }} }}",
    "OPTIONAL": f"SELECT * WHERE {{ {KVM} ?p ?o OPTIONAL {{ ?o ?q ?r }} }}",
    "UNION": f"SELECT * WHERE {{ {{ {KVM} ?p ?o }} UNION {{ ?o ?p {KVM} }} }}",
    "GRAPH": f"SELECT * WHERE {{ GRAPH ?g {{ {KVM} ?p ?o }} }}",
    "sub-query": f"SELECT * WHERE {{ {{ SELECT * WHERE {{ ?s ?p ?o }} }} }}",
    "blank node object": f"SELECT * WHERE {{ {KVM} ?p [ ?q ?r ] }}",
    "blank node subject": "SELECT * WHERE { _:b ?p ?o }",
    "ORDER BY": f"SELECT * WHERE {{ {KVM} ?p ?o }} ORDER BY ?o",
    "GROUP BY": f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {KVM} ?p ?o }} GROUP BY ?p",
    "expression": f"SELECT (STR(?o) AS ?x) WHERE {{ {KVM} ?p ?o }}",
    "FROM": f"SELECT * FROM <urn:x> WHERE {{ {KVM} ?p ?o }}",
    "BASE-relative IRI": "BASE <https://w3id.org/virtkg/resource/> SELECT * WHERE { <kvm> ?p ?o }",
    "VALUES of two variables": "SELECT * WHERE { VALUES (?x ?y) { (vkr:kvm vkr:xen) } ?x ?p ?y }",
    "VALUES with UNDEF": "SELECT * WHERE { VALUES ?x { vkr:kvm UNDEF } ?x ?p ?o }",
    "CONSTRUCT": f"CONSTRUCT WHERE {{ {KVM} ?p ?o }}",
    "DESCRIBE *": f"DESCRIBE * WHERE {{ {KVM} ?p ?o }}",
    "DESCRIBE of an unbound variable": f"DESCRIBE ?o WHERE {{ {KVM} ?p ?o }}",
    "does not parse": "SELECT * WHERE { vkr:kvm ?p",
}


@pytest.mark.parametrize("query", BOUNDED)
def test_plain_patterns_anchored_on_iris_have_a_shape(query):
    assert bounded.shape(query) is not None


@pytest.mark.parametrize("why", NOT_BOUNDED)
def test_anything_else_has_none(why):
    assert bounded.shape(NOT_BOUNDED[why]) is None


TOKENS = [*"{}()<>?:.;,*^/|+[]_\"'#\n ", "SELECT", "ASK", "DESCRIBE", "WHERE", "VALUES", "FILTER", "OPTIONAL", "PREFIX",
          "?x", "?p", "vkr:kvm", KVM, " a ", "rdfs:label", "LIMIT 1", "UNDEF", "1", "\"x\"@en"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_reading_any_text_for_a_shape_never_raises(text):
    bounded.shape(text)


def test_the_count_stops_at_the_bound(store):
    """Cheap means at most `most` statements read; the count that decides it never reads more."""
    kvm = bounded.shape(f"SELECT * WHERE {{ {KVM} ?p ?o }}")
    statements = sum(1 for _ in store.store.quads_for_pattern(ox.NamedNode(KVM[1:-1]), None, None, ox.DefaultGraph()))
    assert bounded.cheap(store.store, kvm, statements) and not bounded.cheap(store.store, kvm, statements - 1)
    product = bounded.shape(f"SELECT * WHERE {{ {KVM} ?p ?o . {KVM} ?q ?r }}")
    assert not bounded.cheap(store.store, product, statements * statements - 1), "a join counts as the product"


@pytest.fixture(scope="module")
def servers(build_dir):
    """The same build served twice: with the fast path (the default), and with every query sent to a process."""
    fast, slow = Server(build_dir), Server(build_dir, env={"VIRTKG_FAST_WORK": "0"})
    yield fast, slow
    fast.stop()
    slow.stop()


def _mix() -> list[str]:
    competency = [q.text for q in queryfile.read_all(ROOT / "tests" / "cq")]
    return competency + [q.text for q in queryfile.read_all(ROOT / "bench" / "queries")] + BOUNDED


def _fast_answers(url: str) -> float:
    metrics = requests.get(url + "/metrics").text
    found = re.search(r"^virtkg_query_fast_path_total ([0-9.e+]+)$", metrics, re.M)
    return float(found[1]) if found else 0.0


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                                    "text/tab-separated-values", "text/turtle", "application/n-triples",
                                    "application/rdf+xml", "application/ld+json"])
def test_the_fast_path_answers_byte_for_byte_as_a_query_process(servers, accept):
    fast, slow = servers
    triples = accept in ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")
    before, taken = _fast_answers(fast.url), 0
    for query in _mix():
        form = re.sub(r"(?s)^(\s*(#[^\n]*|PREFIX[^\n]*|BASE[^\n]*)\n)*\s*", "", query).split(None, 1)[0].upper()
        if (form in ("CONSTRUCT", "DESCRIBE")) != triples:
            continue
        answers = [requests.get(s.url + "/sparql", params={"query": query}, headers={"Accept": accept}) for s in (fast, slow)]
        assert answers[0].status_code == answers[1].status_code == 200, query
        assert answers[0].content == answers[1].content, query
        taken += bounded.shape(query) is not None
    assert taken and _fast_answers(fast.url) - before >= taken, "the bounded queries did take the fast path"
    assert _fast_answers(slow.url) == 0


def test_the_edge_answers_what_is_proved_cheap_on_its_event_loop_and_the_rest_on_a_request_thread():
    """The hop to a request thread costs more than a bounded query: the edge calls the app on its own
    event loop for those, and hands everything else to its threads, as before."""
    import asyncio
    import threading
    from api import edge
    seen = []

    def app(environ, start_response):
        seen.append((environ["PATH_INFO"], threading.current_thread().name))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    served = edge.Edge(app, edge.Limits(max_headers=10, max_body=100, body_seconds=5, cache_bytes=0, threads=2),
                       lambda *_: (500, [], b""), lambda: "build", at_once=lambda scope: scope["path"] == "/cheap")

    async def get(path):
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)
        await served(_scope(path), receive, send)
        return sent[0]["status"], threading.current_thread().name

    async def both():
        return [await get("/cheap"), await get("/other")]
    answers = []
    # A thread of its own: Playwright's sync API keeps an event loop running on the test thread.
    runner = threading.Thread(target=lambda: answers.extend(asyncio.run(both())))
    runner.start()
    runner.join(timeout=30)
    (cheap, loop_thread), (other, _) = answers
    assert cheap == other == 200
    assert seen[0] == ("/cheap", loop_thread)
    assert seen[1][0] == "/other" and seen[1][1].startswith("virtkg-request")


def _scope(path: str, method: str = "GET", query_string: bytes = b"") -> dict:
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "root_path": "", "scheme": "http",
            "query_string": query_string, "headers": [(b"host", b"127.0.0.1")], "server": ("127.0.0.1", 80),
            "client": ("127.0.0.1", 5555), "http_version": "1.1", "asgi": {"version": "3.0"}}


class _Service:
    """What api.sparql.answerable_at_once reads of the service: the query size limit and the fast path's proof."""

    class settings:
        max_query_bytes = 100_000

    def __init__(self):
        self.asked = []

    def cheap(self, query: str) -> bool:
        self.asked.append(query)
        return bounded.shape(query) is not None


@pytest.mark.parametrize("method,path,params,expected", [
    ("GET", "/sparql", [("query", BOUNDED[0])], True),
    ("GET", "/sparql", [("query", NOT_BOUNDED["FILTER"])], False),
    ("POST", "/sparql", [("query", BOUNDED[0])], False),
    ("GET", "/api/search", [("query", BOUNDED[0])], False),
    ("GET", "/sparql", [("query", BOUNDED[0]), ("query", BOUNDED[0])], False),
    ("GET", "/sparql", [("query", BOUNDED[0]), ("default-graph-uri", "https://w3id.org/virtkg/graph/inferred")], False),
    ("GET", "/sparql", [("query", BOUNDED[0] + "#" * 3000)], False),
    ("GET", "/sparql", [], False),
])
def test_only_a_single_bounded_query_over_the_default_dataset_is_answered_at_once(method, path, params, expected):
    import urllib.parse
    from api import sparql
    at_once = sparql.answerable_at_once(_Service())
    assert at_once(_scope(path, method, urllib.parse.urlencode(params).encode())) is expected


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_reading_any_url_for_the_choice_of_thread_never_raises(raw):
    from api import sparql
    assert sparql.answerable_at_once(_Service())(_scope("/sparql", "GET", raw)) in (True, False)


def test_a_proof_that_fails_sends_the_request_to_a_thread_instead_of_failing_it():
    import urllib.parse
    from api import sparql

    class Failing(_Service):
        def cheap(self, query):
            raise ValueError("not an IRI")
    query_string = urllib.parse.urlencode({"query": BOUNDED[0]}).encode()
    assert sparql.answerable_at_once(Failing())(_scope("/sparql", "GET", query_string)) is False
