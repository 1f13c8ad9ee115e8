"""HTTP/1.1 as uvicorn parses it (httptools, on uvloop), with one change: a request too malformed to
reach the app (a bad request line, header or body framing, a URL past the parser's 65,535 bytes) is
answered with our one-line JSON error, not uvicorn's plain text. Everything a parseable request can
get wrong is answered by the edge or the app, in the format the client accepts.

And one shortcut: a GET the edge can answer at once (stored, or proved cheap: api.edge.answer_early)
is answered as soon as its head is parsed, without the ASGI task, response cycle and messages uvicorn
would make for it. Anything out of the ordinary (HTTP/1.0, Connection: close, a body, a request
pipelined behind one still running, a client not reading, proxy headers to apply, the concurrency
limit reached) takes uvicorn's path, unchanged. (An upgrade is a plain request: the server runs with
no WebSocket protocol, `--ws none`.)"""

import html
import json
import urllib.parse

import httptools
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE, STATUS_LINE, HttpToolsProtocol

from api import security
from api.edge import Edge

MAX_URL = 65_535  # the parser's own limit (httptools.parse_url)
MALFORMED = "malformed HTTP request: the request line, a header or the body framing does not follow HTTP/1.1"
TOO_LONG = f"the URL is over {MAX_URL} bytes: POST long queries"
REASONS = {400: b"Bad Request", 414: b"URI Too Long"}


def _body(status: int, message: str, accept: bytes) -> tuple[bytes, bytes]:
    """A browser (Accept names text/html) gets a page; anything else our JSON error."""
    if b"text/html" in accept:
        page = f"<!doctype html><html lang=en><title>Error {status}</title><h1>Error {status}</h1><p>{html.escape(message)}</p></html>"
        return b"text/html; charset=utf-8", page.encode("utf-8")
    return b"application/json", json.dumps({"error": message, "status": status}).encode("ascii")


PROXY_HEADERS = {b"x-forwarded-proto", b"x-forwarded-for"}  # what uvicorn's ProxyHeadersMiddleware rewrites the scope by
# The bytes uvicorn's cycle refuses in a response's field names and values, from its own patterns: deleting
# them (bytes.translate) finds one in a tenth of the time the patterns take to search.
NOT_IN_NAME, NOT_IN_VALUE = (bytes(b for b in range(256) if pattern.fullmatch(bytes([b])))
                             for pattern in (HEADER_RE, HEADER_VALUE_RE))


LINES: dict[tuple, bytes] = {}  # header fields written before, as lines, each checked once
MAX_LINES = 4096  # emptied when full: Date, Content-Length and ETag values keep changing


def _line(field: tuple[bytes, bytes] | tuple[str, str]) -> bytes | None:
    """A header field (uvicorn's in bytes, the edge's in str) as a line of the head, as uvicorn's cycle
    writes it; None if it would break the head."""
    name, value = (part.encode("latin1") if isinstance(part, str) else part for part in field)
    if len(name.translate(None, NOT_IN_NAME)) < len(name) or len(value.translate(None, NOT_IN_VALUE)) < len(value):
        return None
    if len(LINES) >= MAX_LINES:
        LINES.clear()
    line = LINES[field] = b"%s: %s\r\n" % (name.lower(), value)
    return line


class _Answered:
    """The cycle of a request answered early: complete, with nothing waiting on it."""
    response_complete = True

    class message_event:
        @staticmethod
        def set() -> None:
            pass


ANSWERED = _Answered()


def _edge(app) -> Edge | None:
    """The edge, under the proxy-headers middleware uvicorn may wrap it in; None if the app is another."""
    app = app.app if isinstance(app, ProxyHeadersMiddleware) else app
    return app if isinstance(app, Edge) else None


class Protocol(HttpToolsProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.edge = _edge(self.app)

    def on_headers_complete(self) -> None:
        if not self._answered_early():
            super().on_headers_complete()

    def _answered_early(self) -> bool:
        parser = self.parser
        if (self.edge is None or parser.get_method() != b"GET" or parser.get_http_version() != "1.1"
                or not parser.should_keep_alive()
                or not (self.cycle is None or self.cycle.response_complete) or self.flow.write_paused
                or (self.limit_concurrency is not None
                    and max(len(self.connections), len(self.tasks)) >= self.limit_concurrency)
                or any(name in PROXY_HEADERS for name, _ in self.headers)):
            return False
        url = httptools.parse_url(self.url)  # the scope as uvicorn fills it (on_headers_complete)
        path = url.path.decode("ascii")
        self.scope.update(method="GET", path=self.root_path + (urllib.parse.unquote(path) if "%" in path else path),
                          raw_path=self.root_path.encode("ascii") + url.path, query_string=url.query or b"")
        if not self.edge.answer_early(self.scope, self._write):
            return False
        self.cycle = ANSWERED
        self.on_response_complete()  # as uvicorn's cycle ends: count it, arm the keep-alive timer
        return True

    def _write(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """The answer as uvicorn's cycle writes it, with its check: a field that would break the head is
        a bug, logged, and the connection is closed with nothing sent. Most fields are the same in every
        answer: each is checked and written once (a label lookup: 1 us, not 3.5)."""
        lines = [LINES.get(field) or _line(field) for field in self.server_state.default_headers + headers]
        if None in lines:
            self.logger.error("an answer has an invalid HTTP header field; the connection is closed")
            self.transport.close()
            return
        self.transport.write(b"".join([STATUS_LINE[status], *lines, b"\r\n", body]))

    def send_400_response(self, msg: str) -> None:
        status = 414 if len(getattr(self, "url", b"")) > MAX_URL else 400
        accept = b",".join(v for k, v in getattr(self, "headers", []) if k.lower() == b"accept")
        content_type, body = _body(status, TOO_LONG if status == 414 else MALFORMED, accept)
        self.transport.write(b"".join([
            b"HTTP/1.1 %d %s\r\n" % (status, REASONS[status]),
            b"content-type: %s\r\n" % content_type,
            b"content-length: %d\r\n" % len(body),
            b"cache-control: no-store\r\n",
            *(b"%s: %s\r\n" % (name.encode("ascii"), value.encode("ascii")) for name, value in security.HEADERS),
            b"connection: close\r\n\r\n",
            body,
        ]))
        self.transport.close()
