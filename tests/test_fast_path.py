"""The fast path (kg.bounded, api.executor): which queries are proved cheap, from the syntax tree and
the store's own counts; that the server then answers them itself, byte for byte as a query process
would, in every format; and that nothing else takes it."""

import re
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from hypothesis import given, settings, strategies as st

from kg import bounded, queryfile
from kg.namespaces import PREFIXES
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
    assert bounded.bound(store.store, kvm, statements) == statements and bounded.bound(store.store, kvm, statements - 1) is None
    product = bounded.shape(f"SELECT * WHERE {{ {KVM} ?p ?o . {KVM} ?q ?r }}")
    assert bounded.bound(store.store, product, statements * statements - 1) is None, "a join counts as the product"


ANSWERS = BOUNDED + [
    "SELECT ?x WHERE { VALUES ?x { vkr:kvm vkr:xen vkr:kvm } }",  # no pattern: a row per IRI, though none is read
    "SELECT * WHERE { VALUES ?x { vkg:Hypervisor vkg:Hypervisor vkg:Software } vkr:kvm a ?x }",  # only an object
    "SELECT * WHERE { VALUES ?x { vkr:kvm vkr:kvm } ?x a ?type }",  # a subject given twice: its rows twice
    "DESCRIBE vkr:kvm vkr:xen vkr:qemu",  # the sum of three descriptions, not their product
]


@pytest.mark.parametrize("query", ANSWERS)
def test_the_bound_holds_the_answers_rows_too(store, query):
    """The fast path writes a proved query's answer in one pass, relying on the bound to say it cannot
    reach the row cap (api.executor.evaluate), so the bound must hold the rows (or triples) as well."""
    at_most = bounded.bound(store.store, bounded.shape(query), 10 ** 6)
    results = store.store.query(query, prefixes=PREFIXES)
    assert 0 < (1 if isinstance(results, ox.QueryBoolean) else len(list(results))) <= at_most


@pytest.mark.parametrize("offset", [0, 2])
def test_a_proved_page_is_the_same_page_written_at_once_or_in_lines(store, offset):
    """api.executor.evaluate with a proof's bound and without: the same rows from the same offset."""
    from api.executor import Job, evaluate
    query = f"SELECT * WHERE {{ {KVM} ?p ?o }}"
    job = Job(query, "json", 1000, 1 << 20, offset=offset)
    at_most = bounded.bound(store.store, bounded.shape(query), 1000)
    assert evaluate(store.store, job, at_most).body == evaluate(store.store, job).body


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


VARIANTS = {  # what else a client may send, beside Accept, that the answer depends on
    "plain": {},
    "from a page elsewhere": {"Origin": "https://elsewhere.example"},
    "gzip accepted": {"Accept-Encoding": "gzip"},
    "any encoding": {"Accept-Encoding": "*"},
}


def _comparable(response: requests.Response) -> tuple:
    headers = sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() != "date")
    return response.status_code, headers, response.content


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                                    "text/tab-separated-values", "text/turtle", "application/n-triples",
                                    "application/rdf+xml", "application/ld+json"])
def test_the_fast_path_and_the_direct_answers_are_byte_for_byte_the_apps_and_a_query_process(servers, accept, variant):
    """Status, headers and body, three ways: the edge's direct answer (api.sparql.direct_answers: at once
    when proved cheap), the app's (a `timeout` parameter sends the request to it), and, with the fast
    path off, a query process's."""
    fast, slow = servers
    triples = accept in ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")
    before, taken = _fast_answers(fast.url), 0
    for query in _mix():
        form = re.sub(r"(?s)^(\s*(#[^\n]*|PREFIX[^\n]*|BASE[^\n]*)\n)*\s*", "", query).split(None, 1)[0].upper()
        if (form in ("CONSTRUCT", "DESCRIBE")) != triples:
            continue
        headers = {"Accept": accept, **VARIANTS[variant]}
        query += f"\n# {variant}"  # not an answer the edge stored for another variant
        answers = [requests.get(server.url + "/sparql", params=params, headers=headers)
                   for server, params in ((fast, {"query": query}), (fast, {"query": query, "timeout": "10"}),
                                          (slow, {"query": query}))]
        assert answers[0].status_code == 200, query
        assert _comparable(answers[0]) == _comparable(answers[1]) == _comparable(answers[2]), query
        taken += bounded.shape(query) is not None
    assert taken and _fast_answers(fast.url) - before >= taken, "the bounded queries did take the fast path"
    assert _fast_answers(slow.url) == 0


