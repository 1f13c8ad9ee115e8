"""`virtkg build`: the report, refusal of broken facts, and atomicity (a failed build changes nothing)."""

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, virtkg

BROKEN = ROOT / "tests" / "broken"


def snapshot(directory: Path) -> dict[str, str]:
    """Every file's bytes and every link's target under a build folder."""
    state = {}
    for path in sorted(directory.rglob("*")):
        rel = str(path.relative_to(directory))
        if path.is_symlink():
            state[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def test_report_counts_every_part_of_the_build(build_dir):
    report = json.loads((build_dir / "current" / "report.json").read_text())
    assert set(report["facts_per_document"]) >= {"000", "001"}
    assert all(n > 50 for n in report["facts_per_document"].values())
    assert report["classes"] >= 60 and report["individuals"] > 100
    assert report["inferred_triples"] > 0
    assert report["quads"] == sum(report["triples_per_graph"].values())
    assert report["triples"] < report["quads"], "a triple stated in several graphs is counted once"
    assert set(report["seconds_per_step"]) == {"parse", "shacl", "rules", "quality", "reason", "write", "count"}
    graphs = report["triples_per_graph"]
    assert "https://w3id.org/virtkg/ontology" in graphs and "https://w3id.org/virtkg/graph/inferred" in graphs


def test_the_report_holds_the_counts_pages_and_void_read_so_no_request_counts_the_graph(build_dir):
    import pyoxigraph as ox
    report = json.loads((build_dir / "current" / "report.json").read_text())
    merged = list(ox.Store.read_only(str(build_dir / "current" / "store")).quads_for_pattern(None, None, None, ox.DefaultGraph()))
    counts = report["counts"]
    assert counts["subjects"] == len({q.subject for q in merged}) and counts["objects"] == len({q.object for q in merged})
    assert counts["properties"] == len({q.predicate for q in merged})
    assert counts["members"]["https://w3id.org/virtkg/ontology/Type1Hypervisor"] >= 3
    assert all(n > 0 for n in counts["members"].values())


def test_build_writes_store_and_dumps(build_dir):
    current = build_dir / "current"
    assert (current / "store").is_dir()
    assert (current / "dumps" / "virtkg.trig").stat().st_size > 10_000
    import rdflib
    ontology = rdflib.Graph().parse(current / "dumps" / "ontology.ttl")
    assert (rdflib.URIRef("https://w3id.org/virtkg/ontology"), rdflib.RDF.type, rdflib.OWL.Ontology) in ontology
    dataset = rdflib.Dataset().parse(current / "dumps" / "virtkg.trig", format="trig")
    assert len(dataset) > 0 or sum(len(g) for g in dataset.graphs()) > 0


@pytest.fixture(scope="module")
def good_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("atomic")
    virtkg("build", "--quiet", "--out", str(out))
    return out


@pytest.mark.parametrize("broken, placed_as, expected", [
    ("no-source-graph.trig", "000-broken.trig", "fact outside any source graph: vkr:kvm rdf:type"),
    ("value-outside-range.trig", "002-broken.trig", "vkr:kvm vkg:providedBy vkr:linux: the value should be a vkg:Organization"),
    ("disjoint-types.trig", "002-broken.trig", "vkr:kata-containers is typed both vkg:Container and vkg:VirtualMachine"),
])
def test_broken_facts_fail_the_build_and_leave_the_previous_one(good_build, facts_copy, broken, placed_as, expected):
    before = snapshot(good_build)
    shutil.copy(BROKEN / broken, facts_copy / placed_as)
    result = virtkg("build", "--quiet", "--out", str(good_build), "--facts", str(facts_copy), check=False)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert any(expected in line for line in lines), result.stderr
    assert all(line.startswith("virtkg: ") for line in lines), "every problem is one readable line"
    assert "Traceback" not in result.stderr
    assert snapshot(good_build) == before


def test_syntax_error_names_file_and_line(facts_copy, tmp_path):
    (facts_copy / "003-typo.trig").write_text("@prefix vkr: <https://w3id.org/virtkg/resource/> .\n\nvkr:a vkr:b \"unterminated .\n")
    result = virtkg("build", "--quiet", "--out", str(tmp_path / "out"), "--facts", str(facts_copy), check=False)
    assert result.returncode == 1
    assert "003-typo.trig:3: syntax error" in result.stderr
    assert not (tmp_path / "out").exists(), "nothing is written when a check fails"


def test_validate_writes_nothing(tmp_path):
    result = virtkg("validate", "--quiet", cwd=tmp_path)
    assert "every check passed" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_validate_report_lists_every_quality_check(tmp_path):
    from kg import quality
    result = virtkg("validate", "--quiet", "--report", cwd=tmp_path)
    for code, _title, _description in quality.CHECKS:
        assert code in result.stdout
