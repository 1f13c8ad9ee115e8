"""The mapping set (ontology/mappings.sssom.tsv, SSSOM) as skos:*Match triples for the graph's
`vkgraph:mappings` graph, read with sssom-py, the SSSOM project's own library (imported only when a
build reads the file: it takes two seconds to load)."""

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from kg import resources
from kg.errors import InputError

PREDICATES = {SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch}


def mapping_file() -> Path:
    return resources.ontology_dir() / "mappings.sssom.tsv"


def rows(path: Path | None = None) -> tuple[dict, list[dict]]:
    """The mapping set's metadata and its rows, with every CURIE expanded to an IRI."""
    from sssom.parsers import parse_sssom_table
    path = path or mapping_file()
    try:
        mapping_set = parse_sssom_table(path)
    except Exception as e:  # noqa: BLE001 - sssom-py raises many kinds; each is one broken file
        raise InputError(f"{path}: not a valid SSSOM table: {' '.join(str(e).split())[:300]}") from None
    expand = mapping_set.converter.expand
    found = []
    for row in mapping_set.df.to_dict("records"):
        iris = {k: expand(row[k]) or row[k] for k in ("subject_id", "predicate_id", "object_id")}
        found.append({**row, **iris})
    return mapping_set.metadata, found


def graph(path: Path | None = None) -> Graph:
    """The mappings as triples, and the mapping set described (it is the graph's own IRI)."""
    metadata, found = rows(path)
    mappings = Graph()
    problems = []
    for row in found:
        if URIRef(row["predicate_id"]) not in PREDICATES:
            problems.append(f"{row['subject_id']}: {row['predicate_id']} is not a SKOS mapping predicate")
            continue
        mappings.add((URIRef(row["subject_id"]), URIRef(row["predicate_id"]), URIRef(row["object_id"])))
    if problems:
        raise InputError(*problems)
    mapping_set = URIRef(metadata["mapping_set_id"])
    title = Literal(metadata.get("mapping_set_title", "mappings"), lang="en")
    mappings.add((mapping_set, DCTERMS.license, URIRef(metadata["license"])))
    mappings.add((mapping_set, RDFS.label, title))
    mappings.add((mapping_set, SKOS.prefLabel, title))
    return mappings
