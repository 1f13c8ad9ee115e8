"""The checks a build must pass before anything is written: SHACL shapes, whole-graph rules and the
ontology quality gates. Each returns readable one-line problems naming the offending subject."""

from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from kg import quality, queryfile, resources
from kg.namespaces import curie


def _term(node) -> str:
    if isinstance(node, ox.NamedNode):
        return curie(node.value)
    return curie(str(node)) if isinstance(node, URIRef) else str(node)


def shacl_problems(union: Graph, focus: set[str] | None = None) -> list[str]:
    """Validate the union graph against ontology/shapes.ttl (reporting only on `focus` nodes, if given)."""
    shapes = Graph().parse(resources.shapes_file(), format="turtle")
    conforms, report, _ = shacl_validate(union, shacl_graph=shapes, inference="none", allow_warnings=True)
    if conforms:
        return []
    lines = set()
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        node = report.value(result, SH.focusNode)
        if focus is not None and str(node) not in focus:
            continue
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        where = f" ({curie(str(path))})" if isinstance(path, URIRef) else ""
        lines.add(f"{_term(node)}{where}: {message}")
    return sorted(lines)


def rule_problems(store: ox.Store) -> list[str]:
    """Run every kg/rules/*.rq over the union and turn each row into its `#+ message:` line."""
    problems = []
    for rule in queryfile.read_all(Path(str(files("kg.rules")))):
        results = store.query(rule.text, use_default_graph_as_union=True)
        names = [v.value for v in results.variables]
        for row in results:
            values = {name: _term(row[name]) for name in names}
            problems.append(rule.meta["message"].format(**values))
    return problems


def quality_problems(ontology: Graph) -> list[str]:
    """The OOPS!/FOOPS! gates on the T-box; any finding fails the build."""
    return [f"{f.code} {f.subject and curie(f.subject) + ': '}{f.message}"
            for f in quality.check_ontology(ontology)]
