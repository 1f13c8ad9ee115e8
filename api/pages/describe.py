"""A resource as a page shows it: its statements grouped by property, each with the badges of the
graphs that state it and a mark on what reasoning added; and as its machine forms show it: the
concise bounded description with the sources of each statement, serialised by the engine.

What a page shows, and in what order, is data here (HEADER, ORDER), not logic in the templates."""

from dataclasses import dataclass, field

import pyoxigraph as ox
from markupsafe import escape

from api import urls
from api.pages import read
from api.pages.site import Badge, Site
from kg.namespaces import INFERRED_GRAPH, PREFIXES, curie

RDF, RDFS, SKOS, OWL, DCT, PROV = (PREFIXES[p] for p in ("rdf", "rdfs", "skos", "owl", "dcterms", "prov"))
TYPE = RDF + "type"
SUBCLASS = RDFS + "subClassOf"
# Shown in the page's header, not again among its statements.
HEADER = {RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition"}
# Matches in other vocabularies (ontology/mappings.sssom.tsv), shown as links under the definition.
MATCHES = [SKOS + m for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")]
# Groups first in this order, then the rest by label.
ORDER = [TYPE, SUBCLASS, RDFS + "subPropertyOf", RDFS + "domain", RDFS + "range", OWL + "inverseOf"]
# Names for the standard vocabulary's properties, which the graph does not label.
STANDARD_LABELS = {TYPE: "type", SUBCLASS: "subclass of", RDFS + "subPropertyOf": "sub-property of",
                   **{m: m[len(SKOS):].replace("Match", " match") for m in MATCHES},
                   RDFS + "domain": "domain", RDFS + "range": "range", RDFS + "seeAlso": "see also",
                   OWL + "inverseOf": "inverse of", OWL + "versionIRI": "version IRI", OWL + "versionInfo": "version",
                   OWL + "imports": "imports", DCT + "isPartOf": "part of", DCT + "source": "source",
                   PROV + "wasDerivedFrom": "derived from"}
OUT_MAX, IN_PAGE = 5000, 250  # statements a page shows; links into it per page
INCOMING_NAMES = {TYPE: "Instances", SUBCLASS: "Subclasses", RDFS + "subPropertyOf": "Sub-properties"}


@dataclass
class Value:
    text: str
    iri: str | None = None
    label: str | None = None
    datatype: str | None = None
    lang: str | None = None

    @property
    def shown(self) -> str:
        return self.label or (curie(self.iri) if self.iri else self.text)

    def __html__(self) -> str:
        """A link to its page, or the literal with its language or datatype (a page shows thousands:
        cheaper than a template macro each, as Badge)."""
        if self.iri:
            return f'<a href="{escape(urls.href(self.iri))}">{escape(self.shown)}</a>'
        if self.lang:
            return f'{escape(self.text)}<small class="muted"> @{escape(self.lang)}</small>'
        if self.datatype and not self.datatype.endswith("#string"):
            return f'{escape(self.text)}<small class="muted"> ({escape(curie(self.datatype))})</small>'
        return str(escape(self.text))


@dataclass
class Statement:
    value: Value
    badges: list[Badge] = field(default_factory=list)
    inferred_by: str | None = None


@dataclass
class Group:
    property: str
    label: str
    direction: str           # "out" or "in"
    statements: list[Statement] = field(default_factory=list)

    @property
    def heading(self) -> str:
        if self.direction == "out":
            return self.label
        return INCOMING_NAMES.get(self.property, f"is “{self.label}” of")


@dataclass
class Description:
    iri: str
    groups: list[Group]
    truncated: bool
    definition_badges: list[Badge] = field(default_factory=list)
    page: int = 1            # which page of the links into it this is
    more: bool = False       # whether there are links into it beyond this page
    links: int = 0           # how many links into it this page read

    @property
    def first_link(self) -> int:
        return (self.page - 1) * IN_PAGE + 1

    def out(self) -> list[Group]:
        return [g for g in self.groups if g.direction == "out"]

    def incoming(self) -> list[Group]:
        return [g for g in self.groups if g.direction == "in"]

    def values(self, prop: str, direction: str = "out") -> list[Value]:
        return [s.value for g in self.groups if g.property == prop and g.direction == direction for s in g.statements]

    def matches(self) -> list[Group]:
        return [g for g in self.groups if g.property in MATCHES and g.direction == "out"]

    def types(self) -> list[str]:
        """Direct types: stated ones, not those reasoning added."""
        return [s.value.iri for g in self.groups if g.property == TYPE and g.direction == "out"
                for s in g.statements if s.value.iri and s.inferred_by is None]

    @property
    def mentioned(self) -> bool:
        return bool(self.groups) or bool(self.definition_badges)


def _rank(group: Group) -> tuple:
    return (group.direction != "out", ORDER.index(group.property) if group.property in ORDER else len(ORDER),
            group.label.lower(), group.property)


def describe(iri: str, site: Site, inferred_by: dict, page: int = 1) -> Description:
    """Its statements, and page `page` of the links into it (a class of a large inventory has more
    instances than a page can show: they come IN_PAGE at a time, so the page costs the same at any size)."""
    out = read.select("statements-out", limit=OUT_MAX, this=iri)
    incoming = read.select("statements-in", limit=IN_PAGE + 1, offset=(page - 1) * IN_PAGE, this=iri)
    groups: dict[tuple[str, str], Group] = {}
    statements: dict[tuple[str, str, str, str], Statement] = {}
    definition_badges: list[Badge] = []
    for direction, rows in (("out", out), ("in", incoming[:IN_PAGE])):
        for row in rows:
            prop, value, graph = row["property"], row["value"], row["graph"].value
            if direction == "in" and value.kind == "bnode":
                continue  # a list cell or restriction pointing here: structure, not a statement to read
            if direction == "out" and prop.value in HEADER:
                if prop.value == SKOS + "definition":
                    definition_badges.append(site.badge(graph))
                continue
            group = groups.setdefault((direction, prop.value), Group(
                prop.value, row["propertyLabel"].value if "propertyLabel" in row
                else STANDARD_LABELS.get(prop.value, curie(prop.value)), direction))
            key = (direction, prop.value, value.kind, value.value + (value.datatype or "") + (value.lang or ""))
            statement = statements.get(key)
            if statement is None:
                statement = statements[key] = Statement(Value(
                    value.value, value.value if value.is_iri else None,
                    row["valueLabel"].value if "valueLabel" in row else None, value.datatype, value.lang))
                group.statements.append(statement)
            if graph == str(INFERRED_GRAPH):
                triple = (iri, prop.value, value.value) if direction == "out" else (value.value, prop.value, iri)
                statement.inferred_by = inferred_by.get(triple, "reasoning")
            else:
                statement.badges.append(site.badge(graph))
    for group in groups.values():
        group.statements.sort(key=lambda s: (s.inferred_by is not None, s.value.shown.lower()))
        for statement in group.statements:
            statement.badges.sort(key=lambda b: (b.kind != "source", b.text))
    return Description(iri, sorted(groups.values(), key=_rank), len(out) >= OUT_MAX, definition_badges,
                       page, len(incoming) > IN_PAGE, len(incoming[:IN_PAGE]))


def quads(iri: str) -> list[ox.Quad]:
    """The CBD of `iri` with the graph of each statement, for the dataset forms (TriG, N-Quads)."""
    return [ox.Quad(r["s"].engine_term(), r["p"].engine_term(), r["o"].engine_term(), ox.NamedNode(r["graph"].value))
            for r in read.select("cbd", this=iri)]


def graph_quads(graph: str) -> list[ox.Quad]:
    """Everything one named graph holds (the ontology's, for OWL tools)."""
    return [ox.Quad(r["s"].engine_term(), r["p"].engine_term(), r["o"].engine_term(), ox.NamedNode(graph))
            for r in read.select("graph-quads", graph=graph)]


def sourced_triples(quads_: list[ox.Quad], site: Site) -> list[ox.Triple]:
    """The same CBD for the triple forms (Turtle, RDF/XML, JSON-LD, N-Triples): each statement once,
    and, as standard RDF reification, the section (or our graph) each one comes from, by dcterms:source
    as the claims of the graph cite theirs."""
    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads_))
    index = {t: i for i, t in enumerate(triples)}
    out = list(triples)
    a, subject, predicate, obj = (ox.NamedNode(RDF + x) for x in ("type", "subject", "predicate", "object"))
    statement_class, source = ox.NamedNode(RDF + "Statement"), ox.NamedNode(DCT + "source")
    reified = set()
    for q in quads_:
        node = ox.BlankNode(f"s{index[ox.Triple(q.subject, q.predicate, q.object)]}")
        if node not in reified:
            reified.add(node)
            out += [ox.Triple(node, a, statement_class), ox.Triple(node, subject, q.subject),
                    ox.Triple(node, predicate, q.predicate), ox.Triple(node, obj, q.object)]
        badge = site.badge(q.graph_name.value)
        out.append(ox.Triple(node, source, ox.NamedNode(badge.url_iri)))
    return list(dict.fromkeys(out))
