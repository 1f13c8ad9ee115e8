"""The edge of the service: an ASGI app on the server's event loop, in front of the Flask app.

It does what must not wait for a request thread:
- reads the request body, within a deadline and a size bound, so a client that stalls its upload
  holds a coroutine, not a thread, and is dropped with 408 when the deadline passes;
- answers repeated requests from a store of complete responses (the graph cannot change while a build
  is served), so cached answers are never queued behind slow queries;
- gives the HTTP protocol (api.protocol) those answers, and the ones `direct` proves cheap, as soon as
  a GET's head is parsed (answer_early), before any ASGI machinery is made for the request;
- counts and times every request, and adds the security headers to every response.
Everything else is handed, with its body complete, to a bounded pool of threads, where the Flask app
answers it. `direct` answers some requests as the app would without it (plain SPARQL queries:
api.sparql.direct_answers), and those it proves cheap on the event loop, without the thread either:
for those, the hop to a thread and the app's own work cost more than the query.

The store's key is everything the app's answer can depend on: method, path, query string, body,
content type, Host, scheme, Accept and Accept-Encoding (so content negotiation and gzip stay exact)."""

import asyncio
import io
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

from a2wsgi.wsgi import build_environ
from cachetools import LRUCache
from werkzeug.http import parse_etags, unquote_etag

from api import metrics, security

HANDED = "virtkg.handed"       # environ key: what `direct` got for this request and handed to the app to finish
STORABLE = "virtkg.storable"   # environ key a view sets when its 200 answer may be stored
ENDPOINT = "virtkg.endpoint"   # environ key the app sets to the matched route, the metrics label
TRIED = "virtkg.tried"         # scope key: answer_early found no answer at once; what `direct` handed over
HIT = ("X-Virtkg-Cache", "hit")
MISS = ("X-Virtkg-Cache", "miss")
NOT_MODIFIED_HEADERS = {"etag", "cache-control", "vary", "access-control-allow-origin", "x-virtkg-cache"}


def storable(request, response, etag: str, max_age: int):
    """Mark an answer that only a new build can change: the edge may store and replay it, it varies
    by Accept, and unless it answers a POST (not cacheable in HTTP) it carries the build's ETag and
    a public max-age. Takes the werkzeug request and response; returns the response."""
    request.environ[STORABLE] = True
    response.headers["Vary"] = "Accept"
    if request.method != "POST":
        response.set_etag(etag)
        response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


