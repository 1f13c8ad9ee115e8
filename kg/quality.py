"""Ontology quality gates, offline: the OOPS! pitfalls that can be checked mechanically and the FOOPS!
metadata checks. Each check looks at the T-box alone and returns findings; any finding fails a build."""

import re
from collections import defaultdict
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

VANN = "http://purl.org/vocab/vann/"
PREFERRED_PREFIX = URIRef(VANN + "preferredNamespacePrefix")
PREFERRED_NAMESPACE = URIRef(VANN + "preferredNamespaceUri")
CC_LICENSE = URIRef("http://creativecommons.org/ns#license")
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty)
KNOWN_NAMESPACES = (str(XSD), str(RDF), str(RDFS), str(OWL), str(SKOS), str(DCTERMS))
FILE_EXTENSION = re.compile(r"\.(owl|rdf|ttl|n3|nt|xml|jsonld|trig)(#|/|$)", re.IGNORECASE)
UPPER_CAMEL = re.compile(r"^[A-Z][A-Za-z0-9]*$")
LOWER_CAMEL = re.compile(r"^[a-z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class Finding:
    code: str
    subject: str
    message: str


CHECKS = [
    ("P04", "Unconnected ontology elements", "a class or property no axiom ties to any other element"),
    ("P06", "Cycles in the class hierarchy", "a class that is, through subClassOf, its own superclass"),
    ("P08", "Missing annotations", "a class or property without a label or a definition"),
    ("P11", "Missing domain or range", "an object or datatype property without rdfs:domain or rdfs:range"),
    ("P13", "Inverse relationships not declared", "two properties that read as each other's inverse, used both ways, with no owl:inverseOf"),
    ("P19", "Multiple domains or ranges", "a property with more than one rdfs:domain or rdfs:range (their intersection applies)"),
    ("P22", "Mixed naming conventions", "class names not UpperCamelCase, property names not lowerCamelCase"),
    ("P24", "Recursive definitions", "a class used inside its own defining class expression"),
    ("P25", "Relationship inverse to itself", "owl:inverseOf from a property to itself"),
    ("P26", "Inverse of a symmetric property", "owl:inverseOf on a property declared symmetric"),
    ("P32", "Several classes with the same label", "two classes sharing one rdfs:label"),
    ("P34", "Untyped class", "an IRI used as a class but not declared owl:Class"),
    ("P35", "Untyped property", "an IRI used as a property in axioms but not declared as one"),
    ("P36", "File extension in IRIs", "an ontology or term IRI ending in .owl, .rdf, .ttl and the like"),
    ("P38", "No ontology declaration", "no owl:Ontology"),
    ("P39", "Ambiguous namespace", "terms outside the namespace the ontology declares, or no declared namespace"),
    ("P41", "No license", "no dcterms:license on the ontology"),
    *((f"FOOPS-{name}", f"Ontology {name}", f"an ontology header without its {name}") for name in
      ("title", "description", "license", "creator", "version-iri", "version-info", "prefix", "namespace")),
]


def _ontology(g: Graph):
    return next(iter(g.subjects(RDF.type, OWL.Ontology)), None)


def _namespace(g: Graph) -> str | None:
    onto = _ontology(g)
    declared = g.value(onto, PREFERRED_NAMESPACE) if onto is not None else None
    return str(declared) if declared else None


def _terms(g: Graph, kinds) -> set[URIRef]:
    ns = _namespace(g)
    found = {s for kind in kinds for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef)}
    return {t for t in found if ns is None or str(t).startswith(ns)}


def _local(iri: URIRef) -> str:
    return re.split(r"[/#]", str(iri))[-1]


def p04_unconnected(g: Graph):
    structural = {RDFS.subClassOf, RDFS.domain, RDFS.range, OWL.disjointWith, OWL.inverseOf, OWL.equivalentClass,
                  RDFS.subPropertyOf, OWL.onProperty, OWL.someValuesFrom, OWL.allValuesFrom, RDF.first}
    for term in _terms(g, (OWL.Class, *PROPERTY_KINDS)):
        linked = any(p in structural for _, p, _ in g.triples((term, None, None))) or \
            any(p in structural for _, p, _ in g.triples((None, None, term)))
        if not linked:
            yield term, "is not connected to any other class or property"


def p06_cycles(g: Graph):
    for cls in _terms(g, (OWL.Class,)):
        parents = set(g.objects(cls, RDFS.subClassOf))
        if any(cls in set(g.transitive_objects(p, RDFS.subClassOf)) for p in parents):
            yield cls, "is its own superclass"


