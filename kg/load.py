"""Parse the sources of the graph into one rdflib Dataset, one named graph per source.

Structural rules that SHACL cannot see (it has no notion of named graphs) are checked here:
every fact sits in a named graph, and a fact file only writes its own document's graphs.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from kg import mappings, resources
from kg.errors import InputError
from kg.namespaces import MAPPINGS_GRAPH, ONTOLOGY_IRI, VKGRAPH, VOCABULARY_GRAPH, curie


DOCUMENT_FILE = re.compile(r"^(\d{3})(?:-[a-z0-9-]+)?\.trig$")


@dataclass
class Sources:
    """The parsed inputs: the dataset, and which fact graphs each document file contributed."""

    dataset: Dataset
    fact_graphs: dict[str, list[URIRef]]  # document number -> its named graphs
    files: list[Path]


def _parse(path: Path, target: Graph | Dataset, fmt: str) -> None:
    try:
        target.parse(path, format=fmt)
    except BadSyntax as e:
        raise InputError(f"{path}:{e.lines + 1}: syntax error: {e._why}") from None
    except (SyntaxError, ValueError) as e:
        raise InputError(f"{path}: syntax error: {e}") from None


def _document_graph_problems(path: Path, doc: str, parsed: Dataset) -> tuple[list[URIRef], list[str]]:
    """The file's named graphs, and a problem line for each rule it breaks."""
    own = str(VKGRAPH[doc])
    graphs, problems = [], []
    for g in parsed.graphs():
        name = g.identifier
        if name == parsed.default_graph.identifier:
            problems.extend(
                f"{path}: fact outside any source graph: {curie(str(s))} {curie(str(p))} {o.n3()}"
                for s, p, o in g
            )
        elif str(name) != own and not str(name).startswith(own + "/"):
            problems.append(f"{path}: graph {curie(str(name))} is not a graph of document {doc} "
                            f"(expected {curie(own)} or {curie(own)}/<section>)")
        elif len(g):
            graphs.append(URIRef(name))
    return graphs, problems


def load_sources(facts_dir: Path | None = None) -> Sources:
    """Parse ontology, vocabulary and every `NNN[-part].trig` fact file; raise InputError listing all problems."""
    facts_dir = facts_dir or resources.facts_dir()
    ds = Dataset()
    problems: list[str] = []
    files = [*resources.ontology_files(), resources.vocabulary_file()]
    for path in resources.ontology_files():
        try:
            _parse(path, ds.graph(ONTOLOGY_IRI), "turtle")
        except InputError as e:
            problems.extend(e.problems)
    try:
        _parse(resources.vocabulary_file(), ds.graph(VOCABULARY_GRAPH), "turtle")
    except InputError as e:
        problems.extend(e.problems)
    try:
        target = ds.graph(MAPPINGS_GRAPH)
        for triple in mappings.graph():
            target.add(triple)
        files.append(mappings.mapping_file())
    except InputError as e:
        problems.extend(e.problems)

    fact_files = sorted(facts_dir.glob("*.trig"))
    if not fact_files:
        problems.append(f"{facts_dir}: no fact files (*.trig)")
    fact_graphs: dict[str, list[URIRef]] = {}
    for path in fact_files:
        doc = DOCUMENT_FILE.match(path.name)
        if not doc:
            problems.append(f"{path}: a fact file's name starts with its document number (NNN.trig or NNN-part.trig)")
            continue
        parsed = Dataset()
        try:
            _parse(path, parsed, "trig")
        except InputError as e:
            problems.extend(e.problems)
            continue
        graphs, file_problems = _document_graph_problems(path, doc[1], parsed)
        problems.extend(file_problems)
        fact_graphs.setdefault(doc[1], []).extend(graphs)
        for name in graphs:
            target = ds.graph(name)
            for triple in parsed.graph(name):
                target.add(triple)
        files.append(path)
    if problems:
        raise InputError(*problems)
    return Sources(ds, fact_graphs, files)
