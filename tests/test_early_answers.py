"""Early answers (api.protocol, api.edge.Edge.answer_early): a GET the edge can answer at once (stored,
or proved cheap) is answered as soon as its head is parsed, without uvicorn's ASGI task and response
cycle. Here the same bytes go, in process, to the protocol with and without the shortcut, each over
the real app on the test build, and what each writes back must be the same bytes, in the same order;
what the shortcut does not answer must not be tried twice."""

import asyncio
import threading
from urllib.parse import quote

import httptools
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st
from uvicorn.config import Config
from uvicorn.server import ServerState

from api import create_edge, edge, metrics
from api.config import Settings
from api.protocol import Protocol
from tests.conftest import ROOT

LABEL = (ROOT / "bench" / "queries" / "1-label.rq").read_text()
QUERIES = [LABEL, "DESCRIBE <https://w3id.org/virtkg/resource/kvm>",
           (ROOT / "bench" / "queries" / "2-two-hop.rq").read_text(), "SELEC", ""]


class Plain(Protocol):
    """The protocol without the shortcut: every request takes uvicorn's path."""

    def _answered_early(self) -> bool:
        return False


class Wire:
    """The transport: keeps what the protocol writes."""

    def __init__(self):
        self.data, self.closed = bytearray(), False

    def write(self, data: bytes) -> None:
        self.data += data

    def get_extra_info(self, name: str, default=None):
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5555)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _answers(data: bytes) -> int:
    """How many whole responses the bytes hold."""
    done = []
    parser = httptools.HttpResponseParser(type("Count", (), {"on_message_complete": lambda self: done.append(1)})())
    try:
        parser.feed_data(data)
    except httptools.HttpParserError:
        pass
    return len(done)


async def _exchange(protocol_class, app, raw: bytes | list[bytes], expected: int, limit: int = 512) -> tuple[bytes, int]:
    """Feed `raw` to a new connection (a list: one request at a time, each once the last is answered);
    the bytes written back once `expected` answers are complete or the connection is closed, and the
    most ASGI tasks the protocol had at once."""
    config = Config(app=app, http=protocol_class, lifespan="off", ws="none", access_log=False, server_header=False,
                    limit_concurrency=limit)
    config.load()
    protocol = protocol_class(config=config, server_state=ServerState(), app_state={}, _loop=asyncio.get_running_loop())
    wire, tasks = Wire(), 0
    protocol.connection_made(wire)
    chunks = [raw] if isinstance(raw, bytes) else raw
    for sent, chunk in enumerate(chunks, 1):
        if not wire.closed:
            protocol.data_received(chunk)
        for _ in range(30_000):
            tasks = max(tasks, len(protocol.tasks))
            if wire.closed or _answers(bytes(wire.data)) >= (sent if len(chunks) > 1 else expected):
                break
            await asyncio.sleep(0.001)
    protocol.connection_lost(None)
    return bytes(wire.data), tasks


def _run(coroutine):
    """On a thread of its own: Playwright's sync API keeps an event loop running on the test thread."""
    result = []
    runner = threading.Thread(target=lambda: result.append(asyncio.run(coroutine)))
    runner.start()
    runner.join(timeout=120)
    return result[0]


@pytest.fixture(scope="module")
def edges(build_dir):
    """Two edges over the test build, with the response store on: one per protocol, fed the same requests."""
    made = [create_edge(Settings.from_env(build_dir=build_dir, query_workers=1)) for _ in range(2)]
    yield made
    for served in made:
        served.app.__self__.extensions["virtkg"].generation.close()


def _request(method: str, target: str, version: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    head = [f"{method} {target} HTTP/{version}", "Host: 127.0.0.1:8000", *(f"{k}: {v}" for k, v in headers)]
    if body:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin1") + body


def _target(path: str, query: str | None, extra: str) -> str:
    return path + ("" if query is None else f"?query={quote(query, safe='')}{extra}")


requests_ = st.builds(
    _request,
    method=st.sampled_from(["GET", "GET", "GET", "POST"]),
    target=st.builds(_target, st.sampled_from(["/sparql", "/sparql", "/%73parql", "/healthz", "/api/hypervisors"]),
                     st.one_of(st.none(), st.sampled_from(QUERIES)),
                     st.sampled_from(["", "", "&format=csv", "&timeout=5", "&format=nope", "&query=ASK{}"])),
    version=st.sampled_from(["1.1", "1.1", "1.1", "1.0"]),
    headers=st.lists(st.sampled_from([
        ("Accept", "application/sparql-results+json"), ("Accept", "text/csv"), ("Accept", "text/turtle"),
        ("Accept", "text/html"), ("Accept", "*/*"), ("Accept-Encoding", "gzip"), ("Connection", "close"),
        ("Connection", "keep-alive"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "10.0.0.1"),
        ("If-None-Match", '"test-build-json"'), ("If-None-Match", '"test-build-turtle"'), ("Origin", "https://a.example"),
        ("Transfer-Encoding", "chunked"), ("Upgrade", "websocket"), ("Connection", "upgrade")]), max_size=4),
    body=st.sampled_from([b"", b"", b"query=ASK%7B%7D"]),
)


def _chunked(request: bytes) -> bytes:
    return request.replace(b"\r\n\r\n", b"\r\n\r\n0\r\n\r\n", 1) if b"Transfer-Encoding" in request else request


def _get(query: str | None, *headers: tuple[str, str], version: str = "1.1") -> bytes:
    return _request("GET", _target("/sparql", query, ""), version, list(headers), b"")


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sent=st.lists(requests_, min_size=1, max_size=3), pipelined=st.booleans())
@example(sent=[_get(LABEL, ("Connection", "keep-alive"), version="1.0")], pipelined=True)
@example(sent=[_get(LABEL, ("Connection", "upgrade"), ("Upgrade", "websocket"))], pipelined=True)
@example(sent=[_get(None, ("Accept", "text/turtle")), _get(None, ("Accept", "text/turtle"), ("X-Forwarded-Proto", "https"))],
         pipelined=False)
