"""/sparql: the SPARQL 1.1 Protocol for queries (read-only), the service description and the editor."""

import re
from dataclasses import replace
from functools import lru_cache
from urllib.parse import parse_qs

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory
from rdflib import Graph
from werkzeug.sansio.utils import get_current_url, get_host

from api import edge, formats, urls
from api.errors import ApiError, wants_html
from api.executor import Job
from kg import queryfile, resources
from kg.sparql_syntax import READ_ONLY, analyse
from kg.namespaces import PREFIXES

blueprint = Blueprint("sparql", __name__)

FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
READS = ("GET", "HEAD")  # HEAD is GET without the content (RFC 9110, 9.3.2)


def service():
    return current_app.extensions["virtkg"]


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise ApiError(f"give the {name} parameter once, not {len(values)} times")
    return values[0] if values else None


def _request_parts() -> tuple[str, list[str], list[str]]:
    """The query text and the protocol's dataset parameters, from whichever of the three forms was used."""
    args = request.args
    if "update" in args:
        raise ApiError(READ_ONLY, 403)
    if request.method in READS:
        query = _single(args.getlist("query"), "query")
        return query, args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
    content_type = request.mimetype
    if content_type == UPDATE_TYPE or (content_type == FORM_TYPE and "update" in request.form):
        raise ApiError(READ_ONLY, 403)
    if content_type == FORM_TYPE:
        form = request.form
        return (_single(form.getlist("query"), "query"),
                form.getlist("default-graph-uri") + args.getlist("default-graph-uri"),
                form.getlist("named-graph-uri") + args.getlist("named-graph-uri"))
    if content_type == QUERY_TYPE:
        if "query" in args:
            raise ApiError("a query sent as application/sparql-query must not also be a query parameter")
        return (_utf8_body(), args.getlist("default-graph-uri"), args.getlist("named-graph-uri"))
    raise ApiError(f"POST a query as {FORM_TYPE} or {QUERY_TYPE}, not {content_type or 'no content type'}", 415)


def _utf8_body() -> str:
    """A query sent directly must be UTF-8 (SPARQL 1.1 Protocol, 2.1.3); anything else is refused, not guessed."""
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(f"send the query as UTF-8, not {charset}", 415)
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError("the query is not valid UTF-8") from None


def _timeout(settings) -> float:
    raw = request.values.get("timeout")
    if raw is None:
        return settings.query_timeout
    if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,6})?", raw):
        raise ApiError(f"timeout must be a number of seconds, not {raw!r}")
    value = float(raw)
    if not 0 < value:
        raise ApiError("timeout must be more than 0 seconds")
    return min(value, settings.query_timeout)


def _check_length(query: str, settings) -> None:
    size = len(query.encode("utf-8"))
    if size > settings.max_query_bytes:
        raise ApiError(f"the query is {size} bytes; the limit is {settings.max_query_bytes}", 413)


def _choose(offered):
    return formats.choose(offered, request.headers.get("Accept"), request.values.get("format"))


def _cacheable(response: Response, etag: str) -> Response:
    return edge.storable(request, response, etag, service().settings.max_age)


def _job(query: str, analysis, fmt, settings, base_iri: str, default_graphs=(), named_graphs=()) -> Job:
    return Job(query, formats.job_name(fmt), settings.row_limit, settings.max_response_bytes,
               tuple(default_graphs), tuple(named_graphs), base_iri=base_iri, shape=analysis.shape,
               prefixes=analysis.borrows)


def _answer_query(query: str, default_graphs: list[str], named_graphs: list[str]) -> Response:
    svc = service()
    settings = svc.settings
    _check_length(query, settings)
    analysis = analyse(query, settings.max_query_depth)
    fmt = _choose(formats.TRIPLES if analysis.returns_triples else formats.SOLUTIONS)
    etag = f"{svc.build_id}-{fmt.name}"
    if request.method in READS and etag in request.if_none_match:
        return _cacheable(Response(status=304), etag)
    job = _job(query, analysis, fmt, settings, request.base_url, default_graphs, named_graphs)
    body, cut = _said_cut(_evaluated(svc, job), fmt, settings)
    return _cacheable(Response(body, content_type=fmt.content_type, headers=cut), etag)


