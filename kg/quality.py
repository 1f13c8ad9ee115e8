"""Ontology quality gates, offline: the OOPS! pitfalls that can be checked mechanically and the FOOPS!
metadata checks on the ontology header. Each check reads the T-box alone with the rdflib graph API, so
the gates need no network and no reasoner; any finding fails a build."""

import re
from collections import defaultdict
from dataclasses import dataclass

from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

VANN = Namespace("http://purl.org/vocab/vann/")
CC_LICENSE = URIRef("http://creativecommons.org/ns#license")
RESERVED = (str(RDF), str(RDFS), str(OWL), str(XSD))  # OWL 2's built-in vocabulary, never declared by an ontology
DATA_AND_OBJECT = (OWL.ObjectProperty, OWL.DatatypeProperty)
PROPERTY_KINDS = (*DATA_AND_OBJECT, OWL.AnnotationProperty)
TERM_KINDS = (OWL.Class, *PROPERTY_KINDS)
FILE_EXTENSION = re.compile(r"\.(owl|rdf|ttl|n3|nt|xml|jsonld|trig)(#|/|$)", re.IGNORECASE)
UPPER_CAMEL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
LOWER_CAMEL = re.compile(r"^[a-z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class Finding:
    code: str      # e.g. "P04", "P11", "FOOPS-license"
    subject: str   # the IRI (or "" for ontology-wide)
    message: str   # one readable line, in plain English


CHECKS: list[tuple[str, str, str]] = []  # (code, title, description), in report order
_RUNNERS = {}


def _check(code: str, title: str, description: str):
    """Register a check where it is defined, so its code, report text and logic live in one place."""
    def register(run):
        CHECKS.append((code, title, description))
        _RUNNERS[code] = run
        return run
    return register


def check_ontology(graph: Graph) -> list[Finding]:
    """Every finding of every check on the T-box `graph`, in report order and stable between runs."""
    return [Finding(code, str(subject), message)
            for code, _title, _description in CHECKS
            for subject, message in sorted((str(s), m) for s, m in _RUNNERS[code](graph))]


def render_report(findings: list[Finding]) -> str:
    """A section per check, passed ones included, so a reader sees what was checked and not only what failed."""
    by_code = defaultdict(list)
    for finding in findings:
        by_code[finding.code].append(finding)
    lines = ["Ontology quality report: OOPS! pitfalls and FOOPS! metadata checks, run offline", ""]
    for code, title, description in CHECKS:
        found = by_code[code]
        lines.append(f"{code}  {title}: {_count(len(found), 'finding') if found else 'ok'}")
        lines.append(f"    looks for {description}")
        lines.extend(f"    - {f.subject or '(ontology)'}: {f.message}" for f in found)
    failed = sum(1 for code, _, _ in CHECKS if by_code[code])
    lines += ["", f"Total: {len(CHECKS)} checks, {len(CHECKS) - failed} ok, {_count(len(findings), 'finding')}"]
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- what the checks share ---------------------------------------------------------------------------

def _ontology(g: Graph):
    return next(iter(sorted(g.subjects(RDF.type, OWL.Ontology))), None)


def _declared_namespace(g: Graph) -> str | None:
    onto = _ontology(g)
    declared = g.value(onto, VANN.preferredNamespaceUri) if onto is not None else None
    return str(declared) if declared else None


def _own_terms(g: Graph, kinds) -> set[URIRef]:
    """The terms this ontology coins: declared with one of `kinds` in its namespace (the declared one, else the
    ontology IRI's), so reused terms declared only for OWL 2 DL (dcterms:title…) are not judged as ours."""
    onto = _ontology(g)
    ns = _declared_namespace(g) or (str(onto) if isinstance(onto, URIRef) else "")
    return {t for kind in kinds for t in g.subjects(RDF.type, kind)
            if isinstance(t, URIRef) and str(t).startswith(ns) and not _reserved(t)}


def _reserved(iri) -> bool:
    return str(iri).startswith(RESERVED)


def _declared(g: Graph, iri, kinds) -> bool:
    return any((iri, RDF.type, kind) in g for kind in kinds)


def _local(iri: URIRef) -> str:
    return re.split(r"[/#]", str(iri))[-1]


def _reachable(start, step) -> set:
    """`start` and every node `step` leads to from it, however many steps away."""
    seen, todo = {start}, [start]
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _mentioned(g: Graph, expression: BNode) -> set:
    """Every named term an anonymous class expression refers to, through nested expressions and lists."""
    parts = _reachable(expression, lambda node: (o for o in g.objects(node, None) if isinstance(o, BNode)))
    return {o for part in parts for o in g.objects(part, None) if not isinstance(o, BNode)}


# --- OOPS! pitfalls ----------------------------------------------------------------------------------

CONNECTING = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
              OWL.equivalentProperty, OWL.disjointWith, OWL.propertyDisjointWith, OWL.disjointUnionOf,
              OWL.inverseOf, OWL.complementOf, OWL.onProperty, OWL.onClass, OWL.someValuesFrom,
              OWL.allValuesFrom, OWL.propertyChainAxiom, OWL.hasKey, RDF.first}


