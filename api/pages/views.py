"""The browsable site: a page for every IRI of ours (with its machine forms by Accept or suffix), the
home page, search, the compare and advisor pages, source pages and the ontology's documentation."""

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for

from api import edge, formats, urls
from api.errors import ApiError, wants_html
from api.pages import describe as describing
from api.pages import diagrams, read, search as searching, site as sites
from kg import advice, agreement, canned
from kg.namespaces import ONTOLOGY_IRI, PREFIXES, VKG, curie

blueprint = Blueprint("pages", __name__)

ABOUT = str(VKG.aboutTechnology)
TECHNOLOGY, DECISION_FACTOR = str(VKG.Technology), str(VKG.DecisionFactor)
MAX_PAGE = 1000  # pages of links into a resource; deeper is the SPARQL endpoint's (skipping costs what it skips)


class NotFound(ApiError):
    """No IRI of ours by that name: a 404 naming the nearest ones."""

    def __init__(self, iri: str, nearest: list[str], site: sites.Site):
        shown = [(site.label(i) or curie(i), urls.href(i)) for i in nearest]
        super().__init__(f"nothing in the graph is named {curie(iri)}"
                         + (f"; did you mean {', '.join(label for label, _ in shown)}?" if shown else ""), 404,
                         details={"suggestions": [{"label": label, "url": url} for label, url in shown]})


def cacheable(response: Response, name: str) -> Response:
    """Stored at the edge and answered 304 to a client holding it, until the build changes."""
    svc = read.service()
    edge.storable(request, response, f"{svc.build_id}-{name}", svc.settings.max_age)
    return response.make_conditional(request)


def _alternates(iri: str) -> list[tuple[formats.Format, str]]:
    return [(f, urls.page_url(iri, f)) for f in formats.DOCUMENTS if f is not formats.HTML]


def _html(template: str, iri: str | None, machine: list | None = None, **context) -> Response:
    """A page, advertising its machine forms (an IRI's RDF forms, or `machine`: format and URL pairs)
    in <link rel=alternate> and in a Link header."""
    alternates = _alternates(iri) if iri else machine or []
    response = Response(render_template(template, iri=iri, alternates=alternates, **context),
                        content_type=formats.HTML.content_type)
    if alternates:
        response.headers["Link"] = ", ".join(f'<{request.host_url.rstrip("/")}{url}>; rel="alternate"; '
                                             f'type="{f.media_type}"' for f, url in alternates)
    return cacheable(response, f"page-{request.full_path}")


def _format(suffix: str | None) -> formats.Format:
    if suffix:
        return formats.BY_SUFFIX[suffix]
    return formats.choose(formats.DOCUMENTS, request.headers.get("Accept"), request.args.get("format"))


def _rdf(data: list, fmt: formats.Format) -> Response:
    """Quads for a dataset form, triples for a triple form, serialised by the engine."""
    body = ox.serialize(data, format=fmt.rdf, prefixes=PREFIXES)
    return cacheable(Response(body, content_type=fmt.content_type), f"rdf-{request.full_path}-{fmt.name}")


def _split(name: str) -> tuple[str, str | None]:
    stem, dot, suffix = name.rpartition(".")
    return (stem, suffix) if dot and suffix in formats.BY_SUFFIX else (name, None)


# --- a page for every IRI ---------------------------------------------------------------------------

@blueprint.route("/<any(resource, ontology, source, graph):area>/<path:name>")
def thing(area: str, name: str):
    name, suffix = _split(name)
    iri = urls.iri_of(f"{area}/{name}")
    if iri == sites.current().version_iri:  # the ontology as of this version: the versioned downloads
        return ontology(suffix)
    return _thing(iri, suffix)


@blueprint.route("/ontology")
@blueprint.route("/ontology.<any(ttl, nt, rdf, jsonld, trig, nq, html):suffix>")
def ontology(suffix: str | None = None):
    fmt, site = _ontology_format(suffix), sites.current()
    if fmt is not formats.HTML:  # the ontology as OWL tools load it: its own graph, nothing added
        quads = describing.graph_quads(str(ONTOLOGY_IRI))
        return _rdf(quads if fmt in formats.DATASETS else [q.triple for q in quads], fmt)
    header = describing.describe(str(ONTOLOGY_IRI), site, read.service().store.inferred_by)
    properties = _properties()
    individuals: dict[str, list] = {}
    for row in read.select("ontology-individuals"):
        individuals.setdefault(row["class"].value, []).append((row["individual"].value, row["label"].value))
    classes = site.classes
    tree = diagrams.tree(site.roots(), {c: i.children for c, i in classes.items()}, {c: i.label for c, i in classes.items()})
    return _html("pages/ontology.html", str(ONTOLOGY_IRI), site=site, header=header, properties=properties,
                 individuals=individuals, tree=tree, prefixes=PREFIXES, title="Ontology")


