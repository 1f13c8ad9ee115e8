"""OWL reasoning with HermiT (through owlready2): consistency, classification, and the entailed
triples to materialise into `vkgraph:inferred`."""

import tempfile
from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox
from owlready2 import OwlReadyInconsistentOntologyError, OwlReadyJavaError, World, sync_reasoner_hermit

from kg import queryfile
from kg.errors import ValidationError

INFERRED_ONTOLOGY = "http://inferrences/"  # where owlready2 puts what the reasoner adds


def _hermit_triples(ntriples: bytes) -> list[ox.Triple]:
    """Run HermiT over the union graph; return the class and property assertions it adds."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "union.nt"
        path.write_bytes(ntriples)
        world = World()
        world.get_ontology(path.as_uri()).load(format="ntriples")
        try:
            sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except OwlReadyInconsistentOntologyError:
            raise ValidationError("HermiT: the graph is inconsistent (no named statement found by the "
                                  "rule checks; look for a fact that contradicts a class axiom)") from None
        except OwlReadyJavaError as e:
            first = next((line for line in str(e).splitlines() if "Exception" in line), str(e))
            raise ValidationError(f"HermiT could not reason over the graph: {first.strip()}") from None
        triples = []
        for s, p, o in world.get_ontology(INFERRED_ONTOLOGY).get_triples():
            if s < 0 or not isinstance(o, int) or o < 0:
                continue  # blank nodes and literals: nothing a SPARQL user can look up
            subject, predicate, obj = (world._unabbreviate(x) for x in (s, p, o))
            if subject == INFERRED_ONTOLOGY.rstrip("/"):
                continue  # owlready2's own ontology header
            triples.append(ox.Triple(ox.NamedNode(subject), ox.NamedNode(predicate), ox.NamedNode(obj)))
        return triples


REASONER = "HermiT"


def inferred_triples(store: ox.Store, ntriples: bytes) -> dict[ox.Triple, str]:
    """HermiT's entailments plus type, sub-property and inverse closure, minus what is asserted; each
    with what added it first (the reasoner, or the name of the rule in kg/inference), so a page can say."""
    inferred = dict.fromkeys(_hermit_triples(ntriples), REASONER)
    scratch = ox.Store()
    scratch.extend(ox.Quad(q.subject, q.predicate, q.object) for q in store)
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object) for t in inferred)
    rules = queryfile.read_all(Path(str(files("kg.inference"))))
    while True:  # to a fixpoint: inverses can add types through domains, types add supertypes
        new = {}
        for rule in rules:
            for t in scratch.query(rule.text):
                if t not in new and ox.Quad(t.subject, t.predicate, t.object) not in scratch:
                    new[t] = rule.name
        if not new:
            break
        scratch.extend(ox.Quad(t.subject, t.predicate, t.object) for t in new)
        inferred.update(new)
    asserted = {ox.Triple(q.subject, q.predicate, q.object) for q in store}
    return {t: by for t, by in inferred.items() if t not in asserted}