@_check("P04", "Unconnected ontology elements",
        "a class or property that no axiom ties to any other element (no super- or subclass, domain, range, "
        "disjointness, restriction or list membership)")
def p04_unconnected(g: Graph):
    for term in _own_terms(g, TERM_KINDS):
        if not any(p in CONNECTING for p in (*g.predicates(term, None), *g.predicates(None, term))):
            yield term, "is not connected to any other class or property"


@_check("P06", "Cycles in the class hierarchy",
        "a named class that is its own superclass through rdfs:subClassOf, also across owl:equivalentClass steps")
def p06_cycles(g: Graph):
    def up(cls):
        return (c for c in (*g.objects(cls, RDFS.subClassOf), *g.objects(cls, OWL.equivalentClass),
                            *g.subjects(OWL.equivalentClass, cls)) if isinstance(c, URIRef))
    for sub, sup in g.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef) and sub in _reachable(sup, up):
            yield sub, f"is its own superclass: its superclass {sup} leads back to it"


@_check("P08", "Missing annotations", "a class or property without an rdfs:label or without a definition "
        "(skos:definition or rdfs:comment)")
def p08_annotations(g: Graph):
    for term in _own_terms(g, TERM_KINDS):
        if g.value(term, RDFS.label) is None:
            yield term, "has no rdfs:label"
        if g.value(term, SKOS.definition) is None and g.value(term, RDFS.comment) is None:
            yield term, "has no definition (skos:definition or rdfs:comment)"


@_check("P11", "Missing domain or range", "an object or datatype property without rdfs:domain or rdfs:range")
def p11_domain_range(g: Graph):
    for prop in _own_terms(g, DATA_AND_OBJECT):
        for p, name in ((RDFS.domain, "domain"), (RDFS.range, "range")):
            if g.value(prop, p) is None:
                yield prop, f"has no rdfs:{name}"


def _stem(name: str) -> str:
    """The shared root of names that read as inverses: isolatedBy/isolates, hasPart/partOf, contains/containedIn."""
    name = re.sub(r"^(is|has)(?=[A-Z])", "", name)
    name = re.sub(r"(By|Of|In|On|To)$", "", name)
    return re.sub(r"(ed|es|s|e)$", "", name.lower())


@_check("P13", "Inverse relationships not declared",
        "two object properties with swapped domain and range and names from one stem (isolates / isolatedBy) "
        "but no owl:inverseOf between them")
def p13_inverses(g: Graph):
    props = sorted(_own_terms(g, (OWL.ObjectProperty,)))
    for i, p in enumerate(props):
        for q in props[i + 1:]:
            ends = g.value(p, RDFS.domain), g.value(p, RDFS.range)
            swapped = None not in ends and ends == (g.value(q, RDFS.range), g.value(q, RDFS.domain))
            declared = (p, OWL.inverseOf, q) in g or (q, OWL.inverseOf, p) in g
            if swapped and not declared and _stem(_local(p)) == _stem(_local(q)):
                yield p, f"reads as the inverse of {q} but no owl:inverseOf says so"


@_check("P19", "Multiple domains or ranges", "a property with more than one rdfs:domain or rdfs:range "
        "(their intersection applies, rarely what was meant)")