@pytest.fixture(scope="module", params=[{"VIRTKG_MAX_RESPONSE_BYTES": "900"}, {"VIRTKG_ROW_LIMIT": "3"}],
                ids=["byte budget", "row cap"])
def limited(build_dir, request):
    """As `servers`, with a small limit."""
    fast, slow = Server(build_dir, env=request.param), Server(build_dir, env={**request.param, "VIRTKG_FAST_WORK": "0"})
    yield fast, slow
    fast.stop()
    slow.stop()


@pytest.mark.parametrize("accept, query", [("application/sparql-results+json", f"SELECT * WHERE {{ {KVM} ?p ?o }}"),
                                           ("text/turtle", f"DESCRIBE {KVM}")])
def test_a_fast_answer_past_a_limit_is_cut_at_a_whole_row_as_a_query_processs(limited, accept, query):
    """The fast path writes a proved answer in its format at once only when its bound is within the row
    cap, and goes back to lines when it is over the byte budget: a cut answer is a query process's."""
    fast, slow = limited
    before = _fast_answers(fast.url)
    answers = [requests.get(s.url + "/sparql", params={"query": query}, headers={"Accept": accept}) for s in (fast, slow)]
    assert _fast_answers(fast.url) == before + 1
    assert answers[0].headers["X-Virtkg-Truncated"] == "true" and 0 < len(answers[0].content) <= 900
    assert _comparable(answers[0]) == _comparable(answers[1])


def test_a_relative_iri_resolves_against_the_endpoint_in_a_direct_answer_as_in_the_apps(servers):
    fast, _ = servers
    query = {"query": "SELECT ?x WHERE { BIND (<kvm> AS ?x) }"}
    direct, app = (requests.get(fast.url + "/sparql", params=params, headers={"Accept": "text/csv"})
                   for params in (query, {**query, "timeout": "10"}))
    assert direct.text == app.text == f"x\r\n{fast.url}/kvm\r\n"


def test_a_repeated_accept_field_counts_whole_for_the_edge_as_for_the_app(servers):
    """Two Accept fields are one list (RFC 9110, 5.3): the answer is chosen from both, and is not the
    one stored for a request that sent only the last of them."""
    import http.client
    import urllib.parse
    fast, _ = servers
    path = "/sparql?" + urllib.parse.urlencode({"query": BOUNDED[0] + " # two Accept fields"})

    def get(*accepts: str) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", fast.port, timeout=30)
        connection.putrequest("GET", path)
        for accept in accepts:
            connection.putheader("Accept", accept)
        connection.endheaders()
        answer = connection.getresponse()
        answer.read()
        connection.close()
        return answer.getheader("Content-Type").split(";")[0]
    last = "application/sparql-results+json;q=0.1"
    assert get(last) == "application/sparql-results+json"
    assert get("text/csv", last) == "text/csv"


def test_a_repeated_fast_answer_is_replayed_and_a_conditional_one_is_not_modified(servers):
    fast, _ = servers
    query = {"query": BOUNDED[0] + " # replayed"}
    first, again = (requests.get(fast.url + "/sparql", params=query) for _ in range(2))
    assert (first.headers["X-Virtkg-Cache"], again.headers["X-Virtkg-Cache"]) == ("miss", "hit")
    assert first.content == again.content
    held = requests.get(fast.url + "/sparql", params=query, headers={"If-None-Match": first.headers["ETag"]})
    assert held.status_code == 304 and not held.content


