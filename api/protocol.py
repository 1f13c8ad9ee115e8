"""HTTP/1.1 as uvicorn parses it (httptools, on uvloop), with one change: a request too malformed to
reach the app (a bad request line, header or body framing, a URL past the parser's 65,535 bytes) is
answered with our one-line JSON error, not uvicorn's plain text. Everything a parseable request can
get wrong is answered by the edge or the app, in the format the client accepts."""

import html
import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api import security

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


class Protocol(HttpToolsProtocol):
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
