"""The result formats the service speaks, and the choice among them by `format=` or by Accept
(q-values honoured, through werkzeug's Accept parsing)."""

from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from api.errors import ApiError
from kg.namespaces import PREFIXES


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    results: ox.QueryResultsFormat | None = None   # for SELECT and ASK
    rdf: ox.RdfFormat | None = None                 # for CONSTRUCT and DESCRIBE
    aliases: tuple[str, ...] = ()
    suffix: str | None = None                       # for a page's machine form: /resource/kvm.ttl
    prefixes: dict = field(default_factory=lambda: PREFIXES, compare=False, hash=False)

    @cached_property  # asked for on every answer
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type.endswith(("json", "xml"))
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


SOLUTIONS = (
    Format("json", "application/sparql-results+json", results=ox.QueryResultsFormat.JSON, aliases=("application/json",)),
    Format("xml", "application/sparql-results+xml", results=ox.QueryResultsFormat.XML, aliases=("application/xml", "text/xml")),
    Format("csv", "text/csv", results=ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", results=ox.QueryResultsFormat.TSV),
)
TRIPLES = (
    Format("turtle", "text/turtle", rdf=ox.RdfFormat.TURTLE, aliases=("ttl", "application/x-turtle"), suffix="ttl"),
    Format("ntriples", "application/n-triples", rdf=ox.RdfFormat.N_TRIPLES, aliases=("nt", "text/plain"), suffix="nt"),
    Format("rdfxml", "application/rdf+xml", rdf=ox.RdfFormat.RDF_XML, aliases=("xml", "application/xml", "text/xml"),
           suffix="rdf"),
    Format("jsonld", "application/ld+json", rdf=ox.RdfFormat.JSON_LD, aliases=("json", "application/json"),
           suffix="jsonld"),
)
# Graph-aware forms: each statement inside the named graph of the section that states it.
DATASETS = (
    Format("trig", "application/trig", rdf=ox.RdfFormat.TRIG, suffix="trig"),
    Format("nquads", "application/n-quads", rdf=ox.RdfFormat.N_QUADS, suffix="nq"),
)
HTML = Format("html", "text/html", suffix="html")

# What a page of the graph (/resource/kvm, /ontology, /source/002) answers in: HTML for browsers first,
# then every RDF form, chosen by Accept or by the suffix of its URL.
DOCUMENTS = (HTML, *TRIPLES, *DATASETS)
BY_SUFFIX = {f.suffix: f for f in DOCUMENTS}


# What /api/<query> answers in: a page of rows as plain JSON (the default), CSV, the SPARQL result
# formats, or an HTML table for browsers. "page" and "html" are made from the engine's SPARQL JSON.
PAGES = (
    Format("page", "application/json"),
    Format("csv", "text/csv", results=ox.QueryResultsFormat.CSV),
    Format("json", "application/sparql-results+json", results=ox.QueryResultsFormat.JSON),
    Format("xml", "application/sparql-results+xml", results=ox.QueryResultsFormat.XML),
    HTML,
)

BY_NAME = {f.name: f for f in SOLUTIONS} | {f"triples:{f.name}": f for f in TRIPLES}


def by_name(name: str) -> Format:
    """The format a job names; jobs carry names because engine format objects do not pickle."""
    return BY_NAME[name]


def job_name(fmt: Format) -> str:
    return fmt.name if fmt.results is not None else f"triples:{fmt.name}"


class UnknownFormat(ApiError):
    """`format=` names nothing we offer here (400, naming what we do)."""

    def __init__(self, requested: str, offered: tuple[Format, ...]):
        super().__init__(f"format={requested} is not one of: {', '.join(f.name for f in offered)}")


class NotAcceptable(ApiError):
    """Nothing the client accepts is something we can produce (406, naming what we can)."""

    def __init__(self, offered: tuple[Format, ...]):
        super().__init__("no acceptable format; this answer is available as: "
                         + ", ".join(f.media_type for f in offered), 406)


@lru_cache(maxsize=1024)
def choose(offered: tuple[Format, ...], accept_header: str | None, requested: str | None) -> Format:
    """`format=` (a short name or media type) wins over Accept; no preference means the first offer.
    Clients send few distinct Accept headers, so the choice is remembered rather than parsed again."""
    accept = parse_accept_header(accept_header, MIMEAccept)
    if requested:
        for f in offered:
            if requested in (f.name, f.media_type, *f.aliases):
                return f
        raise UnknownFormat(requested, offered)
    if not accept:
        return offered[0]
    names = {}
    for f in offered:
        for media_type in (f.media_type, *(a for a in f.aliases if "/" in a)):
            names.setdefault(media_type, f)
    best = accept.best_match(list(names), default=None)
    if best is None:
        raise NotAcceptable(offered)
    return names[best]