@example(sent=[_get(QUERIES[2]), _get(LABEL), _get(LABEL, ("Connection", "close")), _get(LABEL)], pipelined=True)
def test_the_shortcut_writes_what_uvicorns_path_writes_for_any_requests_pipelined_or_not(edges, sent, pipelined):
    raw = b"".join(_chunked(r) for r in sent) if pipelined else [_chunked(r) for r in sent]
    early, plain = (_run(_exchange(cls, served, raw, len(sent)))[0] for cls, served in zip((Protocol, Plain), edges))
    assert early == plain


def test_a_cheap_query_is_answered_without_a_task_and_the_rest_as_before(edges):
    """The shortcut answers a proved-cheap query with no ASGI task; a query it cannot prove cheap, and a
    stored answer's conditional request, are answered as uvicorn's path answers them."""
    served = edges[0]
    cheap = _request("GET", _target("/sparql", LABEL + "# early", ""), "1.1", [], b"")
    dear = _request("GET", _target("/sparql", QUERIES[2] + "# early", ""), "1.1", [], b"")
    answered, tasks = _run(_exchange(Protocol, served, cheap, 1))
    assert answered.startswith(b"HTTP/1.1 200 OK\r\n") and b'"value":"KVM"' in answered and tasks == 0
    answered, tasks = _run(_exchange(Protocol, served, dear, 1))
    assert answered.startswith(b"HTTP/1.1 200 OK\r\n") and tasks == 1
    etag = next(line.split(b": ", 1)[1] for line in answered.split(b"\r\n") if line.startswith(b"etag: "))
    again = _request("GET", _target("/sparql", QUERIES[2] + "# early", ""), "1.1", [("If-None-Match", etag.decode())], b"")
    answered, tasks = _run(_exchange(Protocol, served, again, 1))
    assert answered.startswith(b"HTTP/1.1 304 Not Modified\r\n") and tasks == 0, "a stored answer is replayed early"


def test_what_the_shortcut_tried_is_not_tried_again_and_what_it_answers_is_counted():
    """`direct` is asked once on the event loop per request, whichever path answers; a request the
    shortcut answers is counted in the metrics like any other."""
    asked = []

    def direct(scope, headers, here):
        asked.append((scope["path"], here))
        return edge.Answer(200, [("Content-Type", "text/plain")], b"direct", "/test") if scope["path"] == "/cheap" \
            or not here else None

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"from the app"]

    served = edge.Edge(app, edge.Limits(max_headers=10, max_body=100, body_seconds=5, cache_bytes=0, threads=2),
                       lambda *_: (500, [], b""), lambda: "build", direct=direct)
    counted = metrics.REQUESTS.labels("/test", "GET", "200")
    before = counted._value.get()
    raw = b"".join(_request("GET", path, "1.1", [], b"") for path in ("/cheap", "/dear", "/cheap"))
    answered, _ = _run(_exchange(Protocol, served, raw, 3))
    assert answered.count(b"content-length: 6\r\n") == answered.count(b"direct") == 3
    assert asked == [("/cheap", True), ("/dear", True), ("/dear", False), ("/cheap", True)]
    assert counted._value.get() - before == 3


def test_past_the_concurrency_limit_a_cheap_query_is_refused_as_any_request(edges):
    """uvicorn answers 503 to every request past `--limit-concurrency` connections or requests in flight."""
    early, plain = (_run(_exchange(cls, served, _get(LABEL + "# over the limit"), 1, limit=1))[0]
                    for cls, served in zip((Protocol, Plain), edges))
    assert early.startswith(b"HTTP/1.1 503 ") and early == plain


def test_an_answer_with_a_field_that_would_break_the_head_is_not_sent():
    def direct(scope, headers, here):
        return edge.Answer(200, [("Content-Type", "text/plain"), ("X-Split", "a\r\nSet-Cookie: x=1")], b"direct")

    served = edge.Edge(lambda environ, start_response: [], edge.Limits(10, 100, 5, 0, 2), lambda *_: (500, [], b""),
                       lambda: "build", direct=direct)
    answered, _ = _run(_exchange(Protocol, served, _request("GET", "/x", "1.1", [], b""), 1))
    assert answered == b""


def test_the_header_lines_remembered_stay_bounded_and_right(monkeypatch):
    """The protocol remembers each header field it wrote as a line; Date, Content-Length and ETag values
    keep changing, so the memory is emptied when full, and every answer still has its own fields."""
    import api.protocol
    monkeypatch.setattr(api.protocol, "MAX_LINES", 8)

    def direct(scope, headers, here):
        return edge.Answer(200, [("Content-Type", "text/plain"), ("X-Path", scope["path"])], b"direct")

    served = edge.Edge(lambda environ, start_response: [], edge.Limits(10, 100, 5, 0, 2), lambda *_: (500, [], b""),
                       lambda: "build", direct=direct)
    paths = [f"/{n}" for n in range(20)]
    answered, _ = _run(_exchange(Protocol, served, [_request("GET", path, "1.1", [], b"") for path in paths], 20))
    assert [line for line in answered.split(b"\r\n") if line.startswith(b"x-path: ")] == \
        [f"x-path: {path}".encode() for path in paths]
    assert 0 < len(api.protocol.LINES) <= 8