def _evaluated(svc, job: Job):
    """The outcome of `job`, or what the edge already had of it (see direct_answers): the query is not
    run again, and an error it raised is rendered here."""
    handed = request.environ.get(edge.HANDED)
    if handed is None:
        return svc.answer(job, _timeout(svc.settings))
    if isinstance(handed, Exception):
        raise handed
    return handed


def _said_cut(outcome, fmt, settings) -> tuple[bytes, list[tuple[str, str]]]:
    """An answer's body and the headers that say where it was cut, if it was: at the row cap or the
    byte budget, in headers and, in JSON, in the body too."""
    if not outcome.truncated:
        return outcome.body, []
    name, limit = ("Row-Limit", settings.row_limit) if outcome.cut == "rows" else ("Byte-Limit", settings.max_response_bytes)
    body = outcome.body
    if fmt.name == "json" and body.startswith(b"{"):
        field = b"rowLimit" if outcome.cut == "rows" else b"byteLimit"
        body = b'{"truncated":true,"%s":%d,' % (field, limit) + body[1:]
    return body, [("X-Virtkg-Truncated", "true"), (f"X-Virtkg-{name}", str(limit))]


# Longer queries are not answered on the event loop, whatever they are: even the proof's parse stays off it.
AT_ONCE_BYTES = 2048
PLANS = 1024                # query strings read once and remembered (see direct_answers)
PLANNED_BYTES = 8192        # ... if they are this short, with the Accept header (each kept twice, as key and job: 16 MB at most)
DIRECT_PARAMS = {"query", "format"}
CORS = ("Access-Control-Allow-Origin", "*")  # what flask_cors adds to every /sparql answer (api.create_app)


def query_fields(raw: bytes, most: int) -> dict[str, list[str]]:
    """A URL's query string as `parse_qs` reads it strictly (blank values kept, at most `most` fields),
    raising what it raises. A query in a URL has an escape for every space and bracket, and parse_qs
    decodes each in a Python loop (18 us of a 200 us label lookup); plain ASCII with no backslash is
    decoded here by the C codec instead (each %XX turned into \\xXX), and anything else by parse_qs."""
    fields = raw.split(b"&")
    if raw.isascii() and b"\\" not in raw and len(fields) <= most:
        decoded: dict[str, list[str]] = {}
        try:
            for field in fields:
                name, equals, value = field.partition(b"=")
                if not equals:
                    break
                name, value = (part.replace(b"+", b" ").replace(b"%", b"\\x").decode("unicode_escape")
                               .encode("latin-1").decode("utf-8") for part in (name, value))
                decoded.setdefault(name, []).append(value)
            else:
                return decoded
        except UnicodeError:
            pass  # an escape that is not two hex digits, or bytes that are not UTF-8: parse_qs says what it makes of them
    return parse_qs(raw.decode("latin-1"), keep_blank_values=True, strict_parsing=True, errors="strict", max_num_fields=most)