def p08_annotations(g: Graph):
    for term in _terms(g, (OWL.Class, *PROPERTY_KINDS)):
        if g.value(term, RDFS.label) is None:
            yield term, "has no rdfs:label"
        if g.value(term, SKOS.definition) is None and g.value(term, RDFS.comment) is None:
            yield term, "has no definition (skos:definition or rdfs:comment)"


def p11_domain_range(g: Graph):
    for prop in _terms(g, PROPERTY_KINDS):
        for p, name in ((RDFS.domain, "domain"), (RDFS.range, "range")):
            if g.value(prop, p) is None:
                yield prop, f"has no rdfs:{name}"


def _stem(name: str) -> str:
    name = re.sub(r"^(is|has)(?=[A-Z])", "", name)
    name = re.sub(r"(edBy|By|Of|s|ed)$", "", name)
    return name.lower()


def p13_inverses(g: Graph):
    props = sorted(_terms(g, (OWL.ObjectProperty,)))
    for i, p in enumerate(props):
        for q in props[i + 1:]:
            swapped = g.value(p, RDFS.domain) == g.value(q, RDFS.range) and g.value(p, RDFS.range) == g.value(q, RDFS.domain)
            declared = (p, OWL.inverseOf, q) in g or (q, OWL.inverseOf, p) in g
            if swapped and not declared and _stem(_local(p)) == _stem(_local(q)):
                yield p, f"reads as the inverse of {q} but no owl:inverseOf says so"


def p19_multiple(g: Graph):
    for prop in _terms(g, PROPERTY_KINDS):
        for p, name in ((RDFS.domain, "domains"), (RDFS.range, "ranges")):
            if len(set(g.objects(prop, p))) > 1:
                yield prop, f"has several {name}; their intersection applies"


def p22_naming(g: Graph):
    for cls in _terms(g, (OWL.Class,)):
        if not UPPER_CAMEL.match(_local(cls)):
            yield cls, "class name is not UpperCamelCase"
    for prop in _terms(g, PROPERTY_KINDS):
        if not LOWER_CAMEL.match(_local(prop)):
            yield prop, "property name is not lowerCamelCase"


def _expression_mentions(g: Graph, node, target, seen=None) -> bool:
    """Whether an anonymous class expression refers to `target`."""
    seen = seen or set()
    if node in seen:
        return False
    seen.add(node)
    for _, _, o in g.triples((node, None, None)):
        if o == target or (isinstance(o, BNode) and _expression_mentions(g, o, target, seen)):
            return True
    return False


def p24_recursive(g: Graph):
    for cls in _terms(g, (OWL.Class,)):
        for p in (OWL.equivalentClass, RDFS.subClassOf):
            for expression in g.objects(cls, p):
                if isinstance(expression, BNode) and _expression_mentions(g, expression, cls):
                    yield cls, "is used in its own definition"


def p25_self_inverse(g: Graph):
    for prop in _terms(g, (OWL.ObjectProperty,)):
        if (prop, OWL.inverseOf, prop) in g:
            yield prop, "is declared the inverse of itself (declare it symmetric instead)"


def p26_symmetric_inverse(g: Graph):
    for prop in _terms(g, (OWL.ObjectProperty,)):
        if (prop, RDF.type, OWL.SymmetricProperty) in g and \
                (g.value(prop, OWL.inverseOf) is not None or g.value(predicate=OWL.inverseOf, object=prop) is not None):
            yield prop, "is symmetric and also has a declared inverse"


def p32_same_label(g: Graph):
    by_label = defaultdict(list)
    for cls in _terms(g, (OWL.Class,)):
        for label in g.objects(cls, RDFS.label):
            by_label[(str(label).lower(), getattr(label, "language", None))].append(cls)
    for (label, _), classes in by_label.items():
        for cls in sorted(classes)[1:]:
            yield cls, f"shares the label {label!r} with {sorted(classes)[0]}"


def _declared(g: Graph, iri, kinds) -> bool:
    return any((iri, RDF.type, k) in g for k in kinds)


def _external(iri) -> bool:
    return str(iri).startswith(KNOWN_NAMESPACES)


