"""The command line as users meet it: query output formats, export formats, and one-line errors."""

import csv
import io
import json
import shutil

import pytest
import rdflib

from conftest import virtkg
from kg.store import current_build

TYPE1 = "SELECT ?p WHERE { ?p a <https://w3id.org/virtkg/ontology/Type1Hypervisor> } ORDER BY ?p"


def test_query_table_is_aligned_with_curies(build_dir):
    out = virtkg("query", "--out", str(build_dir), TYPE1).stdout.splitlines()
    assert out[0].strip() == "p" and set(out[1].strip()) == {"-"}
    assert "vkr:kvm" in [line.strip() for line in out]
    assert out[-1].startswith("(") and "row" in out[-1]


def test_query_json_csv_tsv_agree(build_dir):
    as_json = json.loads(virtkg("query", "--out", str(build_dir), "--format", "json", TYPE1).stdout)
    from_json = [b["p"]["value"] for b in as_json["results"]["bindings"]]
    as_csv = list(csv.reader(io.StringIO(virtkg("query", "--out", str(build_dir), "--format", "csv", TYPE1).stdout)))
    as_tsv = virtkg("query", "--out", str(build_dir), "--format", "tsv", TYPE1).stdout.splitlines()
    assert from_json and [row[0] for row in as_csv[1:]] == from_json
    assert [line.strip("<>") for line in as_tsv[1:]] == from_json


def test_query_from_file_and_ask_and_construct(build_dir, tmp_path):
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { <https://w3id.org/virtkg/resource/kvm> a ?c }")
    assert virtkg("query", "--out", str(build_dir), "-f", str(rq)).stdout.strip() == "true"
    ttl = virtkg("query", "--out", str(build_dir),
                 "CONSTRUCT { ?p a ?c } WHERE { ?p a ?c FILTER(?p = <https://w3id.org/virtkg/resource/kvm>) }").stdout
    graph = rdflib.Graph().parse(data=ttl, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/virtkg/resource/kvm"), rdflib.RDF.type,
            rdflib.URIRef("https://w3id.org/virtkg/ontology/Hypervisor")) in graph, "inferred supertypes are queryable"


@pytest.mark.parametrize("fmt, parser", [("turtle", "turtle"), ("trig", "trig"), ("nquads", "nquads"),
                                         ("jsonld", "json-ld"), ("xml", "xml")])
def test_export_round_trips(build_dir, tmp_path, fmt, parser):
    target = tmp_path / f"out.{fmt}"
    virtkg("export", "--out", str(build_dir), "--format", fmt, "-o", str(target))
    if fmt in ("trig", "nquads"):
        parsed = rdflib.Dataset().parse(target, format=parser)
        assert len(list(parsed.graphs())) > 10
    else:
        parsed = rdflib.Graph().parse(target, format=parser)
        assert len(parsed) > 1000
    assert [p.name for p in tmp_path.iterdir()] == [target.name], "no temporary file left behind"


@pytest.mark.parametrize("args, code, needle", [
    (["query", "SELEC nonsense"], 1, "query does not parse: syntax error at line 1, column 1"),
    (["query", "INSERT DATA { <a:b> <a:c> <a:d> }"], 1, "read-only: SPARQL updates are not accepted"),
    (["query", "--format", "csv", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"], 1, "does not fit triples"),
    (["query"], 2, "give either a query string or -f FILE"),
    (["query", "--format", "yaml", "ASK {}"], 2, "Invalid value for '--format'"),
    (["export", "--format", "rdfa"], 2, "Invalid value for '--format'"),
    (["compare", "vm"], 2, "Missing argument 'B'. (see `virtkg compare --help`)"),
])
def test_errors_are_one_line_and_non_zero(build_dir, args, code, needle):
    result = virtkg(*args[:1], "--out", str(build_dir), *args[1:], check=False)
    assert result.returncode == code
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_missing_build_is_one_line(tmp_path):
    result = virtkg("stats", "--out", str(tmp_path / "nothing"), check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"virtkg: no build in {tmp_path / 'nothing'} (looked for current there): run `virtkg build`, "
        "or point --out or VIRTKG_BUILD_DIR at the folder a build went to"]


def test_a_build_made_before_the_report_kept_its_counts_is_one_line_asking_for_a_new_one(build_dir, tmp_path):
    old = tmp_path / "builds" / current_build(build_dir).name
    shutil.copytree(current_build(build_dir), old, symlinks=True)
    report = json.loads((old / "report.json").read_text())
    del report["counts"]
    (old / "report.json").write_text(json.dumps(report))
    (old.parent / "current").symlink_to(old.name)
    result = virtkg("stats", "--out", str(old.parent), check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"virtkg: the build in {old} was made by an older virtkg: run `virtkg build` again"]


def test_comparing_a_technology_with_itself_is_refused(build_dir):
    result = virtkg("compare", "vm", "virtual machines", "--out", str(build_dir), check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "virtkg: a and b both name vkr:virtual-machines; compare needs two different ones"


def test_stats_prints_the_report(build_dir):
    out = virtkg("stats", "--out", str(build_dir)).stdout
    assert "triples" in out and "facts in 000" in out
    report = json.loads(virtkg("stats", "--out", str(build_dir), "--json").stdout)
    assert report["build_id"] in out
