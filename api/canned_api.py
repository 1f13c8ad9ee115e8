"""/api: the canned queries of queries/*.rq as a REST API, with pages, formats and OpenAPI docs."""

import json
import math
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_from_directory, url_for

from api import edge, formats
from api.errors import ApiError
from api.executor import Job
from api.openapi import document as openapi_document
from kg import advice, agreement, canned
from kg.namespaces import PREFIXES, curie

blueprint = Blueprint("api", __name__)

PAGING = {"limit", "offset", "format"}
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
WHOLE = {"advise", "compare"}  # served whole: the ranking and the per-dimension summaries need every row


def service():
    return current_app.extensions["virtkg"]


def _query(name: str) -> canned.CannedQuery:
    query = service().queries.get(name)
    if query is None:
        raise ApiError(f"no query named {name!r}; GET /api lists them", 404)
    return query


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    value = canned.whole_number(raw)
    if value is None or not low <= value <= high:
        raise ApiError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return value


def _format(suffix: str | None) -> formats.Format:
    wanted = suffix or request.args.get("format")
    if wanted == "json":
        wanted = "page"  # /api/<name>.json is the plain JSON page; the SPARQL form is format=application/sparql-results+json
    return formats.choose(formats.PAGES, request.headers.get("Accept"), wanted)


def _page_url(name: str, suffix: str | None, offset: int) -> str:
    args = [(k, v) for k, values in request.args.lists() if k != "offset" for v in values] + [("offset", str(offset))]
    return url_for("api.run", name=name + (f".{suffix}" if suffix else ""), _external=True) + "?" + urlencode(args)


XSD = PREFIXES["xsd"]
INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                              "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong",
                              "unsignedShort", "unsignedByte")}
REALS = {XSD + t for t in ("decimal", "double", "float")}


def _value(term: dict) -> str | int | float | bool:
    """A typed literal as the JSON value it stands for (number, boolean); anything else as its text."""
    kind, value = term.get("datatype"), term["value"]
    try:
        if kind in INTEGERS:
            return int(value)
        if kind in REALS:
            number = float(value)
            return number if math.isfinite(number) else value
    except ValueError:  # an ill-typed literal stays text
        return value
    if kind == XSD + "boolean" and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    return value


def _rows(body: bytes) -> tuple[list[str], list[dict]]:
    data = json.loads(body)
    columns = data["head"]["vars"]
    return columns, [{c: _value(b[c]) for c in columns if c in b} for b in data["results"]["bindings"]]


@blueprint.route("/api")
@blueprint.route("/api.json")
def index():
    queries = sorted(service().queries.values(), key=lambda q: q.name)
    listing = [{"name": q.name, "summary": q.summary, "description": q.description, "tags": q.tags,
                "parameters": [{"name": p.name, "kind": p.kind, "class": p.within, "values": list(p.values),
                                "default": p.default, "required": p.required, "repeatable": p.repeatable,
                                "description": p.description} for p in q.params],
                "url": url_for("api.run", name=q.name, _external=True)} for q in queries]
    if request.path.endswith(".json") or _format(None).name != "html":
        return jsonify(queries=listing, openapi=url_for("api.openapi", _external=True))
    return render_template("api_index.html", queries=queries)


@blueprint.route("/api/openapi.json")
def openapi():
    return jsonify(openapi_document(service().queries.values(), request.host_url.rstrip("/")))


@blueprint.route("/api/docs")
def docs():
    return render_template("api_docs.html")


@blueprint.route("/api/docs/assets/<path:name>")
def docs_asset(name: str):
    """Swagger UI, installed from the npm registry by the set-up command, served from our origin."""
    return send_from_directory(service().settings.api_docs_dir.resolve(), name, max_age=86400)


@blueprint.route("/api/<name>")
def run(name: str):
    name, _, suffix = name.partition(".")
    if suffix and suffix not in ("json", "csv"):
        raise ApiError(f"unknown suffix .{suffix}; use .json or .csv", 404)
    svc = service()
    query = _query(name)
    args = {k: v for k, v in request.args.lists() if k not in PAGING}
    bound = canned.bind(query, args, svc.lookup)
    fmt = _format(suffix or None)
    whole = name in WHOLE  # a ranking or a grouping is whole or wrong: every row, one page
    limit, offset = _int("limit", DEFAULT_LIMIT, 1, MAX_LIMIT), _int("offset", 0, 0, 10_000_000)
    if whole:
        limit, offset = svc.settings.row_limit, 0
    engine_format = "json" if fmt.name in ("page", "html") else fmt.name
    job = Job(bound.text, engine_format, limit, svc.settings.max_response_bytes, offset=offset, substitutions=tuple(sorted(bound.substitutions.items())), shape=f"api:{name}")
    outcome = svc.answer(job, svc.settings.query_timeout)
    next_url = _page_url(name, suffix or None, offset + outcome.rows) if outcome.truncated and not whole else None
    prev_url = _page_url(name, suffix or None, max(0, offset - limit)) if offset else None
    links = [f'<{u}>; rel="{rel}"' for u, rel in ((next_url, "next"), (prev_url, "prev")) if u]
    if fmt.name not in ("page", "html"):
        response = Response(outcome.body, content_type=fmt.content_type)
    else:
        columns, rows = _rows(outcome.body)
        page = {"query": name, "summary": query.summary, "parameters": bound.values, "columns": columns,
                "rows": rows, "offset": offset, "limit": limit, "next": next_url, "prev": prev_url}
        if outcome.cut == "bytes":  # a page cut short of `limit` rows by the byte budget says so
            page.update(truncated=True, byteLimit=svc.settings.max_response_bytes)
        if name == "advise":
            page["ranking"] = [o.as_dict(curie) for o in advice.rank(rows)]
        if name == "compare":
            page["dimensions"] = [{"dimension": curie(d.iri), "label": d.label, "summary": d.summary(),
                                   "disputed": d.disputed} for d in agreement.group(rows)]
        if fmt.name == "html":
            response = Response(render_template("api_query.html", query=query, page=page, curie=curie),
                                content_type=fmt.content_type)
        else:
            response = jsonify(page)
    if links:
        response.headers["Link"] = ", ".join(links)
    edge.storable(request, response, f"{svc.build_id}-{fmt.name}", svc.settings.max_age)
    return response.make_conditional(request)
