"""Every HTTP error, in one shape: a status and one line, as JSON or HTML as the client accepts."""

from functools import lru_cache

from flask import Response, jsonify, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from kg.errors import VirtkgError
from kg.sparql_syntax import ReadOnlyError


class ApiError(Exception):
    """An error the client caused (or must wait out); `status` is the HTTP status."""

    status = 400

    def __init__(self, message: str, status: int | None = None, headers: dict | None = None,
                 details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status or self.status
        self.headers = headers or {}
        self.details = details or {}  # more for the client than the one line (a 404's nearest names)


def wants_html(accept: str | None = None) -> bool:
    """Whether an Accept header (by default, the request's) prefers HTML to JSON."""
    return _prefers_html(request.headers.get("Accept", "") if accept is None else accept)


@lru_cache(maxsize=1024)
def _prefers_html(accept: str) -> bool:
    """Clients send few distinct Accept headers: the answer is remembered rather than parsed again."""
    offered = parse_accept_header(accept, MIMEAccept)
    best = offered.best_match(["application/json", "text/html"], default="application/json")
    return best == "text/html" and offered["text/html"] > offered["application/json"]


def respond(status: int, message: str, headers: dict | None = None, details: dict | None = None) -> Response:
    details = details or {}
    if wants_html():
        response = Response(render_template("error.html", status=status, message=message, **details), status,
                            mimetype="text/html")
    else:
        response = jsonify(error=message, status=status, **details)
        response.status_code = status
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def page(app, status: int, message: str, accept: str | None) -> tuple[int, list[tuple[str, str]], bytes]:
    """The error response `respond` makes, for a request the app never saw (the edge's own refusals)."""
    with app.test_request_context(headers={"Accept": accept or "*/*"}):
        response = respond(status, message)
    return response.status_code, list(response.headers.items()), response.get_data()


def register(app) -> None:
    @app.errorhandler(ApiError)
    def api_error(e: ApiError):
        return respond(e.status, e.message, e.headers, e.details)

    @app.errorhandler(VirtkgError)
    def virtkg_error(e: VirtkgError):
        return respond(403 if isinstance(e, ReadOnlyError) else 400, "; ".join(e.problems))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        headers = dict(e.get_headers()) if e.code == 405 else {}
        headers.pop("Content-Type", None)
        return respond(e.code or 500, e.description or e.name, headers)

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        app.logger.exception("unexpected error")
        return respond(500, "internal error; the server log has the details")
