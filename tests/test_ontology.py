"""The ontology on its own: it parses, stays inside OWL 2 DL, keeps the contract's labels, and HermiT
finds it consistent with every class satisfiable."""


import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from conftest import ROOT

VKG = rdflib.Namespace("https://w3id.org/virtkg/ontology/")
ONTOLOGY = rdflib.URIRef("https://w3id.org/virtkg/ontology")
# The datatypes of the OWL 2 datatype map that virtkg uses (xsd:gYear, xsd:date are not in the map).
OWL2_DATATYPES = {XSD.string, XSD.integer, XSD.decimal, XSD.boolean, XSD.dateTime, XSD.anyURI, RDF.langString}
CONTRACT_LABELS = ["virtualization", "hypervisor", "Type 1 hypervisor", "Type 2 hypervisor", "emulator",
                   "virtual machine", "system virtual machine", "process virtual machine", "container",
                   "container runtime", "container orchestrator", "isolation mechanism", "use case",
                   "operating system", "organization", "source document"]


@pytest.fixture(scope="module")
def tbox() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "ontology" / "virtkg.ttl", format="turtle")


def test_header(tbox):
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in tbox
    for p in (OWL.versionIRI, OWL.versionInfo):
        assert tbox.value(ONTOLOGY, p) is not None


@pytest.mark.parametrize("label", CONTRACT_LABELS)
def test_contract_class_labels(tbox, label):
    classes = [c for c in tbox.subjects(RDFS.label, rdflib.Literal(label, lang="en")) if (c, RDF.type, OWL.Class) in tbox]
    assert len(classes) == 1, f"one class labelled {label!r}"
    assert tbox.value(classes[0], SKOS.prefLabel) == rdflib.Literal(label, lang="en")


def test_owl2_dl_declarations(tbox):
    """Every vkg term is declared as exactly one kind of entity; data ranges come from the OWL 2 map."""
    kinds = [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual]
    terms = {s for s in tbox.subjects() if isinstance(s, rdflib.URIRef) and str(s).startswith(str(VKG))}
    for term in terms:
        declared = [k for k in kinds if (term, RDF.type, k) in tbox]
        assert len(declared) == 1, f"{term} is declared as {declared}"
    for prop in tbox.subjects(RDF.type, OWL.DatatypeProperty):
        assert tbox.value(prop, RDFS.range) in OWL2_DATATYPES, f"{prop} has a range outside the OWL 2 datatype map"
    for prop in tbox.subjects(RDF.type, OWL.ObjectProperty):
        assert (tbox.value(prop, RDFS.range), RDF.type, OWL.Class) in tbox


def test_hermit_finds_it_consistent_and_every_class_satisfiable(tmp_path):
    from owlready2 import Nothing, World, sync_reasoner_hermit
    world = World()
    source = tmp_path / "virtkg.nt"
    rdflib.Graph().parse(ROOT / "ontology" / "virtkg.ttl").serialize(source, format="nt")
    ontology = world.get_ontology(source.as_uri()).load(format="ntriples")
    sync_reasoner_hermit(world, debug=0)
    unsatisfiable = [c.iri for c in ontology.classes() if Nothing in c.equivalent_to]
    assert unsatisfiable == []
    assert len(list(ontology.classes())) >= 60
