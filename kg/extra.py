"""A user's own data beside the graph (`--extra FILE`): hosts, VMs, containers and workloads typed
with our classes, each file in its own named graph (`vkgraph:extra/<file name>`), checked by our
SHACL shapes, and joined with our facts by any query.

Files of any size load in bounded memory: each is parsed as a stream and written BATCH statements at a
time into an overlay, a folder laid out like a build (the build's quads, the extra graphs, their merged
default graph, the build's report updated), that the store interface opens like any build. The checks
read the loaded statements back from that store, BATCH at a time, subject by subject. Nothing is served
half-loaded: the overlay is written under a staging name and becomes current only once every file is
loaded and every check has passed; on any problem it is removed."""

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph as ox
from rdflib import Graph

from kg import checks, counts
from kg.errors import InputError
from kg.namespaces import ONTOLOGY_IRI, VKG, VKGRAPH
from kg.store import CURRENT, INFERENCES, named_quads, unheld, with_default_graph

BATCH = 50_000  # statements parsed and written at a time, and about as many checked at a time
KEEP_OVERLAYS = 3  # sets of extra files whose overlays stay beside the builds
Progress = Callable[[int], None]  # told how many more bytes of a file were read
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _silent(_: int) -> None:
    pass


FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nt": ox.RdfFormat.N_TRIPLES,
           ".nq": ox.RdfFormat.N_QUADS, ".jsonld": ox.RdfFormat.JSON_LD, ".json": ox.RdfFormat.JSON_LD}


def graph_name(path: Path) -> ox.NamedNode:
    """vkgraph:extra/<file name without suffix, lower case, non-alphanumerics as dashes>."""
    return ox.NamedNode(f"{VKGRAPH}extra/{re.sub(r'[^a-z0-9]+', '-', path.stem.lower()).strip('-') or 'data'}")


class _Counting:
    """A binary file that tells `progress` how many bytes each read took."""

    def __init__(self, raw, progress: Progress):
        self.raw, self.progress = raw, progress

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.progress(len(chunk))
        return chunk


def _format(path: Path) -> ox.RdfFormat:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: an extra file is Turtle (.ttl), TriG (.trig), N-Triples (.nt), N-Quads (.nq) "
                         f"or JSON-LD (.jsonld), not {path.suffix or 'a file without a suffix'}")
    return fmt


def _load(store: ox.Store, path: Path, used: set[str], progress: Progress) -> int:
    """Stream `path` into its own graph (a TriG file's graphs are merged into it) and the merged
    default graph; note the terms of our namespace it uses; return how many statements it has."""
    graph, fmt, count = graph_name(path), _format(path), 0
    try:
        with path.open("rb") as raw:
            batch = []
            for q in ox.parse(_Counting(raw, progress), format=fmt):
                batch.append(ox.Quad(q.subject, q.predicate, q.object, graph))
                for term in (q.predicate, q.object if q.predicate.value == RDF_TYPE else None):
                    if isinstance(term, ox.NamedNode) and term.value.startswith(str(VKG)):
                        used.add(term.value)
                if len(batch) >= BATCH:
                    store.bulk_extend(with_default_graph(batch))
                    count, batch = count + len(batch), []
            store.bulk_extend(with_default_graph(batch))
            return count + len(batch)
    except (SyntaxError, ValueError) as e:
        raise InputError(f"{path}: {' '.join(str(e).split())}") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror or e})") from None


def _unknown_terms(used: set[str], ontology: set[str]) -> list[str]:
    """Our-namespace classes and properties the files use that the ontology does not have (a typo's mark)."""
    return [f"{t[len(str(VKG)):]} is not a class or property of the virtkg ontology"
            for t in sorted(used) if t not in ontology]


def _subject_batches(store: ox.Store, graph: ox.NamedNode) -> Iterator[list[ox.Quad]]:
    """The graph's statements, about BATCH at a time, never splitting one subject's (the index
    gives a graph's statements in subject order)."""
    batch: list[ox.Quad] = []
    for q in store.quads_for_pattern(None, None, None, graph):
        if len(batch) >= BATCH and q.subject != batch[-1].subject:
            yield batch
            batch = []
        batch.append(q)
    if batch:
        yield batch


def _shape_problems(store: ox.Store, graphs: list[ox.NamedNode], ontology: list[ox.Quad]) -> list[str]:
    """Our SHACL shapes over each batch of subjects: the ontology, their statements and those of the
    nodes they point at in the same graph, problems reported for the batch's named subjects only."""
    problems: list[str] = []
    for graph in graphs:
        for batch in _subject_batches(store, graph):
            objects = {q.object for q in batch if not isinstance(q.object, ox.Literal)}
            near = [q for o in objects for q in store.quads_for_pattern(o, None, None, graph)]
            union = Graph()
            union.parse(data=ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in ontology + batch + near],
                                          format=ox.RdfFormat.N_TRIPLES), format="nt")
            focus = {q.subject.value for q in batch if isinstance(q.subject, ox.NamedNode)}
            problems += [f"extra data: {line}" for line in checks.shacl_problems(union, focus=focus)]
    return sorted(set(problems))


