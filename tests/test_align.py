"""`virtkg align`: proposals from gist are sensible and the merge with the label-to-label matches is
consistent under HermiT; a deliberately conflicting ontology is reported with the classes involved;
Turtle and OWL/XML are read; the output is SSSOM that sssom-py reads, best first."""

import pytest

from conftest import ROOT, virtkg
from kg import mappings

GIST = ROOT.parent / "shared" / "ext" / "gist" / "gistCore.ttl"
FIXTURES = ROOT / "tests" / "align"
VKG, GIST_NS = "https://w3id.org/virtkg/ontology/", "https://w3id.org/semanticarts/ns/ontology/gist/"


@pytest.fixture(scope="module")
def gist(tmp_path_factory):
    out = tmp_path_factory.mktemp("align") / "gist.sssom.tsv"
    result = virtkg("align", str(GIST), "--check", "-o", str(out), check=False)
    return result, mappings.rows(out)[1], out


def test_gist_gets_sensible_candidates_best_first(gist):
    _, rows, out = gist
    pairs = {(r["subject_id"][len(GIST_NS):], r["object_id"][len(VKG):]): r for r in rows}
    assert pairs[("Organization", "Organization")]["predicate_id"].endswith("exactMatch")
    assert pairs[("Event", "Event")]["predicate_id"].endswith("exactMatch")
    assert ("Equipment", "Hardware") in pairs and ("Specification", "Standard") in pairs
    assert any(theirs == "System" for theirs, _ in pairs)
    lines = [line.split("\t") for line in out.read_text().splitlines() if not line.startswith("#")]
    confidences = [float(cells[lines[0].index("confidence")]) for cells in lines[1:]]
    assert confidences == sorted(confidences, reverse=True), "written best first"
    assert confidences[0] == 1.0 and all(0.6 <= c <= 1 for c in confidences)


def test_the_gist_merge_is_consistent(gist):
    result, _, _ = gist
    assert result.returncode == 0, result.stderr
    assert "consistent (HermiT)" in result.stderr and "INCONSISTENT" not in result.stderr
    assert "gist/GovernmentOrganization> is now a subclass of vkg:Entity, vkg:Organization" in result.stderr


def test_a_conflicting_ontology_is_reported_with_the_classes_involved():
    result = virtkg("align", str(FIXTURES / "conflicting.ttl"), "--check", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "INCONSISTENT (HermiT)" in result.stderr
    assert "unsatisfiable: vkg:Hypervisor" in result.stderr
    assert "unsatisfiable: <https://example.org/conflicting#Hypervisor>" in result.stderr


def test_owl_xml_is_read(tmp_path):
    out = tmp_path / "small.tsv"
    virtkg("align", str(FIXTURES / "small.owx"), "-o", str(out))
    best = {}
    for r in sorted(mappings.rows(out)[1], key=lambda r: r["confidence"]):
        best[r["subject_id"]] = r["object_id"]
    assert best["https://example.org/small#VirtualMachine"] == VKG + "VirtualMachine"
    assert best["https://example.org/small#Firm"] == VKG + "Organization", "by our alt label 'company'"


def test_an_unreadable_ontology_is_one_line(tmp_path):
    junk = tmp_path / "junk.owl"
    junk.write_text("this is not an ontology")
    result = virtkg("align", str(junk), check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and "not an ontology virtkg can read" in result.stderr
    assert not (tmp_path / "out.tsv").exists()