def p19_multiple(g: Graph):
    for prop in _own_terms(g, PROPERTY_KINDS):
        for p, name in ((RDFS.domain, "domains"), (RDFS.range, "ranges")):
            if len(set(g.objects(prop, p))) > 1:
                yield prop, f"has several {name}, so their intersection applies"


@_check("P22", "Mixed naming conventions",
        "a class name not in UpperCamelCase or a property name not in lowerCamelCase")
def p22_naming(g: Graph):
    for cls in _own_terms(g, (OWL.Class,)):
        if not UPPER_CAMEL.match(_local(cls)):
            yield cls, "has a class name that is not UpperCamelCase"
    for prop in _own_terms(g, PROPERTY_KINDS):
        if not LOWER_CAMEL.match(_local(prop)):
            yield prop, "has a property name that is not lowerCamelCase"


@_check("P24", "Recursive definitions", "a class used inside its own owl:equivalentClass or rdfs:subClassOf "
        "expression, or a property inside its own domain or range expression")
def p24_recursive(g: Graph):
    axioms = [(cls, (OWL.equivalentClass, RDFS.subClassOf)) for cls in _own_terms(g, (OWL.Class,))]
    axioms += [(prop, (RDFS.domain, RDFS.range)) for prop in _own_terms(g, DATA_AND_OBJECT)]
    for term, predicates in axioms:
        for p in predicates:
            if any(isinstance(e, BNode) and term in _mentioned(g, e) for e in g.objects(term, p)):
                yield term, f"is used in its own {_local(p)} expression"


@_check("P25", "Relationship inverse to itself", "an object property declared the owl:inverseOf itself")
def p25_self_inverse(g: Graph):
    for prop in _own_terms(g, (OWL.ObjectProperty,)):
        if (prop, OWL.inverseOf, prop) in g:
            yield prop, "is declared the inverse of itself (declare it owl:SymmetricProperty instead)"


@_check("P26", "Inverse of a symmetric property", "owl:inverseOf on a property declared owl:SymmetricProperty "
        "(a symmetric property is its own inverse)")
def p26_symmetric_inverse(g: Graph):
    for prop in _own_terms(g, (OWL.ObjectProperty,)):
        inverses = {*g.objects(prop, OWL.inverseOf), *g.subjects(OWL.inverseOf, prop)} - {prop}
        if (prop, RDF.type, OWL.SymmetricProperty) in g and inverses:
            yield prop, f"is symmetric and also has the declared inverse {min(inverses)}"


@_check("P32", "Several classes with the same label", "two classes sharing one rdfs:label (ignoring case)")
def p32_same_label(g: Graph):
    by_label = defaultdict(set)
    for cls in _own_terms(g, (OWL.Class,)):
        for label in g.objects(cls, RDFS.label):
            by_label[(str(label).strip().lower(), getattr(label, "language", None))].add(cls)
    for (label, _language), classes in by_label.items():
        first, *others = sorted(classes)
        for cls in others:
            yield cls, f"shares the label {label!r} with {first}"


def _used_as_class(g: Graph) -> set:
    used = set(g.objects(None, RDF.type)) | set(g.objects(None, RDFS.domain))
    for p in (RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith):
        used |= set(g.subjects(p, None)) | set(g.objects(None, p))
    used |= {c for prop in g.subjects(RDF.type, OWL.ObjectProperty) for c in g.objects(prop, RDFS.range)}
    used |= {c for axiom in g.subjects(RDF.type, OWL.AllDisjointClasses)
             for members in g.objects(axiom, OWL.members) for c in Collection(g, members)}
    return {c for c in used if isinstance(c, URIRef) and not _reserved(c)}


@_check("P34", "Untyped class", "an IRI used as a class (a type, a super- or subclass, a domain, an object "
        "property's range, a disjoint class) but not declared owl:Class")
def p34_untyped_class(g: Graph):
    for iri in _used_as_class(g):
        if not _declared(g, iri, (OWL.Class,)):
            yield iri, "is used as a class but not declared owl:Class"


def _used_as_property(g: Graph) -> set:
    used = set(g.objects(None, OWL.onProperty))
    for p in (RDFS.subPropertyOf, OWL.equivalentProperty, OWL.propertyDisjointWith, OWL.inverseOf):
        used |= set(g.subjects(p, None)) | set(g.objects(None, p))
    return {p for p in used if isinstance(p, URIRef) and not _reserved(p)}


