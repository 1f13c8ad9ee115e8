"""`virtkg build` and `virtkg validate`: parse -> check -> reason -> materialise -> write atomically.

Nothing is written until every check has passed, and a build becomes current only by an atomic
rename of the `current` link, so a failed build leaves the previous one untouched.
"""

import hashlib
import json
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import OWL, RDF

from kg import checks, counts, provenance, reason
from kg.errors import ValidationError
from kg.load import load_sources
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_IRI, PREFIXES, PROVENANCE_GRAPH, VKG, VKGRAPH
from kg.store import CURRENT, HOLD, INFERENCES, builds, unheld, with_default_graph

KEEP_BUILDS = 3
Progress = Callable[[str, str, float], None]


def _quiet(step: str, detail: str, seconds: float) -> None:
    pass


@dataclass
class Timer:
    """Times each step and reports it as it finishes."""

    progress: Progress
    steps: dict[str, float] = field(default_factory=dict)

    def run(self, step: str, fn, describe=lambda result: ""):
        start = time.perf_counter()
        result = fn()
        self.steps[step] = round(time.perf_counter() - start, 3)
        self.progress(step, describe(result), self.steps[step])
        return result


@dataclass
class Checked:
    """A graph that passed every check, ready to be written."""

    store: ox.Store          # every graph, including vkgraph:inferred
    files: list[Path]
    steps: dict[str, float]
    inferred_by: dict[ox.Triple, str] = field(default_factory=dict)  # what added each inferred triple


def _to_store(sources, prov: Graph) -> ox.Store:
    store = ox.Store()
    store.load(sources.dataset.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    store.load(prov.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES,
               to_graph=ox.NamedNode(str(PROVENANCE_GRAPH)))
    return store


def _union(store: ox.Store) -> Graph:
    union = Graph()
    union.parse(data=ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in store),
                                  format=ox.RdfFormat.N_TRIPLES), format="nt")
    return union


def check(facts_dir: Path | None = None, progress: Progress = _quiet) -> Checked:
    """Run every check; raise ValidationError/InputError with all problems found by the failing step."""
    timer = Timer(progress)
    sources = timer.run("parse", lambda: load_sources(facts_dir),
                        lambda s: f"{len(s.files)} files, {len(s.dataset)} triples")
    prov = provenance.derive(sources.fact_graphs, sources.dataset)
    store = _to_store(sources, prov)
    union = _union(store)

    def gate(problems: list[str]) -> None:
        if problems:
            raise ValidationError(*problems)

    timer.run("shacl", lambda: gate(checks.shacl_problems(union)), lambda _: "shapes conform")
    timer.run("rules", lambda: gate(checks.rule_problems(store)), lambda _: "domains, ranges, disjointness ok")
    ontology = Graph()
    for s, p, o in sources.dataset.graph(ONTOLOGY_IRI):
        ontology.add((s, p, o))
    timer.run("quality", lambda: gate(checks.quality_problems(ontology)), lambda _: "no pitfalls")
    inferred = timer.run(
        "reason", lambda: reason.inferred_triples(store, union.serialize(format="nt", encoding="utf-8")),
        lambda t: f"consistent (HermiT), {len(t)} inferred triples")
    graph = ox.NamedNode(str(INFERRED_GRAPH))
    store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in inferred)
    return Checked(store, sources.files, timer.steps, inferred)


def _build_id(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{digest.hexdigest()[:10]}"


def _report(build_id: str, store: ox.Store, steps: dict[str, float]) -> dict:
    per_graph = Counter(q.graph_name.value for q in store)
    distinct = len({(q.subject, q.predicate, q.object) for q in store})
    docs = Counter()
    for graph, n in per_graph.items():
        if graph.startswith(str(VKGRAPH)) and graph[len(str(VKGRAPH)):][:3].isdigit():
            docs[graph[len(str(VKGRAPH)):][:3]] += n
    classes = {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)),
                                                          ox.NamedNode(str(OWL.Class)))}
    typed = {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), None)
             if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(str(VKG))}
    return {
        "build_id": build_id,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "triples": distinct,
        "quads": sum(per_graph.values()),
        "triples_per_graph": dict(sorted(per_graph.items())),
        "classes": len(classes),
        "individuals": len(typed - classes),
        "facts_per_document": dict(sorted(docs.items())),
        "inferred_triples": per_graph.get(str(INFERRED_GRAPH), 0),
        "seconds_per_step": steps,
    }


def _write(checked: Checked, target: Path) -> None:
    store = ox.Store(str(target / "store"))
    store.bulk_extend(with_default_graph(checked.store))
    store.flush()
    store.optimize()
    dumps = target / "dumps"
    dumps.mkdir()
    checked.store.dump(str(dumps / "virtkg.trig"), format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    checked.store.dump(str(dumps / "virtkg.nq"), format=ox.RdfFormat.N_QUADS)
    checked.store.dump(str(dumps / "ontology.ttl"), format=ox.RdfFormat.TURTLE,
                       from_graph=ox.NamedNode(str(ONTOLOGY_IRI)), prefixes=PREFIXES)
    by_rule: dict[str, list] = {}
    for t, by in checked.inferred_by.items():
        by_rule.setdefault(by, []).append([t.subject.value, t.predicate.value, t.object.value])
    (target / INFERENCES).write_text(json.dumps(dict(sorted(by_rule.items())), indent=0) + "\n", encoding="utf-8")
    del store  # closes the on-disk store before the directory is renamed
    (target / HOLD).touch()


def _prune(out_dir: Path, keep: str) -> None:
    """Delete builds past the newest KEEP_BUILDS, but never one a running server holds."""
    for old in builds(out_dir)[:-KEEP_BUILDS]:
        if old.name != keep and unheld(old):
            shutil.rmtree(old, ignore_errors=True)


def build(out_dir: Path, facts_dir: Path | None = None, progress: Progress = _quiet) -> Path:
    """Check everything, write a new build next to the old ones, then make it current atomically."""
    checked = check(facts_dir, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    build_id = _build_id(checked.files)
    tmp = out_dir / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        timer = Timer(progress, dict(checked.steps))
        timer.run("write", lambda: _write(checked, tmp), lambda _: str(out_dir / build_id))
        counted = timer.run("count", lambda: counts.count(ox.Store.read_only(str(tmp / "store"))),
                            lambda c: f"{c['subjects']} subjects, {len(c['members'])} classes with members")
        report = _report(build_id, checked.store, timer.steps) | {"counts": counted}
        (tmp / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        final = out_dir / build_id
        os.rename(tmp, final)
        link = out_dir / f".{CURRENT}-{build_id}"
        os.symlink(build_id, link)
        os.replace(link, out_dir / CURRENT)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(out_dir, build_id)
    return final
