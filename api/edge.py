"""The edge of the service, a WSGI middleware in front of Flask: it times and counts every request, and
answers repeated requests from a store of complete responses.

The graph cannot change while a build is served, so a response the app marked storable stays right for
the life of the process. Answering it here costs a dictionary lookup instead of a pass through Flask,
which is most of the cost of a cheap query. The key is everything the app's answer can depend on:
method, path, query string, body, Host, Accept and Accept-Encoding (so content negotiation and gzip
stay exact)."""

import io
import threading
import time
from dataclasses import dataclass

from cachetools import LRUCache
from werkzeug.http import parse_etags, unquote_etag

from api import metrics

STORABLE = "virtkg.storable"   # environ key a view sets when its 200 answer may be stored
ENDPOINT = "virtkg.endpoint"   # environ key the app sets to the matched route, the metrics label
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


@dataclass(frozen=True)
class Stored:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    endpoint: str
    etag: str | None

    @property
    def size(self) -> int:
        return len(self.body) + 64 * len(self.headers)


class Edge:
    """Wraps a WSGI app; `max_bytes` bounds the stored responses (0 stores nothing), `max_body` the
    request bodies it will read to make a key (larger ones pass through untouched)."""

    def __init__(self, app, max_bytes: int, max_body: int):
        self.app = app
        self.enabled = max_bytes > 0
        self.max_body = max_body
        self._lru = LRUCache(maxsize=max(max_bytes, 1), getsizeof=Stored.size.fget)
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        key = self._key(environ) if self.enabled else None
        if key is not None:
            with self._lock:
                stored = self._lru.get(key)
            if stored is not None:
                metrics.CACHE.labels("hit").inc()
                return self._replay(stored, environ, start_response, started)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            captured["storable"] = key is not None and environ.get(STORABLE) and status.startswith("200")
            return start_response(status, headers + [MISS] if captured["storable"] else headers, exc_info)

        body = self.app(environ, capture)
        endpoint = environ.get(ENDPOINT, "unmatched")
        if captured.get("storable"):
            body = self._store(key, captured, body, endpoint)
        metrics.record(endpoint, environ["REQUEST_METHOD"], captured.get("status", "500")[:3], started)
        return body

    def _key(self, environ) -> tuple | None:
        """What the answer can depend on, or None when the request is not one the edge may answer."""
        method = environ["REQUEST_METHOD"]
        payload = b""
        if method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or "")
            except ValueError:
                return None
            if not 0 <= length <= self.max_body:
                return None
            payload = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(payload)
        elif method != "GET":
            return None
        return (method, environ.get("PATH_INFO"), environ.get("QUERY_STRING"), payload,
                environ.get("CONTENT_TYPE"), environ.get("HTTP_HOST"), environ.get("wsgi.url_scheme"),
                environ.get("HTTP_ACCEPT"), environ.get("HTTP_ACCEPT_ENCODING"))

    def _store(self, key, captured, body, endpoint: str) -> list[bytes]:
        try:
            data = b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
        etag = next((unquote_etag(v)[0] for k, v in captured["headers"] if k.lower() == "etag"), None)
        stored = Stored(captured["status"], list(captured["headers"]) + [HIT], data, endpoint, etag)
        metrics.CACHE.labels("miss").inc()
        if stored.size <= self._lru.maxsize:
            with self._lock:
                self._lru[key] = stored
        return [data]

    @staticmethod
    def _replay(stored: Stored, environ, start_response, started: float) -> list[bytes]:
        """The stored answer, or 304 when the client already holds it (RFC 9110, 13.1.2)."""
        condition = environ.get("HTTP_IF_NONE_MATCH")
        if condition and stored.etag and parse_etags(condition).contains(stored.etag):
            start_response("304 Not Modified", [h for h in stored.headers if h[0].lower() in NOT_MODIFIED_HEADERS])
            metrics.record(stored.endpoint, environ["REQUEST_METHOD"], "304", started)
            return []
        start_response(stored.status, stored.headers)
        metrics.record(stored.endpoint, environ["REQUEST_METHOD"], stored.status[:3], started)
        return [stored.body]
