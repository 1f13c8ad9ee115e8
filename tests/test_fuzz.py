"""The hostile-input suite: hypothesis against a running production server, bounded to a few minutes.

Random and mutated queries, random bytes and encodings, odd headers and methods, every /api parameter,
odd paths. Whatever comes in: never a 5xx (but the documented 503 with Retry-After for a query past its
time limit), never a traceback or an internal path in a body, never a hang past the time limit, never
an outbound connection (SERVICE fragments point at a local listener that must see none), and every
error body well-formed in the format asked for. The worst inputs found are kept in hostile-corpus.json
and replayed on every run."""

import base64
import json
import os
import random
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, Server
from kg import canned
from test_hostile import listener

QUERY_TIMEOUT = 2
CORPUS = Path(__file__).with_name("hostile-corpus.json")
# CI runs a fixed sample (derandomized); VIRTKG_FUZZ_EXAMPLES=N runs N fresh random examples per strategy.
EXAMPLES = os.environ.get("VIRTKG_FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(EXAMPLES or 300), deadline=None, derandomize=EXAMPLES is None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
LEAKS = ("Traceback", "/site-packages/", str(ROOT), 'File "', "werkzeug", "pyoxigraph.")


@pytest.fixture(scope="module")
def target(build_dir):
    with listener() as (port, seen):
        running = Server(build_dir, "--production", "--workers", "2",
                         env={"VIRTKG_QUERY_WORKERS": "1", "VIRTKG_QUERY_TIMEOUT": str(QUERY_TIMEOUT),
                              "VIRTKG_BODY_TIMEOUT": "2", "VIRTKG_ROW_LIMIT": "200"})
        running.listener_port = port
        yield running
        running.stop()
    assert seen == [], f"the server made {len(seen)} outbound connections"


def check(response: requests.Response) -> None:
    status = response.status_code
    assert status < 500 or (status == 503 and response.headers.get("Retry-After")), (status, response.text[:300])
    if response.request.method == "HEAD":
        return
    text = response.content.decode("utf-8", "replace")
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} in a {status} body: {text[:300]}"
    if status >= 400:
        kind = response.headers.get("Content-Type", "")
        if kind.startswith("application/json"):
            error = response.json()
            assert error["status"] == status and error["error"].strip() and "\n" not in error["error"]
        else:
            assert kind.startswith("text/html") and f"Error {status}" in text, (status, kind, text[:200])


def send(target, method: str, path: str, **kwargs) -> requests.Response:
    response = requests.request(method, target.url + path, timeout=QUERY_TIMEOUT + 10,
                                allow_redirects=False, **kwargs)
    check(response)
    return response


# --- strategies -----------------------------------------------------------------------------------------

def corpus_queries() -> list[str]:
    files = [*(ROOT / "queries").glob("*.rq"), *(ROOT / "tests" / "cq").glob("*.rq")]
    return [f.read_text(encoding="utf-8") for f in sorted(files)]


def fragments(port: int) -> list[str]:
    return ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "[", "]", ".", ";", ",",
            "?s", "?p", "?o", "$x", "a", "*", "PREFIX ex: <http://e/>", "ex:a\\#", "ex:a\\'", "ex:b\\.c", "ex:%41",
            "<https://w3id.org/virtkg/resource/kvm>", "'x'", '"y\\""', "'''z'''", "1", "-2.5e3", "true",
            "# comment\n", "\n", "FILTER", "BIND(CONCAT(?o, ?o) AS ?o2)", "OPTIONAL", "UNION", "MINUS", "GRAPH ?g",
            "VALUES ?s { 1 2 }", "LIMIT 3", "OFFSET 1", "ORDER BY ?s", "GROUP BY ?s", "COUNT(*)", "REGEX(?o, 'a')",
            f"SERVICE <http://127.0.0.1:{port}/x>", f"SERVICE SILENT <http://127.0.0.1:{port}/y>", "service",
            "INSERT DATA", "LOAD <http://127.0.0.1:%d/z>" % port, "\\", "\x00", "\u202e", "é", "{ " * 50]


def queries(port: int):
    tokens = st.lists(st.sampled_from(fragments(port)), min_size=1, max_size=40).map(" ".join)

    def mutate(pair):
        text, edits = pair
        chars = list(text)
        rng = random.Random(edits)
        for _ in range(edits % 8 + 1):
            spot = rng.randrange(len(chars) + 1)
            action = rng.randrange(3)
            if action == 0 and chars:
                del chars[min(spot, len(chars) - 1)]
            else:
                chars.insert(spot, rng.choice(fragments(port)))
        return "".join(chars)

    mutated = st.tuples(st.sampled_from(corpus_queries()), st.integers(0, 10_000)).map(mutate)
    return st.one_of(tokens, mutated, st.text(max_size=300))