def _fields(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Header fields by lower-case name; a repeated field's values joined by a comma (RFC 9110, 5.3), as
    the app gets them (a2wsgi), so that what the edge keys and answers on is what the app reads."""
    fields: dict[str, str] = {}
    for name, value in raw:
        name, value = name.decode("latin1").lower(), value.decode("latin1")
        fields[name] = f"{fields[name]},{value}" if name in fields else value
    return fields


class Answer(NamedTuple):  # made for every request: a named tuple is made in a third of a frozen dataclass's time
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    endpoint: str = "unmatched"
    etag: str | None = None

    @property
    def size(self) -> int:
        return len(self.body) + 64 * len(self.headers)


class HandOver(Exception):
    """Raised by `direct` for a request whose work it did but whose answer the app must make: `value`
    reaches the app in the environ, under HANDED."""

    def __init__(self, value):
        super().__init__()
        self.value = value


class Refusal(Exception):
    """A request the edge answers itself, before the app: status, one line, extra headers."""

    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] = ()):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, list(headers)


@dataclass(frozen=True)
class Limits:
    max_headers: int      # header fields (431 past them)
    max_body: int         # bytes of request body read at most (413 past it)
    body_seconds: float   # time the whole body may take to arrive (408 past it)
    cache_bytes: int      # size of the response store; 0 stores nothing
    threads: int          # request threads for the app


class Edge:
    """Wraps a WSGI app (`app`) as ASGI; `error_page(status, message, accept)` renders (status, headers,
    body) for the errors the edge gives itself, in the format the client accepts, as the app would;
    `build_id()` names the build served now; `direct(scope, headers, here)` gives the app's answer to a
    request without the app (`here`: on the event loop, so only if it is cheap), None for the app to
    answer, or raises HandOver for the app to finish."""

    def __init__(self, app, limits: Limits, error_page, build_id, direct=lambda scope, headers, here: None):
        self.app = app
        self.direct = direct
        self.build_id = build_id  # the build served now: stored answers of another are dropped
        self.limits = limits
        self.error_page = error_page
        self.storing = limits.cache_bytes > 0
        self._lru = LRUCache(maxsize=max(limits.cache_bytes, 1), getsizeof=Answer.size.fget)
        self._lock = threading.Lock()
        self._build = build_id()
        self._threads = ThreadPoolExecutor(limits.threads, thread_name_prefix="virtkg-request")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        headers = _fields(scope["headers"])
        try:
            self._check_headers(scope)
            body = await self._read_body(headers, receive)
        except Refusal as refused:
            status, page_headers, page = self.error_page(refused.status, refused.message, headers.get("accept"))
            answer = Answer(status, page_headers + refused.headers + [("Connection", "close")], page)
            return await self._send(send, scope, answer, started)
        key = self._key(scope, headers, body) if self.storing else None
        if TRIED in scope:  # answer_early found no answer at once: nothing to try again
            handed, answer = scope[TRIED], None
        else:
            handed, answer = self._at_once(scope, headers, key)
        if answer is None:
            answer = await asyncio.get_running_loop().run_in_executor(self._threads, self._on_thread, scope, headers,
                                                                      body, key, handed)
        await self._send(send, scope, answer, started)

    def answer_early(self, scope, write) -> bool:
        """For the HTTP protocol (api.protocol), as soon as a GET's head is parsed: answer a request that
        frames no body, when its answer needs no thread (stored, or proved cheap), and say True; the
        protocol then makes no ASGI task, response cycle or messages for it (a label lookup on the 1e6
        graph, in process: 85 us of the server's time, 65 this way). `write(status, headers, body)` puts
        the answer on the wire (its header fields as str, latin-1 on the wire). Otherwise say False, and
        leave in the scope what was tried, for __call__ to go on from: no query runs twice."""
        started = time.perf_counter()
        headers = _fields(scope["headers"])
        try:
            self._check_headers(scope)
        except Refusal:
            return False  # __call__ refuses it
        if "content-length" in headers or "transfer-encoding" in headers:
            return False  # __call__ reads its body
        key = self._key(scope, headers, b"") if self.storing else None
        scope[TRIED], answer = self._at_once(scope, headers, key)
        if answer is None:
            return False
        write(*self._wire(scope, answer))
        metrics.record(answer.endpoint, scope["method"], str(answer.status), started)
        return True

    def _at_once(self, scope, headers: dict, key) -> tuple[dict, Answer | None]:
        """An answer that needs no thread: a stored one, or one `direct` proves cheap; else (what
        `direct` handed over, None)."""
        stored = self._lookup(key)
        if stored is not None:
            metrics.CACHE.labels("hit").inc()
            return {}, self._replay(stored, headers)
        return self._direct(scope, headers, key, here=True)

    def _on_thread(self, scope, headers: dict, body: bytes, key, handed: dict) -> Answer:
        if not handed:
            handed, answer = self._direct(scope, headers, key, here=False)
            if answer is not None:
                return answer
        return self._call_app(scope, body, key, handed)

    def _direct(self, scope, headers: dict, key, here: bool) -> tuple[dict, Answer | None]:
        """What `direct` made of the request: (what it handed over to the app, its answer)."""
        try:
            answer = self.direct(scope, headers, here)
        except HandOver as handed:
            return {HANDED: handed.value}, None
        except Exception:  # noqa: BLE001 - never the edge's to fail: the app answers the request instead
            logging.getLogger(__name__).exception("a direct answer failed; the app answers instead")
            return {}, None
        return {}, None if answer is None else self._keep(answer, key, True)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._threads.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _check_headers(self, scope) -> None:
        if len(scope["headers"]) > self.limits.max_headers:
            raise Refusal(431, f"the request has {len(scope['headers'])} header fields; the limit is {self.limits.max_headers}")

    async def _read_body(self, headers: dict, receive) -> bytes:
        """The whole body, or a Refusal: 413 past `max_body` (before reading, when Content-Length says
        so), 408 when it has not all arrived within `body_seconds`."""
        if "content-length" not in headers and "transfer-encoding" not in headers:
            return b""  # the request frames no body (RFC 9112, 6.3): nothing to wait for
        declared = headers.get("content-length")
        if declared is not None and (not declared.isascii() or not declared.isdigit()):
            raise Refusal(400, "Content-Length must be a whole number of bytes")
        if declared is not None and int(declared) > self.limits.max_body:
            raise Refusal(413, f"the request body is {declared} bytes; the limit is {self.limits.max_body}")
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.limits.body_seconds):  # one deadline for the whole body
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise Refusal(400, "the client went away before its request body was complete")
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.limits.max_body:
                        raise Refusal(413, f"the request body is over the limit of {self.limits.max_body} bytes")
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            raise Refusal(408, f"the request body did not arrive within {self.limits.body_seconds:g} s") from None

    def _key(self, scope, headers: dict, body: bytes) -> tuple | None:
        """What the answer can depend on, or None when the request is not one the edge may answer."""
        if scope["method"] not in ("GET", "POST"):
            return None
        return (scope["method"], scope["path"], scope["query_string"], body, headers.get("content-type"),
                headers.get("host"), scope.get("scheme"), headers.get("accept"), headers.get("accept-encoding"))

    def _lookup(self, key) -> Answer | None:
        if key is None:
            return None
        current = self.build_id()
        with self._lock:
            if self._build != current:  # a new build is served: nothing stored still holds
                self._lru.clear()
                self._build = current
            return self._lru.get(key)

    def _call_app(self, scope, body: bytes, key, handed: dict) -> Answer:
        """Run the WSGI app on a request thread, with its body complete and what `direct` handed over;
        store what it marks storable."""
        environ = build_environ(scope, io.BytesIO(body)) | handed
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"], captured["headers"] = int(status.split(" ", 1)[0]), list(headers)
            return lambda data: None

        try:
            chunks = self.app(environ, start_response)
            try:
                data = b"".join(chunks)
            finally:
                getattr(chunks, "close", lambda: None)()
        except Exception:  # noqa: BLE001 - the app answers its own errors; this is the last line of defence
            logging.getLogger(__name__).exception("the app failed outside its error handlers")
            return Answer(*self.error_page(500, "internal error; the server log has the details", None))
        answer = Answer(captured["status"], captured["headers"], data, environ.get(ENDPOINT, "unmatched"))
        return self._keep(answer, key, environ.get(STORABLE, False))

    def _keep(self, answer: Answer, key, storable: bool) -> Answer:
        """Store a storable 200 answer for replay, and say it was a miss."""
        if key is None or not storable or answer.status != 200:
            return answer
        etag = next((unquote_etag(v)[0] for k, v in answer.headers if k.lower() == "etag"), None)
        metrics.CACHE.labels("miss").inc()
        stored = Answer(answer.status, answer.headers + [HIT], answer.body, answer.endpoint, etag)
        if stored.size <= self._lru.maxsize:
            with self._lock:
                self._lru[key] = stored
        return Answer(answer.status, answer.headers + [MISS], answer.body, answer.endpoint)

    @staticmethod
    def _replay(stored: Answer, headers: dict) -> Answer:
        """The stored answer, or 304 when the client already holds it (RFC 9110, 13.1.2)."""
        condition = headers.get("if-none-match")
        if condition and stored.etag and parse_etags(condition).contains(stored.etag):
            return Answer(304, [h for h in stored.headers if h[0].lower() in NOT_MODIFIED_HEADERS], b"", stored.endpoint)
        return stored

    @classmethod
    async def _send(cls, send, scope, answer: Answer, started: float) -> None:
        status, headers, body = cls._wire(scope, answer)
        headers = [(k.encode("latin1"), v.encode("latin1")) for k, v in headers]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        metrics.record(answer.endpoint, scope["method"], str(answer.status), started)

    @staticmethod
    def _wire(scope, answer: Answer) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, header fields with the security headers, and body, as the server sends them. The body
        is whole, so its length is said whenever it may have one (RFC 9110, 8.6): never chunked."""
        headers = answer.headers + security.HEADERS
        if answer.status not in (204, 304) and not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(answer.body))))
        return answer.status, headers, b"" if scope["method"] == "HEAD" else answer.body
