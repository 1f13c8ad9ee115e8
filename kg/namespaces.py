"""The IRIs of the vocabulary contract, in one place."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

VKG = Namespace("https://w3id.org/virtkg/ontology/")
VKR = Namespace("https://w3id.org/virtkg/resource/")
VKS = Namespace("https://w3id.org/virtkg/source/")
VKGRAPH = Namespace("https://w3id.org/virtkg/graph/")

ONTOLOGY_IRI = URIRef("https://w3id.org/virtkg/ontology")
VOCABULARY_GRAPH = VKGRAPH.vocabulary
PROVENANCE_GRAPH = VKGRAPH.provenance
INFERRED_GRAPH = VKGRAPH.inferred
MAPPINGS_GRAPH = VKGRAPH.mappings  # the mapping set's own IRI too (ontology/mappings.sssom.tsv)

PREFIXES = {
    "vkg": str(VKG),
    "vkr": str(VKR),
    "vks": str(VKS),
    "vkgraph": str(VKGRAPH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
}


def curie(iri: str) -> str:
    """Shorten an IRI with the known prefixes, for people reading tables and messages."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"