ACCEPTS = st.one_of(st.sampled_from(["*/*", "text/html", "application/json", "text/csv", "text/turtle", "",
                                     "application/sparql-results+xml;q=0.1, text/html;q=0.9", "image/png",
                                     "text/*;q=abc", "*/*;q=0", ";;;", "application/ld+json"]),
                    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60).map(str.strip))


# --- the suite ------------------------------------------------------------------------------------------

def test_random_and_mutated_queries(target):
    @FUZZ
    @given(query=queries(target.listener_port), accept=ACCEPTS, how=st.sampled_from(["get", "form", "direct"]))
    def run(query, accept, how):
        headers = {"Accept": accept}
        if how == "get":
            send(target, "GET", "/sparql", params={"query": query}, headers=headers)
        elif how == "form":
            send(target, "POST", "/sparql", data={"query": query}, headers=headers)
        else:
            send(target, "POST", "/sparql", data=query.encode("utf-8", "surrogatepass"),
                 headers={**headers, "Content-Type": "application/sparql-query"})
    run()


def test_random_bytes_and_encodings(target):
    @FUZZ
    @given(body=st.binary(max_size=2000),
           content_type=st.sampled_from(["application/sparql-query", "application/sparql-query; charset=latin-1",
                                         "application/x-www-form-urlencoded", "application/sparql-update",
                                         "multipart/form-data; boundary=x", "text/plain", "", "application/json"]),
           path=st.sampled_from(["/sparql", "/api/compare", "/healthz", "/api"]))
    def run(body, content_type, path):
        send(target, "POST", path, data=body, headers={"Content-Type": content_type} if content_type else {})
    run()


def test_odd_headers_and_methods(target):
    header_text = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"),
                          min_size=1, max_size=20)
    value_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200).map(str.strip)

    @FUZZ
    @given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
           path=st.sampled_from(["/sparql", "/api", "/api/timeline", "/api/openapi.json", "/healthz", "/metrics",
                                 "/sparql?query=ASK%7B%7D", "/api/docs"]),
           accept=ACCEPTS, extra=st.dictionaries(header_text, value_text, max_size=6),
           conditional=st.sampled_from([None, "*", '"x"', "W/\"y\", \"z\"", "\x7f"[:0] + "garbage"]))
    def run(method, path, accept, extra, conditional):
        headers = {**extra, "Accept": accept}
        if conditional:
            headers["If-None-Match"] = conditional
        send(target, method, path, headers=headers)
    run()


def test_every_api_parameter(target):
    queries_by_name = canned.load_all()
    values = st.one_of(st.text(max_size=250), st.sampled_from(["vkr:kvm", "<script>alert(1)</script>", "' OR 1=1",
                                                               "}", "?x", "\u00b2", "-1", "99999999999", "%00"]))

    @FUZZ
    @given(name=st.sampled_from(sorted(queries_by_name) + ["nope", "compare.csv", "compare.xml"]),
           data=st.data(), accept=ACCEPTS)
    def run(name, data, accept):
        base = queries_by_name.get(name.split(".")[0])
        names = [p.name for p in base.params] + ["limit", "offset", "format", "junk"] if base else ["x"]
        params = data.draw(st.dictionaries(st.sampled_from(names), st.lists(values, min_size=1, max_size=3),
                                           max_size=4))
        send(target, "GET", f"/api/{name}", params=params, headers={"Accept": accept})
    run()


def test_odd_paths(target):
    segment = st.one_of(st.sampled_from(["..", ".", "%2e%2e", "%00", "%ff", "api", "sparql", "editor", "assets",
                                         "%2F", "~", "index.html", "openapi.json", "yasgui.min.js", "\u00e9"]),
                        st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126,
                                                       exclude_characters="?#"), max_size=12))

    @FUZZ
    @given(parts=st.lists(segment, min_size=1, max_size=6), accept=ACCEPTS)
    def run(parts, accept):
        response = send(target, "GET", "/" + "/".join(parts), headers={"Accept": accept})
        assert "root:x:" not in response.text, "no file outside the served folders"
    run()


def test_the_corpus_of_worst_inputs(target):
    """Replay every kept input: each must be answered, with the status it was given when kept."""
    cases = json.loads(CORPUS.read_text(encoding="utf-8"))
    assert len(cases) >= 20
    for case in cases:
        body = base64.b64decode(case["body_base64"]) if "body_base64" in case else case.get("body", "").encode()
        path = case["path"].replace("LISTENER", str(target.listener_port))
        response = send(target, case["method"], path, data=body.replace(b"LISTENER", str(target.listener_port).encode()),
                        headers=case.get("headers", {}))
        assert response.status_code in case["status"], (case["name"], response.status_code, response.text[:200])
