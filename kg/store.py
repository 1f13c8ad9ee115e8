"""The built graph on disk: where builds live, how one is opened, and the store interface the rest of
virtkg talks to (an embedded Oxigraph store; a remote SPARQL store can implement the same methods)."""

import fcntl
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import NoBuildError, QueryError
from kg.namespaces import PREFIXES
from kg.sparql_syntax import with_values

CURRENT = "current"
INFERENCES = "inferences.json"  # in each build: which rule (or the reasoner) added each inferred triple
HOLD = ".served"  # in each build: servers hold a shared lock on it while they serve that build
BUILD_NAME = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{10}")  # what kg.build names its folders; nothing else is ours


def default_out_dir() -> Path:
    """Builds go to $VIRTKG_BUILD_DIR, or ./build in the working directory."""
    return Path(os.environ.get("VIRTKG_BUILD_DIR", "build"))


def current_build(out_dir: Path) -> Path:
    link = out_dir / CURRENT
    if not link.exists():
        raise NoBuildError(f"no build in {out_dir.resolve()} (looked for {link.name} there): run `virtkg build`, "
                           f"or point --out or VIRTKG_BUILD_DIR at the folder a build went to")
    return link.resolve()


def hold(build: Path):
    """Hold a build for as long as the returned file stays open (closing it, or the process ending,
    lets go): `unheld` then leaves it alone."""
    (build / HOLD).touch()  # present in every build since holds exist; made for older ones
    held = open(build / HOLD, "rb")
    fcntl.flock(held, fcntl.LOCK_SH)
    return held


def unheld(build: Path) -> bool:
    """Whether no process holds `build` now."""
    try:
        with open(build / HOLD, "rb") as probe:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
    except FileNotFoundError:
        return True
    except BlockingIOError:
        return False


def builds(out_dir: Path) -> list[Path]:
    """The builds in `out_dir`, oldest first (by name); other folders there (setuptools' build/lib) are not ours."""
    return sorted(p for p in out_dir.iterdir() if p.is_dir() and not p.is_symlink() and BUILD_NAME.fullmatch(p.name))


def with_default_graph(quads) -> list[ox.Quad]:
    """The named-graph quads plus their merge as the store's default graph, each triple once: SPARQL's
    default graph is a set, so a triple four sections state is seen once outside GRAPH ?g."""
    quads = [q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)]
    merged = dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    return quads + [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in merged]


def named_quads(store: ox.Store):
    """Every quad of a built store but its materialised default graph (which only repeats them)."""
    return (q for q in store if not isinstance(q.graph_name, ox.DefaultGraph))


@dataclass
class EmbeddedStore:
    """A read-only Oxigraph store of one build; SPARQL's default graph is the merge of all graphs,
    materialised at build time (with_default_graph)."""

    path: Path
    store: ox.Store
    report: dict
    inferred_by: dict[tuple[str, str, str], str]  # (s, p, o) IRIs -> the rule or reasoner that added it

    @classmethod
    def open(cls, out_dir: Path) -> "EmbeddedStore":
        build = current_build(out_dir)
        report = json.loads((build / "report.json").read_text(encoding="utf-8"))
        if "counts" not in report:  # what pages and VoID read, written by every build since kg.counts
            raise NoBuildError(f"the build in {build} was made by an older virtkg: run `virtkg build` again")
        inferences = build / INFERENCES
        by_rule = json.loads(inferences.read_text(encoding="utf-8")) if inferences.exists() else {}
        inferred_by = {tuple(t): rule for rule, triples in by_rule.items() for t in triples}
        return cls(build, ox.Store.read_only(str(build / "store")), report, inferred_by)

    @property
    def build_id(self) -> str:
        return self.report["build_id"]

    def query(self, text: str, substitutions: dict | None = None, **options):
        options.setdefault("prefixes", PREFIXES)
        try:
            return self.store.query(with_values(text, {v.value: t for v, t in (substitutions or {}).items()}), **options)
        except SyntaxError as e:
            raise QueryError(f"query does not parse: {e}") from None
        except OSError as e:
            raise QueryError(f"query failed: {e}") from None
