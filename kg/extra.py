"""A user's own data beside the graph (`--extra FILE`): hosts, VMs, containers and workloads typed
with our classes, each file in its own named graph (`vkgraph:extra/<file name>`), checked by our
SHACL shapes, and joined with our facts by any query.

Nothing is served half-loaded: every file is parsed and checked before anything is written, and the
result is an overlay, a folder laid out like a build (the build's quads, the extra graphs, their
merged default graph, the build's report updated), that the store interface opens like any build."""

import hashlib
import json
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg import checks
from kg.errors import InputError
from kg.namespaces import ONTOLOGY_IRI, VKG, VKGRAPH
from kg.store import CURRENT, INFERENCES, named_quads, with_default_graph

FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES,
           ".nq": ox.RdfFormat.N_QUADS, ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD}


def graph_name(path: Path) -> ox.NamedNode:
    """vkgraph:extra/<file name without suffix, lower case, non-alphanumerics as dashes>."""
    return ox.NamedNode(f"{VKGRAPH}extra/{re.sub(r'[^a-z0-9]+', '-', path.stem.lower()).strip('-') or 'data'}")


def _parse(path: Path) -> list[ox.Quad]:
    """Every statement of `path`, in its own graph (a TriG file's graphs are merged into it)."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: an extra file is Turtle (.ttl), TriG (.trig), N-Triples (.nt), N-Quads (.nq) "
                         f"or JSON-LD (.jsonld), not {path.suffix or 'a file without a suffix'}")
    graph = graph_name(path)
    try:
        return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in ox.parse(path=str(path), format=fmt)]
    except (SyntaxError, ValueError) as e:
        raise InputError(f"{path}: {' '.join(str(e).split())}") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror or e})") from None


def _unknown_terms(quads: list[ox.Quad], ontology: set[str]) -> list[str]:
    """Our-namespace classes and properties the file uses that the ontology does not have (a typo's mark)."""
    used = {q.predicate.value for q in quads} | {q.object.value for q in quads
                                                 if q.predicate.value.endswith("#type") and isinstance(q.object, ox.NamedNode)}
    return [f"{t[len(str(VKG)):]} is not a class or property of the virtkg ontology"
            for t in sorted(used) if t.startswith(str(VKG)) and t not in ontology]


def check(paths: list[Path], store: ox.Store) -> list[ox.Quad]:
    """Parse and check every file against the build's ontology; all problems at once, one line each."""
    names = [graph_name(p) for p in paths]
    if len(set(names)) < len(names):
        raise InputError("two extra files would share a graph name (the name comes from the file name): "
                         + ", ".join(str(p) for p in paths))
    quads, problems = [], []
    for path in paths:
        try:
            quads += _parse(path)
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(*problems)
    ontology_quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(str(ONTOLOGY_IRI))))
    terms = {q.subject.value for q in ontology_quads if isinstance(q.subject, ox.NamedNode)}
    problems = [f"extra data: {line}" for line in _unknown_terms(quads, terms)]
    union = Graph()
    union.parse(data=ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in ontology_quads + quads],
                                  format=ox.RdfFormat.N_TRIPLES), format="nt")
    theirs = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    problems += [f"extra data: {line}" for line in checks.shacl_problems(union, focus=theirs)]
    if problems:
        raise InputError(*problems)
    return quads


def digest(paths: list[Path]) -> str:
    """What names an overlay: the extra files' names and contents."""
    hashed = hashlib.sha256()
    for path in paths:
        hashed.update(path.name.encode() + b"\0" + path.read_bytes())
    return hashed.hexdigest()[:10]


def overlay(build: Path, paths: list[Path], out_dir: Path) -> Path:
    """Write the build plus the extra files, checked, as a build folder under `out_dir` made current
    there; an overlay of the same build and files already there is used as it is."""
    report = json.loads((build / "report.json").read_text(encoding="utf-8"))
    target = out_dir / f"{report['build_id']}+extra-{digest(paths)}"
    if (out_dir / CURRENT).resolve() == target.resolve() and (target / "report.json").exists():
        return target
    base = ox.Store.read_only(str(build / "store"))
    quads = check(paths, base)
    for old in out_dir.glob("*+extra-*") if out_dir.exists() else []:
        shutil.rmtree(old, ignore_errors=True)
    (out_dir / CURRENT).unlink(missing_ok=True)
    target.mkdir(parents=True)
    store = ox.Store(str(target / "store"))
    store.bulk_extend(with_default_graph([*named_quads(base), *quads]))
    store.flush()
    per_graph = dict(report["triples_per_graph"])
    for q in quads:
        per_graph[q.graph_name.value] = per_graph.get(q.graph_name.value, 0) + 1
    report.update(build_id=target.name, quads=report["quads"] + len(quads), triples_per_graph=dict(sorted(per_graph.items())),
                  triples=sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph())),
                  extra={str(p): graph_name(p).value for p in paths})
    del store
    (target / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for name in (INFERENCES, "dumps"):
        if (build / name).exists():
            (target / name).symlink_to((build / name).resolve())
    (out_dir / CURRENT).symlink_to(target.name)
    return target
