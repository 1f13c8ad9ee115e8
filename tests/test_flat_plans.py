"""Work that must not grow with a user's inventory. Every canned query (with its example and with no
parameters) and every page query (a concept's page, and the site's indexes) reads as many rows from the
shipped graph with an inventory loaded beside it as from the shipped graph alone, and answers the same:
the inventory (bench/synthetic.py) never mentions the resources these queries are about.

The count is Oxigraph's own: `oxigraph query --explain-file --stats` reports the rows each step of the
plan produced; the test sums them. A plan that starts from every instance of a class reads more as the
inventory grows, as canned `hypervisors` with a type does (below)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.pages.read import QUERIES as PAGES
from bench import sparql
from conftest import canned_cases
from kg import canned, queryfile
from kg.sparql_syntax import with_values

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
KVM = "https://w3id.org/virtkg/resource/kvm"
SECTION_GRAPH = "https://w3id.org/virtkg/graph/001/types-of-hypervisor"
# A concept's page (api/pages/describe.py, views.py) and the site's indexes (api/pages/site.py). The links
# into a class are left out: they grow with its instances by design and are read a page at a time.
PAGE_QUERIES = {"statements-out": {"this": KVM}, "statements-in": {"this": KVM}, "cbd": {"this": KVM},
                "claims": {"technology": KVM}, "graph-contents": {"graph": SECTION_GRAPH},
                "graph-quads": {"graph": SECTION_GRAPH}, "document-graphs": {}, "sources": {}, "classes": {},
                "properties": {}, "ontology-individuals": {}, "ontology-version": {}}


@pytest.fixture(scope="module")
def stores(build_dir, tmp_path_factory):
    """The shipped store and a grown one (30,000 triples: a site of machines, hypervisors and
    containers), as folders the oxigraph command can open."""
    work = tmp_path_factory.mktemp("flat")
    shipped = work / "shipped"
    shutil.copytree(build_dir / "current" / "store", shipped)
    grown, _, _ = sparql.sized_build(build_dir, "3e4", work)
    return shipped, grown / "m" / "store"


def _rows_read(store: Path, text: str, tmp: Path) -> tuple[int, str]:
    """The rows every step of the plan produced, summed, and the answer (TSV)."""
    query, plan, answer = tmp / "query.rq", tmp / "plan.json", tmp / "answer.tsv"
    query.write_text(text, encoding="utf-8")
    subprocess.run([str(OXIGRAPH), "query", "--location", str(store), "--query-file", str(query),
                    "--results-file", str(answer), "--explain-file", str(plan), "--stats"],
                   check=True, capture_output=True, timeout=120)
    total, todo = 0, [json.loads(plan.read_text())["plan"]]
    while todo:
        step = todo.pop()
        total += step.get("number of results", 0)
        todo += step.get("children", [])
    return total, answer.read_text(encoding="utf-8")


def _same_work(stores, text: str, tmp: Path) -> None:
    shipped, grown = (_rows_read(store, text, tmp) for store in stores)
    assert grown[1] == shipped[1], "the inventory changed the answer"
    assert grown[0] == shipped[0], f"rows read: {shipped[0]} on the shipped graph, {grown[0]} beside an inventory"


# Bound, ?type makes Oxigraph start from every instance of the type in every graph (it plans by the bound
# terms of a pattern, not by its graph): 0.9 ms on the shipped graph, 139 ms beside 10^7 triples
# (bench/results/growth.json). The forms that start from the sources' typing graphs instead are answered
# wrongly by Virtuoso, which `virtkg serve --store` must serve as well (tests/test_remote_store.py).
GROWS = {"hypervisors-example": "Oxigraph starts from every instance of the given type"}


@pytest.mark.parametrize("name, args", canned_cases(GROWS))
def test_a_canned_query_reads_the_same_rows_whatever_the_inventory(stores, store, tmp_path, name, args):
    bound = canned.bind(canned.load_all()[name], args, canned.Lookup(store.query))
    _same_work(stores, with_values(bound.text, bound.substitutions), tmp_path)


def test_every_page_query_is_checked():
    assert {p.stem for p in PAGES.glob("*.rq")} == set(PAGE_QUERIES)


@pytest.mark.parametrize("name", sorted(PAGE_QUERIES))
def test_a_page_query_reads_the_same_rows_whatever_the_inventory(stores, tmp_path, name):
    body = queryfile.read(PAGES / f"{name}.rq").body
    _same_work(stores, with_values(body, {k: ox.NamedNode(v) for k, v in PAGE_QUERIES[name].items()}), tmp_path)