@_check("P35", "Untyped property", "an IRI used as a property in an axiom (a restriction, a sub- or equivalent "
        "property, an inverse) but not declared an object, datatype or annotation property")
def p35_untyped_property(g: Graph):
    for iri in _used_as_property(g):
        if not _declared(g, iri, PROPERTY_KINDS):
            yield iri, "is used as a property but not declared as one"


@_check("P36", "File extension in IRIs", "an ontology, version or term IRI with .owl, .rdf, .ttl, .n3, .xml, "
        ".jsonld or a like extension")
def p36_file_extension(g: Graph):
    onto = _ontology(g)
    iris = {onto, g.value(onto, OWL.versionIRI) if onto is not None else None, *_own_terms(g, TERM_KINDS)}
    for iri in iris - {None}:
        if FILE_EXTENSION.search(str(iri)):
            yield iri, "has a file extension in its IRI, tying it to one serialisation"


@_check("P38", "No ontology declaration", "a T-box without an owl:Ontology")
def p38_no_ontology(g: Graph):
    if _ontology(g) is None:
        yield "", "there is no owl:Ontology declaration"


@_check("P39", "Ambiguous namespace", "an ontology without an IRI or a vann:preferredNamespaceUri, a namespace "
        "other than the ontology IRI followed by / or #, or terms defined here outside that namespace")
def p39_namespace(g: Graph):
    onto, ns = _ontology(g), _declared_namespace(g)
    if not isinstance(onto, URIRef):
        yield "", "the ontology has no IRI, so its namespace would fall back to wherever the file is read from"
    elif ns is None:
        yield onto, "the ontology declares no namespace (vann:preferredNamespaceUri)"
    elif ns not in (f"{onto}/", f"{onto}#"):
        yield onto, f"the declared namespace {ns} is not the ontology IRI followed by / or #"
    if ns is not None:
        yield from _defined_outside(g, ns)


def _defined_outside(g: Graph, ns: str):
    """Terms annotated here are coined here; reused terms are declared bare, for OWL 2 DL, and may live anywhere."""
    for kind in TERM_KINDS:
        for term in g.subjects(RDF.type, kind):
            coined = any(g.value(term, p) is not None for p in (RDFS.label, SKOS.definition, RDFS.comment))
            if isinstance(term, URIRef) and coined and not str(term).startswith(ns):
                yield term, f"is defined here but lies outside the namespace {ns}"


@_check("P41", "No license", "an ontology without dcterms:license or cc:license")
def p41_license(g: Graph):
    onto = _ontology(g)
    if onto is not None and g.value(onto, DCTERMS.license) is None and g.value(onto, CC_LICENSE) is None:
        yield onto, "states no license"


# --- FOOPS! metadata on the ontology header ------------------------------------------------------------

FOOPS = {  # code suffix: (what, property, its usual name)
    "title": ("title", DCTERMS.title, "dcterms:title"),
    "description": ("description", DCTERMS.description, "dcterms:description"),
    "license": ("license", DCTERMS.license, "dcterms:license"),
    "creator": ("creator", DCTERMS.creator, "dcterms:creator"),
    "version-iri": ("version IRI", OWL.versionIRI, "owl:versionIRI"),
    "version-info": ("version info", OWL.versionInfo, "owl:versionInfo"),
    "prefix": ("preferred namespace prefix", VANN.preferredNamespacePrefix, "vann:preferredNamespacePrefix"),
    "namespace": ("preferred namespace", VANN.preferredNamespaceUri, "vann:preferredNamespaceUri"),
}


def _register_foops():
    """One check per header statement, all alike, so they are made from the table above."""
    for name, (what, prop, curie) in FOOPS.items():
        _check(f"FOOPS-{name}", f"Ontology {what}", f"an ontology header without {curie}")(_missing(prop, curie))


def _missing(prop: URIRef, curie: str):
    def run(g: Graph):
        onto = _ontology(g)
        if onto is not None and g.value(onto, prop) is None:
            yield onto, f"the ontology header has no {curie}"
    return run


_register_foops()