def test_the_edge_sends_direct_answers_and_hands_the_rest_to_the_app_on_a_request_thread():
    """The hop to a request thread and the app cost more than a bounded query: the edge sends the
    answer `direct` makes on its event loop; on a request thread, what `direct` answers there; the app
    gets the rest, with what `direct` handed over to it; a `direct` that fails is logged and the app
    answers."""
    import asyncio
    import threading
    from api import edge
    seen, directly = [], []

    def app(environ, start_response):
        seen.append((environ["PATH_INFO"], threading.current_thread().name, environ.get(edge.HANDED)))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from the app"]

    def direct(scope, headers, here):
        directly.append((scope["path"], here, threading.current_thread().name))
        if scope["path"] == "/broken":
            raise ValueError("a bug")
        if scope["path"] == "/handed":
            raise edge.HandOver("half done")
        if scope["path"] == "/cheap" or (scope["path"] == "/dear" and not here):
            return edge.Answer(200, [("Content-Type", "text/plain")], b"direct")
        return None

    served = edge.Edge(app, edge.Limits(max_headers=10, max_body=100, body_seconds=5, cache_bytes=0, threads=2),
                       lambda *_: (500, [], b""), lambda: "build", direct=direct)

    async def get(path):
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)
        await served(_scope(path), receive, send)
        return sent[0]["status"], sent[1]["body"]

    async def each():
        return [await get(path) for path in ("/cheap", "/dear", "/other", "/handed", "/broken")]
    answers = []
    # A thread of its own: Playwright's sync API keeps an event loop running on the test thread.
    runner = threading.Thread(target=lambda: answers.extend(asyncio.run(each())))
    runner.start()
    runner.join(timeout=30)
    assert [body for _, body in answers] == [b"direct", b"direct", b"from the app", b"from the app", b"from the app"]
    loop = directly[0][2]
    assert [(path, here, thread == loop) for path, here, thread in directly] == [
        ("/cheap", True, True), ("/dear", True, True), ("/dear", False, False), ("/other", True, True),
        ("/other", False, False), ("/handed", True, True), ("/broken", True, True), ("/broken", False, False)]
    assert [(path, handed) for path, _, handed in seen] == [("/other", None), ("/handed", "half done"), ("/broken", None)]
    assert all(thread.startswith("virtkg-request") for _, thread, _ in seen)


def _scope(path: str, method: str = "GET", query_string: bytes = b"") -> dict:
    return {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "root_path": "", "scheme": "http",
            "query_string": query_string, "headers": [(b"host", b"127.0.0.1")], "server": ("127.0.0.1", 80),
            "client": ("127.0.0.1", 5555), "http_version": "1.1", "asgi": {"version": "3.0"}}


@pytest.fixture(scope="module")
def direct(build_dir):
    """api.sparql.direct_answers over the build, in this process, with a one-second time limit."""
    from api import sparql
    from api.config import Settings
    from api.service import Service
    service = Service.start(Settings.from_env(build_dir=build_dir, query_workers=1, query_timeout=1.0), follow=False)
    yield sparql.direct_answers(service, 500)
    service.generation.close()


JSON = {"accept": "application/sparql-results+json"}
DESCRIBE_KVM = f"DESCRIBE {KVM}"
GZIP = {"accept": "application/n-triples", "accept-encoding": "gzip"}
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.mark.parametrize("method,path,params,headers,here,expected", [
    ("GET", "/sparql", [("query", BOUNDED[0])], JSON, True, "answer"),
    ("GET", "/sparql", [("query", BOUNDED[0]), ("format", "csv")], {"accept": "text/html"}, True, "answer"),
    ("GET", "/sparql", [("query", BOUNDED[0])], {}, True, "answer"),
    ("GET", "/sparql", [("query", NOT_BOUNDED["FILTER"])], JSON, True, None),
    ("GET", "/sparql", [("query", NOT_BOUNDED["FILTER"])], JSON, False, "answer"),
    ("GET", "/sparql", [("query", BOUNDED[0] + "#" * 3000)], JSON, True, None),
    ("GET", "/sparql", [("query", BOUNDED[0] + "#" * 3000)], JSON, False, "answer"),
    ("GET", "/sparql", [("query", BOUNDED[0] + "#" * 9000)], JSON, False, "answer"),  # too long to be remembered
    ("POST", "/sparql", [("query", BOUNDED[0])], JSON, False, None),
    ("GET", "/api/search", [("query", BOUNDED[0])], JSON, False, None),
    ("GET", "/sparql", [("query", BOUNDED[0]), ("query", BOUNDED[0])], JSON, False, None),
    ("GET", "/sparql", [("query", BOUNDED[0]), ("default-graph-uri", "https://w3id.org/virtkg/graph/inferred")], JSON,
     False, None),
    ("GET", "/sparql", [("query", BOUNDED[0]), ("timeout", "1")], JSON, False, None),
    ("GET", "/sparql", [("query", BOUNDED[0]), ("format", "")], JSON, False, None),
    ("GET", "/sparql", [("query", BOUNDED[0]), ("format", "pdf")], JSON, False, None),
    ("GET", "/sparql", [("query", "SELECT * WHERE { ?s ?p")], JSON, False, None),
    ("GET", "/sparql", [("query", "")], JSON, False, None),
    ("GET", "/sparql", [], JSON, False, None),
    ("GET", "/sparql", [("query", BOUNDED[0])], {"accept": "text/html"}, False, None),
    ("GET", "/sparql", [("query", BOUNDED[0])], {**JSON, "if-none-match": "*"}, False, None),
    ("GET", "/sparql", [("query", BOUNDED[3])], {"accept": "text/turtle"}, False, None),
    ("GET", "/sparql", [("query", DESCRIBE_KVM)], {"accept": "application/n-triples"}, True, "answer"),
    ("GET", "/sparql", [("query", DESCRIBE_KVM)], GZIP, True, "outcome"),
    ("GET", "/sparql", [("query", ENDLESS)], JSON, False, "error"),
])
def test_a_direct_answer_is_given_only_where_the_app_would_answer_plainly(direct, method, path, params, headers, here,
                                                                          expected):
    """What the app would answer differently (an error, a 304, the editor, a compressed body) is left
    to it: before the query runs, with None; after, by handing over what the query gave, so that it
    never runs twice."""
    import urllib.parse
    from api import edge
    from api.errors import ApiError
    try:
        answer = direct(_scope(path, method, urllib.parse.urlencode(params).encode()), headers, here)
    except edge.HandOver as handed:
        assert expected == ("error" if isinstance(handed.value, ApiError) else "outcome")
        return
    assert (None if answer is None else "answer") == expected
    if answer is not None:
        assert answer.status == 200 and answer.endpoint == "/sparql" and answer.body