def _ontology_format(suffix: str | None) -> formats.Format:
    """As any IRI's, except that a client sending no Accept at all (OWL tools that load an import by
    plain GET, owlready2 among them) gets the ontology as RDF/XML rather than its documentation."""
    if suffix is None and "Accept" not in request.headers and "format" not in request.args:
        return formats.TRIPLES[2]
    return _format(suffix)


def _properties() -> list[dict]:
    found: dict[str, dict] = {}
    for row in read.select("properties"):
        p = found.setdefault(row["property"].value, {"iri": row["property"].value, "label": row["label"].value,
                                                     "kind": curie(row["kind"].value).split(":")[1],
                                                     "definition": row["definition"].value if "definition" in row else "",
                                                     "domain": set(), "range": set(), "inverse": set(), "parent": set(),
                                                     "characteristics": set()})
        for key, var in (("domain", "domain"), ("range", "range"), ("inverse", "inverse"), ("parent", "parent"),
                         ("characteristics", "characteristic")):
            if var in row:
                p[key].add(row[var].value)
    return sorted(found.values(), key=lambda p: (p["kind"], p["label"].lower()))


def _thing(iri: str, suffix: str | None):
    fmt, site = _format(suffix), sites.current()
    svc = read.service()
    description = describing.describe(iri, site, svc.store.inferred_by, _page())
    contents = _facts(iri) if iri.startswith(str(urls.PUBLIC_BASE) + "graph/") else []
    if not description.mentioned and not contents:
        raise NotFound(iri, site.nearest(iri), site)
    if fmt is not formats.HTML:
        quads = describing.quads(iri)
        return _rdf(quads if fmt in formats.DATASETS else describing.sourced_triples(quads, site), fmt)
    entry = site.names.get(iri)
    context = {"site": site, "d": description, "entry": entry, "title": entry.label if entry else curie(iri),
               "contents": contents}
    if iri in site.classes:
        context["breadcrumbs"] = site.ancestry(iri)
    else:
        context["type_trails"] = [site.ancestry(t) for t in description.types() if t in site.classes]
    if iri in site.documents:
        context["document"] = site.documents[iri]
    elif (found := site.section(iri)) is not None:
        context["document"], context["section"] = found
        context["facts"] = {g: _facts(g) for g in found[1].graphs}
    context["claims"] = _claims(iri)  # not among its links: statements-in.rq leaves claims to this
    context["diagram"] = diagrams.neighbourhood(
        context["title"], [(s.value.shown, g.heading if g.direction == "in" else g.label, urls.href(s.value.iri))
                           for g in description.groups if g.property != ABOUT for s in g.statements if s.value.iri][:12])
    context["query_this"] = f"DESCRIBE <{iri}>"
    return _html("pages/resource.html", iri, **context)


def _page() -> int:
    """Which page of the links into a resource (?page=N), or a 400 naming what it takes."""
    given = request.args.get("page", "1")
    page = canned.whole_number(given)
    if page is None or not 1 <= page <= MAX_PAGE:
        raise ApiError(f"page must be a whole number from 1 to {MAX_PAGE}")
    return page


def _facts(graph: str) -> list[dict]:
    """What one named graph holds, by subject, property and value, in one order whichever store answered."""
    def shown(row, name):
        label = row.get(name + "Label")
        return (label.value if label else row[name].value).lower()
    return sorted(read.select("graph-contents", graph=graph),
                  key=lambda r: (shown(r, "subject"), r["subject"].value, shown(r, "property"), r["value"].value))


def _claims(iri: str) -> dict:
    """Its claims by dimension (claims.rq: compare.rq's columns, for one technology)."""
    return _by_dimension(read.select("claims", plain=True, technology=iri))