def digest(paths: list[Path]) -> str:
    """What names an overlay: the extra files' names and contents (read a megabyte at a time: a file
    of 10^7 statements is 2 GB)."""
    hashed = hashlib.sha256()
    for path in paths:
        hashed.update(path.name.encode() + b"\0")
        with path.open("rb") as data:
            while chunk := data.read(1 << 20):
                hashed.update(chunk)
    return hashed.hexdigest()[:10]


def overlay(build: Path, paths: list[Path], out_dir: Path, progress: Progress = _silent) -> tuple[Path, bool]:
    """Write the build plus the extra files, checked, as a build folder made current in a folder of
    `out_dir` kept for these files (`.extra-DIGEST`, where `virtkg build --extra` leaves it and `serve`
    and the query commands find it), and say whether it was written now: an overlay of the same build
    and files already there is used as it is."""
    report = json.loads((build / "report.json").read_text(encoding="utf-8"))
    folder = out_dir / f".extra-{digest(paths)}"
    target = folder / f"{report['build_id']}+extra"
    if (folder / CURRENT).resolve() == target.resolve() and (target / "report.json").exists():
        os.utime(folder)  # used now: pruning keeps the overlays used last
        return target, False
    names = [graph_name(p) for p in paths]
    if len(set(names)) < len(names):
        raise InputError("two extra files would share a graph name (the name comes from the file name): "
                         + ", ".join(str(p) for p in paths))
    problems = []
    for path in paths:
        try:
            _format(path)
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(*problems)
    base = ox.Store.read_only(str(build / "store"))
    staging = folder / f".{target.name}.loading"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _write(base, paths, staging, report, progress)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if nothing else was ever made current there
        raise
    staging.rename(target)
    # The build's inferences hold for the overlay too; its dumps do not (they lack the files), so the
    # overlay has none, and /downloads and VoID offer no "whole dataset" that is not.
    if (build / INFERENCES).exists():
        (target / INFERENCES).symlink_to((build / INFERENCES).resolve())
    (folder / CURRENT).unlink(missing_ok=True)
    (folder / CURRENT).symlink_to(target.name)
    _prune(out_dir, target)
    return target, True


def _prune(out_dir: Path, keep: Path) -> None:
    """Delete the overlays of earlier builds and of all but the KEEP_OVERLAYS file sets used last (each
    is a copy of the graph and its files: an inventory edited ten times would otherwise be ten
    copies), never one a running server holds."""
    sets = sorted(out_dir.glob(".extra-*"), key=lambda f: f.stat().st_mtime)
    stale = set(sets[:-KEEP_OVERLAYS]) - {keep.parent}
    for overlay in out_dir.glob(".extra-*/*+extra"):
        if overlay != keep and (overlay.parent in stale or overlay.parent == keep.parent) and unheld(overlay):
            shutil.rmtree(overlay, ignore_errors=True)
    for folder in stale:
        if not any(folder.glob("*+extra")):
            shutil.rmtree(folder, ignore_errors=True)


def _write(base: ox.Store, paths: list[Path], folder: Path, report: dict, progress: Progress) -> None:
    """Load the build's quads and every file into a store in `folder`, check them, and write the report."""
    started = time.monotonic()
    store = ox.Store(str(folder / "store"))
    store.bulk_extend(with_default_graph(named_quads(base)))
    used: set[str] = set()
    per_graph = dict(report["triples_per_graph"])
    problems = []
    for path in paths:
        try:
            per_graph[graph_name(path).value] = per_graph.get(graph_name(path).value, 0) + _load(store, path, used, progress)
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(*problems)
    ontology = list(base.quads_for_pattern(None, None, None, ox.NamedNode(str(ONTOLOGY_IRI))))
    terms = {q.subject.value for q in ontology if isinstance(q.subject, ox.NamedNode)}
    problems = [f"extra data: {line}" for line in _unknown_terms(used, terms)]
    problems += _shape_problems(store, [graph_name(p) for p in paths], ontology)
    if problems:
        raise InputError(*problems)
    store.flush()
    added = sum(per_graph[graph_name(p).value] for p in paths)
    report.update(build_id=folder.name.removeprefix(".").removesuffix(".loading"), quads=report["quads"] + added,
                  triples_per_graph=dict(sorted(per_graph.items())),
                  triples=sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph())),
                  extra={str(p): graph_name(p).value for p in paths}, counts=counts.count(store),
                  extra_seconds=round(time.monotonic() - started, 2))
    del store
    (folder / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