def test_a_query_past_its_time_limit_sent_directly_is_stopped_once_and_said_once(server):
    """The edge hands the time-out to the app, which renders it: the query is not run a second time."""
    started = time.monotonic()
    answer = requests.get(server.url + "/sparql", params={"query": ENDLESS + " # once"}, headers=JSON)
    assert answer.status_code == 503 and "time limit" in answer.json()["error"]
    assert answer.headers["Access-Control-Allow-Origin"] == "*" and answer.headers["Retry-After"]
    assert time.monotonic() - started < 2 * 3, "stopped at the server's 3 s limit, once"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.dictionaries(st.sampled_from(["accept", "accept-encoding", "host"]),
                                                st.text(max_size=40), max_size=3), st.booleans())
def test_reading_any_url_and_headers_for_a_direct_answer_never_raises_but_to_hand_over(direct, raw, headers, here):
    from api import edge
    try:
        answer = direct(_scope("/sparql", "GET", raw), headers, here)
    except edge.HandOver:
        return
    assert answer is None or answer.status == 200


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join),
       st.sampled_from([None, "json", "csv", "xml", "ntriples", "turtle", "html"]),
       st.sampled_from(["", "application/sparql-results+json", "text/turtle", "text/html", "*/*;q=0.1"]), st.booleans())
def test_any_query_text_sent_directly_is_answered_plainly_left_to_the_app_or_handed_over(direct, text, fmt, accept,
                                                                                        here):
    import urllib.parse
    from api import edge
    params = {"query": text, **({"format": fmt} if fmt else {})}
    try:
        answer = direct(_scope("/sparql", "GET", urllib.parse.urlencode(params).encode()), {"accept": accept}, here)
    except edge.HandOver:
        return
    assert answer is None or (answer.status == 200 and dict(answer.headers)["Content-Length"] == str(len(answer.body)))


QUERY_STRING_PIECES = [b"%", b"+", b"=", b"\\", b"x", b"0", b"A", b"f", b"g", b"\xc3\xa9", b"\xa9", b"\xff", b" ", b";",
                       b"query", b"format", b"%3D", b"%26", b"%2B", b"%5C", b"%C3%A9", b"%E9", b"%zz", b"%4"]
_PIECES = st.lists(st.sampled_from(QUERY_STRING_PIECES), max_size=6).map(b"".join)
QUERY_STRINGS = st.lists(st.tuples(_PIECES, st.sampled_from([b"=", b"=", b"=", b""]), _PIECES).map(b"".join),
                         min_size=1, max_size=5).map(b"&".join)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(QUERY_STRINGS, st.binary(max_size=60)), st.integers(min_value=1, max_value=4))
def test_the_direct_answers_read_a_query_string_exactly_as_parse_qs_does(raw, most):
    """api.sparql.query_fields decodes plain query strings by the C codec, not parse_qs's loop: the
    fields, or the error, must be parse_qs's own, for escapes, plus signs, separators, backslashes,
    bytes past ASCII and malformed escapes alike."""
    from urllib.parse import parse_qs
    from api.sparql import query_fields

    def read(reader):
        try:
            return reader()
        except ValueError as e:  # UnicodeDecodeError included
            return type(e)
    expected = read(lambda: parse_qs(raw.decode("latin-1"), keep_blank_values=True, strict_parsing=True, errors="strict",
                                     max_num_fields=most))
    assert read(lambda: query_fields(raw, most)) == expected