def direct_answers(svc, compress_min_size: int):
    """For the edge (api.edge.Edge's `direct`): the answer to a GET of /sparql with one query over the
    default dataset and no parameter but `format`, made without the Flask app, whose routing, request
    and response objects and after-request hooks cost more than a cheap query (bench/sparql.py). On
    the event loop (`here`), only a query the fast path proves cheap is answered; on a request thread,
    any, by a query process if it is not cheap. The answer is the app's, headers and all
    (tests/test_fast_path.py compares the two). What this does not answer as the app would gets None
    before the query runs (a conditional request, a browser asking for the editor, anything that does
    not parse or is not acceptable), and the app answers it; once the query has run, what it gave is
    handed over to the app to finish (edge.HandOver: an answer it would compress, or an error to
    render), so no query runs twice."""
    settings = svc.settings

    def plan(raw: bytes, accept: str) -> tuple[Job, int, formats.Format] | None:
        """The job a query string and an Accept header ask for (with no base IRI yet), the query's
        UTF-8 size and the answer's format; None for the app to answer."""
        try:
            params = query_fields(raw, len(DIRECT_PARAMS))
        except (ValueError, UnicodeDecodeError):
            return None
        if not params.keys() <= DIRECT_PARAMS or any(len(v) != 1 or not v[0] for v in params.values()):
            return None
        query, requested = params.get("query", [""])[0], params.get("format", [None])[0]
        size = len(query.encode("utf-8"))
        if not query or size > settings.max_query_bytes or (requested is None and wants_html(accept)):
            return None
        try:
            analysis = analyse(query, settings.max_query_depth)
            fmt = formats.choose(formats.TRIPLES if analysis.returns_triples else formats.SOLUTIONS, accept, requested)
        except Exception:  # noqa: BLE001 - a refused query, a format not offered: the app says what is wrong
            return None
        return _job(query, analysis, fmt, settings, None), size, fmt

    # The same few query strings come again and again, uncached or not: each is read once (a tenth of a
    # label lookup's time in the server). Only short ones are remembered, so the memory stays bounded.
    remembered = lru_cache(maxsize=PLANS)(plan)

    def direct(scope, headers: dict[str, str], here: bool):
        if scope["method"] != "GET" or scope["path"] != "/sparql" or "if-none-match" in headers:
            return None
        raw, accept = scope["query_string"], headers.get("accept", "")
        planned = (remembered if len(raw) + len(accept) <= PLANNED_BYTES else plan)(raw, accept)
        if planned is None or (here and planned[1] > AT_ONCE_BYTES):
            return None
        job, _, fmt = planned
        etag = f'"{svc.build_id}-{fmt.name}"'  # named before the query runs, as the app names it
        try:
            if here:  # no base IRI: kg.bounded proves only queries without relative IRIs cheap
                outcome = svc.answer_here(job)
            else:
                base = get_current_url(scope["scheme"], get_host(scope["scheme"], headers.get("host"), scope.get("server")),
                                       scope.get("root_path", ""), scope["path"])
                outcome = svc.answer(replace(job, base_iri=base), settings.query_timeout)
        except Exception as failed:  # noqa: BLE001 - the app renders it, as if it had run the query itself
            raise edge.HandOver(failed) from None
        if outcome is None:
            return None
        if len(outcome.body) >= compress_min_size and headers.get("accept-encoding"):
            raise edge.HandOver(outcome)  # the app compresses it
        body, cut = _said_cut(outcome, fmt, svc.settings)
        return edge.Answer(200, [("Content-Type", fmt.content_type), ("Content-Length", str(len(body))),
                                 ("Vary", "Accept, Accept-Encoding"), ("ETag", etag),
                                 ("Cache-Control", f"public, max-age={svc.settings.max_age}"), CORS, *cut],
                           body, "/sparql")
    return direct


def _example_queries() -> list[queryfile.QueryFile]:
    return queryfile.read_all(resources.queries_dir())


def _service_description(fmt) -> Response:
    svc = service()
    turtle = render_template("service-description.ttl", endpoint=request.base_url,
                             graphs=sorted(svc.store.report["triples_per_graph"]))
    graph = Graph().parse(data=turtle, format="turtle")
    body = graph.serialize(format={"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}[fmt.name])
    return _cacheable(Response(body, content_type=fmt.content_type), f"{svc.build_id}-sd-{fmt.name}")


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql():
    query, default_graphs, named_graphs = _request_parts()
    browser = request.method in READS and "format" not in request.args and wants_html()
    if query is not None and not browser:
        if not query.strip():
            raise ApiError("the query is empty")
        return _answer_query(query, default_graphs, named_graphs)
    if request.method == "POST":
        raise ApiError("no query given: send it in the query parameter")
    if browser:  # the editor, with a linked query loaded and run
        examples = _example_queries()
        return render_template("sparql.html", prefixes=PREFIXES, examples=examples, linked=query, public_base=urls.PUBLIC_BASE,
                               examples_json=[{"name": q.meta.get("summary", q.name), "query": q.text} for q in examples],
                               editor_ready=(service().settings.editor_dir / "yasgui.min.js").is_file())
    return _service_description(_choose(formats.TRIPLES))


@blueprint.route("/sparql/editor/<path:name>")
def editor_asset(name: str):
    """The YASGUI build, installed from the npm registry by the set-up command, served from our origin."""
    return send_from_directory(service().settings.editor_dir.resolve(), name, max_age=86400)
