"""`virtkg align THEIR_ONTOLOGY`: propose mappings between their classes and ours from labels, alt
labels and definitions (string similarity by rapidfuzz), as SSSOM rows best first; and check a choice
of mappings by merging both ontologies with them and reasoning with HermiT.

Their ontology is SSSOM's subject, ours the object. A proposal scores the closest pair of names (token
order ignored), or, failing that, one of their names found as a whole phrase in our definition (or
ours in theirs), which is weaker evidence. Scores of 0.95 and above are proposed as skos:exactMatch,
the rest as skos:closeMatch; a person picks which to keep."""

import contextlib
import io
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rapidfuzz import fuzz, utils
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.errors import InputError

NAMES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
EXACT = 0.95
AXIOMS = {str(SKOS.exactMatch): OWL.equivalentClass, str(SKOS.broadMatch): RDFS.subClassOf}  # subject broadMatch object: object is broader
RDF_FORMATS = {".ttl": "turtle", ".n3": "n3", ".nt": "nt", ".trig": "trig", ".jsonld": "json-ld"}


@dataclass(frozen=True)
class Term:
    iri: str
    label: str
    names: tuple[str, ...]
    definition: str


@dataclass(frozen=True)
class Proposal:
    theirs: Term
    ours: Term
    confidence: float
    why: str

    @property
    def predicate(self) -> str:
        return str(SKOS.exactMatch if self.confidence >= EXACT else SKOS.closeMatch)


def _norm(text: str) -> str:
    return utils.default_process(text.replace("-", " ").replace("_", " "))


