"""Derive the provenance graph: which section each fact graph comes from, and where claims are stated.

Authors only name a graph after its section (`vkgraph:000/concept`); the links are derived here so
they cannot drift from the graph names.
"""

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from kg.namespaces import VKG, VKGRAPH, VKS

SOURCED_CLASSES = (VKG.Claim, VKG.Event)


def source_of(graph_name: URIRef) -> URIRef:
    """`vkgraph:000/concept` -> `vks:000/concept`; `vkgraph:000` -> `vks:000`."""
    return URIRef(str(VKS) + str(graph_name)[len(str(VKGRAPH)):])


def derive(fact_graphs: dict[str, list[URIRef]], dataset) -> Graph:
    """Provenance triples for every fact graph, and `dcterms:source` for claims and events."""
    prov = Graph()
    for graphs in fact_graphs.values():
        for name in graphs:
            section = source_of(name)
            prov.add((name, RDF.type, VKG.FactGraph))
            prov.add((name, PROV.wasDerivedFrom, section))
            label = Literal(f"facts of {str(section)[len(str(VKS)):]}", lang="en")
            prov.add((name, RDFS.label, label))
            prov.add((name, SKOS.prefLabel, label))
            for cls in SOURCED_CLASSES:
                for subject in dataset.graph(name).subjects(RDF.type, cls):
                    prov.add((subject, DCTERMS.source, section))
    return prov