def p34_untyped_class(g: Graph):
    used = set()
    for p in (RDFS.subClassOf, OWL.disjointWith, OWL.equivalentClass):
        used.update(o for o in g.objects(None, p))
        used.update(s for s in g.subjects(p, None))
    used.update(o for o in g.objects(None, RDFS.domain))
    used.update(o for prop in g.subjects(RDF.type, OWL.ObjectProperty) for o in g.objects(prop, RDFS.range))
    for axiom in g.subjects(RDF.type, OWL.AllDisjointClasses):
        used.update(Collection(g, g.value(axiom, OWL.members)))
    for iri in sorted(i for i in used if isinstance(i, URIRef) and not _external(i)):
        if not _declared(g, iri, (OWL.Class,)):
            yield iri, "is used as a class but not declared owl:Class"


def p35_untyped_property(g: Graph):
    used = set(g.objects(None, OWL.onProperty)) | set(g.objects(None, RDFS.subPropertyOf)) | \
        set(g.subjects(RDFS.subPropertyOf, None)) | set(g.objects(None, OWL.inverseOf)) | set(g.subjects(OWL.inverseOf, None))
    kinds = (*PROPERTY_KINDS, OWL.AnnotationProperty)
    for iri in sorted(i for i in used if isinstance(i, URIRef) and not _external(i)):
        if not _declared(g, iri, kinds):
            yield iri, "is used as a property but not declared as one"


def p36_file_extension(g: Graph):
    onto = _ontology(g)
    for iri in sorted({onto, *_terms(g, (OWL.Class, *PROPERTY_KINDS))} - {None}):
        if FILE_EXTENSION.search(str(iri)):
            yield iri, "has a file extension in its IRI"


def p38_no_ontology(g: Graph):
    if _ontology(g) is None:
        yield "", "there is no owl:Ontology declaration"


def p39_namespace(g: Graph):
    onto, ns = _ontology(g), _namespace(g)
    if onto is None or ns is None:
        yield "", "the ontology declares no namespace (vann:preferredNamespaceUri)"
        return
    if not ns.startswith(str(onto)) or ns[len(str(onto)):] not in ("/", "#"):
        yield onto, f"the declared namespace {ns} is not the ontology IRI followed by / or #"
    mine = {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef)} - {onto}
    for term in sorted(t for t in mine if not _external(t) and not str(t).startswith(ns)
                       and (t, RDF.type, OWL.AnnotationProperty) not in g):
        yield term, f"is declared here but lies outside the namespace {ns}"


def p41_license(g: Graph):
    onto = _ontology(g)
    if onto is not None and g.value(onto, DCTERMS.license) is None and g.value(onto, CC_LICENSE) is None:
        yield onto, "states no license"


FOOPS = {"title": DCTERMS.title, "description": DCTERMS.description, "license": DCTERMS.license,
         "creator": DCTERMS.creator, "version-iri": OWL.versionIRI, "version-info": OWL.versionInfo,
         "prefix": PREFERRED_PREFIX, "namespace": PREFERRED_NAMESPACE}


def _foops(name: str):
    def check(g: Graph):
        onto = _ontology(g)
        if onto is not None and g.value(onto, FOOPS[name]) is None:
            yield onto, f"the ontology header has no {FOOPS[name].n3(g.namespace_manager)}"
    return check


RUNNERS = {"P04": p04_unconnected, "P06": p06_cycles, "P08": p08_annotations, "P11": p11_domain_range,
           "P13": p13_inverses, "P19": p19_multiple, "P22": p22_naming, "P24": p24_recursive,
           "P25": p25_self_inverse, "P26": p26_symmetric_inverse, "P32": p32_same_label, "P34": p34_untyped_class,
           "P35": p35_untyped_property, "P36": p36_file_extension, "P38": p38_no_ontology, "P39": p39_namespace,
           "P41": p41_license, **{f"FOOPS-{name}": _foops(name) for name in FOOPS}}


def check_ontology(graph: Graph) -> list[Finding]:
    return [Finding(code, str(subject), message)
            for code, _title, _description in CHECKS for subject, message in RUNNERS[code](graph)]


def render_report(findings: list[Finding]) -> str:
    by_code = defaultdict(list)
    for f in findings:
        by_code[f.code].append(f)
    lines = ["Ontology quality report (OOPS! pitfalls and FOOPS! metadata checks, offline)", ""]
    for code, title, description in CHECKS:
        found = by_code.get(code, [])
        lines.append(f"{code:<19} {title}: {'ok' if not found else f'{len(found)} finding(s)'}")
        lines.append(f"{'':<19} checks for {description}")
        lines.extend(f"{'':<19} - {f.subject or '(ontology)'}: {f.message}" for f in found)
    lines += ["", f"{len(CHECKS)} checks, {len(findings)} findings"]
    return "\n".join(lines)