def load(path: Path) -> Graph:
    """Their ontology as an rdflib graph: Turtle, N-Triples, TriG or JSON-LD by rdflib; RDF/XML and OWL/XML
    (whatever .owl, .rdf, .owx hold) by owlready2, which reads both."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if path.suffix.lower() in RDF_FORMATS:
            return Graph().parse(path, format=RDF_FORMATS[path.suffix.lower()])
        from owlready2 import World
        world = World()
        with contextlib.redirect_stderr(io.StringIO()):  # owlready2 prints its parser's traceback itself
            world.get_ontology(path.resolve().as_uri()).load()
        graph = Graph()
        for triple in world.as_rdflib_graph():
            graph.add(triple)
        return graph
    except InputError:
        raise
    except Exception as e:  # noqa: BLE001 - every parser has its own errors; each is one unreadable file
        raise InputError(f"{path}: not an ontology virtkg can read ({' '.join(str(e).split())[:200]})") from None


def classes(graph: Graph) -> list[Term]:
    terms = []
    for cls in set(graph.subjects(RDF.type, OWL.Class)):
        if not isinstance(cls, URIRef):
            continue
        names = tuple(dict.fromkeys(str(n) for p in NAMES for n in graph.objects(cls, p)))
        if not names:
            local = re.split(r"[/#]", str(cls))[-1]
            names = (re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local),)  # CamelCase local name as words
        definition = " ".join(str(d) for d in graph.objects(cls, SKOS.definition)) or \
            " ".join(str(d) for d in graph.objects(cls, RDFS.comment))
        terms.append(Term(str(cls), names[0], names, definition))
    return sorted(terms, key=lambda t: t.iri)


ARTICLES = {"a", "an", "the", "one", "any"}


def _alike(a: str, b: str) -> float:
    """How alike two names are, word order aside; a near miss counts for less, since one or two letters
    apart is as often another word ("equipment", "requirement") as a spelling of the same one."""
    ratio = fuzz.token_sort_ratio(_norm(a), _norm(b)) / 100
    return ratio if ratio >= 0.9 else ratio * 0.75


def _definition_hit(names: tuple[str, ...], definition: str) -> str | None:
    """Where one of `names` occurs in `definition`: "genus" in its first words (what the thing is),
    "mention" further on, or None."""
    words = [w for w in _norm(definition).split()]
    while words and words[0] in ARTICLES:
        words = words[1:]
    text, head = f" {' '.join(words)} ", f" {' '.join(words[:4])} "
    found = [n for n in (f" {_norm(n)} " for n in names if len(n) > 3) if n in text]
    if any(n in head for n in found):
        return "genus"
    return "mention" if found else None


def _score(theirs: Term, ours: Term) -> tuple[float, str]:
    """Label to label alike scores up to 1; an alt label alike at most 0.9 (a synonym is not always the
    same concept); one's name as the genus of the other's definition 0.8; a passing mention adds a little."""
    label = _alike(theirs.label, ours.label)
    other = max(_alike(a, b) for a in theirs.names for b in ours.names)
    score, why = max((label, "labels"), (min(other, 0.9), "alt labels"))
    hits = {_definition_hit(theirs.names, ours.definition), _definition_hit(ours.names, theirs.definition)}
    if "genus" in hits and score < 0.8:
        return 0.8, "one is what the other's definition says it is"
    if "mention" in hits:
        return round(score + 0.15 * (1 - score), 3), why + ", and named in the other's definition"
    return round(score, 3), why


def propose(theirs: list[Term], ours: list[Term], minimum: float = 0.6, per_class: int = 3,
            progress: Callable[[int], None] = lambda n: None) -> list[Proposal]:
    """Up to `per_class` of our classes for each of theirs, scoring at least `minimum`; best first."""
    found = []
    for i, their in enumerate(theirs, 1):
        scored = sorted(((*_score(their, o), o) for o in ours), key=lambda s: (-s[0], s[2].iri))
        found += [Proposal(their, o, score, why) for score, why, o in scored[:per_class] if score >= minimum]
        progress(i)
    return sorted(found, key=lambda p: (-p.confidence, p.theirs.iri, p.ours.iri))


@dataclass
class Verdict:
    consistent: bool
    unsatisfiable: list[str]              # classes no individual can belong to, after the merge
    subclasses: dict[str, list[str]]      # their class -> our classes it is now (inferred) a subclass of


def _tbox(graph: Graph) -> Graph:
    """The graph without assertions about individuals, to ask which classes are unsatisfiable."""
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Ontology,
             OWL.Restriction, OWL.AllDisjointClasses, RDFS.Class, OWL.TransitiveProperty, OWL.FunctionalProperty,
             OWL.SymmetricProperty, OWL.InverseFunctionalProperty, OWL.AsymmetricProperty, OWL.IrreflexiveProperty}
    individuals = {s for s, o in graph.subject_objects(RDF.type) if o not in kinds}
    individuals -= set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDF.type, OWL.ObjectProperty))
    out = Graph()
    for triple in graph:
        if triple[0] not in individuals:
            out.add(triple)
    return out


def _reason(graph: Graph):
    """HermiT over `graph`: the owlready2 world reasoned over, or None if it is inconsistent."""
    from owlready2 import OwlReadyInconsistentOntologyError, World, sync_reasoner_hermit
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "merged.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = World()
        world.get_ontology(path.as_uri()).load(format="ntriples")
        try:
            sync_reasoner_hermit(world, debug=0)
        except OwlReadyInconsistentOntologyError:
            return None
        return world


def check(ours: Graph, theirs: Graph, mappings: list[tuple[str, str, str]], our_namespace: str) -> Verdict:
    """Merge both ontologies with the chosen mappings (exactMatch as equivalence, broadMatch as
    subclass-of; closer matches say nothing a reasoner can use) and reason over the merge."""
    merged = Graph()
    for triple in (*ours, *theirs):
        merged.add(triple)
    for subject, predicate, obj in mappings:
        if predicate in AXIOMS:
            merged.add((URIRef(subject), AXIOMS[predicate], URIRef(obj)))
    their_classes = {str(c) for c in theirs.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    tbox_world = _reason(_tbox(merged))
    unsatisfiable = sorted(c.iri for c in tbox_world.inconsistent_classes() if c.iri != str(OWL.Nothing)) \
        if tbox_world else []
    world = _reason(merged)
    subclasses = {}
    if world is not None:
        for iri in sorted(their_classes):
            cls = world[iri]
            if cls is None or iri in unsatisfiable:
                continue
            ancestors = sorted(a.iri for a in cls.ancestors() if hasattr(a, "iri") and a.iri.startswith(our_namespace))
            if ancestors:
                subclasses[iri] = ancestors
    return Verdict(world is not None, unsatisfiable, subclasses)


def _prefixes(graph: Graph, iris: list[str]) -> dict[str, str]:
    """CURIE prefixes for SSSOM: ours, SKOS and SEMAPV, and theirs as their file binds them (or made up)."""
    from kg.namespaces import PREFIXES
    found = {"vkg": PREFIXES["vkg"], "skos": str(SKOS), "semapv": "https://w3id.org/semapv/vocab/"}
    bound = {str(ns): prefix for prefix, ns in graph.namespaces() if prefix and prefix not in found}
    for iri in iris:
        namespace = re.match(r"(.*[/#])", iri).group(1)
        if namespace not in found.values():
            found[bound.get(namespace) or f"their{len(found) - 2}"] = namespace
    return found


def write_sssom(proposals: list[Proposal], theirs: Graph, their_source: str, out) -> None:
    """The proposals as an SSSOM table, best first, written with sssom-py."""
    import curies
    import pandas as pd
    from sssom.util import MappingSetDataFrame
    from sssom.writers import write_table
    converter = curies.Converter.from_prefix_map(_prefixes(theirs, [p.theirs.iri for p in proposals]))
    rows = [{"subject_id": converter.compress(p.theirs.iri), "subject_label": p.theirs.label,
             "predicate_id": converter.compress(p.predicate), "object_id": converter.compress(p.ours.iri),
             "object_label": p.ours.label, "mapping_justification": "semapv:LexicalMatching",
             "confidence": p.confidence, "comment": p.why} for p in proposals]
    columns = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification",
               "confidence", "comment"]
    metadata = {"mapping_set_id": "https://w3id.org/virtkg/graph/mappings/proposed",
                "license": "https://creativecommons.org/licenses/by/4.0/",
                "subject_source": their_source, "object_source": "https://w3id.org/virtkg/ontology",
                "mapping_tool": "virtkg align"}
    mapping_set = MappingSetDataFrame.with_converter(converter=converter, df=pd.DataFrame(rows, columns=columns),
                                                     metadata=metadata)
    write_table(mapping_set, out, sort=False)