def _by_dimension(rows: list[dict[str, str]]) -> dict:
    """Claims grouped by dimension, each dimension summarised (agreement or the sides of a dispute) and
    charted; every claim marked with its side."""
    site = sites.current()
    dimensions = {}
    for dim in agreement.group(rows):
        claims = [{
            "technology": row["technologyLabel"], "technology_iri": row["technology"], "value": row["value"],
            "rating": row.get("rating"), "verdict": row["verdict"], "min": row.get("min"), "max": row.get("max"),
            "unit": row.get("unit"), "condition": row.get("condition"), "document": row["document"],
            "badge": site.section_badge(row["source"]), "side": agreement.side_of(dim, row["claim"]),
            "numbers": _numbers(row.get("min"), row.get("max"), row.get("unit")),
            "disputed": bool(row["rivals"])} for row in dim.rows]
        # One order whichever store answered (engines collate ties and mixed terms differently).
        claims.sort(key=lambda c: (c["technology"].lower(), c["side"], c["document"], c["value"].lower(), c["badge"].text))
        dimensions[dim.iri] = {"iri": dim.iri, "label": dim.label, "summary": dim.summary(), "disputed": dim.disputed,
                               "standings": dim.standings, "claims": claims,
                               "chart": diagrams.claim_chart(dim.label, claims)}
    return dimensions


def _numbers(low: str | None, high: str | None, unit: str | None) -> str:
    """The numbers a claim prints, as a reader says them: "1.5–2 times", "30 percent", or an open
    interval ("≥ 100 times" where the source gives only a floor)."""
    if low is None and high is None:
        return ""
    if low is None or high is None:
        amount = f"≥ {low}" if high is None else f"≤ {high}"
    else:
        amount = low if low == high else f"{low}–{high}"
    return f"{amount} {unit or ''}".strip()


def _api_forms(name: str, **params) -> list[tuple[formats.Format, str]]:
    """The canned query a page is built on, as the API serves it: JSON rows and CSV."""
    return [(f, url_for("api.run", name=name + suffix, **params)) for f, suffix in
            ((formats.PAGES[0], ""), (formats.PAGES[1], ".csv"))]


# --- home, sources, search ----------------------------------------------------------------------------

@blueprint.route("/")
def home():
    site, svc = sites.current(), read.service()
    report = svc.store.report
    return _html("pages/home.html", None, site=site, report=report, title="virtkg")


@blueprint.route("/source")
def sources():
    return _html("pages/sources.html", None, site=sites.current(), title="Sources")


@blueprint.route("/search.json", endpoint="search_json")
@blueprint.route("/search")
def search():
    text = request.args.get("q", "")
    as_json = request.endpoint == "pages.search_json" or not wants_html()
    limit = canned.whole_number(request.args.get("limit", "20")) or 0
    if not 1 <= limit <= 100:
        raise ApiError("limit must be a whole number from 1 to 100")
    if len(text) > searching.MAX_QUERY:
        raise ApiError(f"q must be at most {searching.MAX_QUERY} characters")
    site = sites.current()
    hits = searching.search(site, text, limit)
    if as_json:
        if not text.strip():
            raise ApiError("give the words to look for in q")
        return cacheable(jsonify(query=text, results=[h.as_dict(urls.href(h.name.iri)) for h in hits]), "search-json")
    best = searching.exact(hits)
    if best is not None and request.args.get("list") is None:
        return redirect(urls.href(best.name.iri), 303)
    machine = [(formats.PAGES[0], url_for("pages.search_json", q=text))] if text else []
    return _html("pages/search.html", None, machine, site=site, hits=hits, q=text, title=f"Search: {text}" if text else "Search")


# --- compare and advise -----------------------------------------------------------------------------

@blueprint.route("/compare")
def compare():
    svc, site = read.service(), sites.current()
    query = svc.queries["compare"]
    chosen = {k: request.args.getlist(k) for k in ("a", "b") if request.args.get(k)}
    bound = canned.bind(query, chosen, svc.lookup)
    rows = read.rows(bound.text, bound.substitutions, "page:compare", plain=True)
    a, b = (bound.substitutions[k].value for k in ("a", "b"))
    dimensions = _by_dimension(rows)
    technologies = svc.lookup.members("resource", TECHNOLOGY)
    return _html("pages/compare.html", None, _api_forms("compare", a=curie(a), b=curie(b)), site=site, a=a, b=b, dimensions=dimensions, technologies=technologies,
                 title=f"{site.label(a)} vs {site.label(b)}")


@blueprint.route("/advise")
def advise():
    svc, site = read.service(), sites.current()
    needs = request.args.getlist("need")
    factors = svc.lookup.members("resource", DECISION_FACTOR)
    ranking, chosen = [], []
    if needs:
        bound = canned.bind(svc.queries["advise"], {"need": needs}, svc.lookup)
        ranking = advice.rank(read.rows(bound.text, bound.substitutions, "page:advise", plain=True))
        chosen = bound.values.get("need", [])
    chosen_iris = {m.iri for m in factors if curie(m.iri) in chosen}
    return _html("pages/advise.html", None, _api_forms("advise", need=chosen) if chosen else [], site=site, factors=factors, chosen=chosen_iris, ranking=ranking,
                 title="Advisor")
