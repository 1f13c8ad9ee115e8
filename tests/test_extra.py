"""A user's inventory beside the graph (--extra): loaded into its own named graph, checked by our
shapes (a bad file is one clear line per problem, nothing half-loaded), joined with our facts by one
query, on the command line and in a running server."""

import json
import re

import pytest
import requests

from conftest import ROOT, Server, virtkg
from kg import extra
from kg.errors import InputError
from kg.store import current_build

INVENTORY = ROOT / "examples" / "inventory.ttl"


def test_the_inventory_joins_the_sources_on_the_command_line(build_dir):
    out = virtkg("ask", "inventory-risks", "--extra", str(INVENTORY), "--format", "csv", "--out", str(build_dir)).stdout
    rows = out.strip().splitlines()[1:]
    assert {r.split(",")[1] for r in rows} == {"CI runner", "billing system"}, "the sandbox runs in VM-isolated containers"
    ci = [r for r in rows if r.split(",")[1] == "CI runner"]
    assert ci and all("virtual machines" in r and "VM-isolated containers" in r for r in ci)
    assert virtkg("ask", "inventory-risks", "--format", "csv", "--out", str(build_dir)).stdout.strip().count("\n") == 0


def test_the_inventory_is_in_its_own_graph(build_dir):
    out = virtkg("query", "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s vkg:needs ?o } } GROUP BY ?g",
                 "--extra", str(INVENTORY), "--format", "csv", "--out", str(build_dir)).stdout
    assert out.splitlines()[1:] == ["https://w3id.org/virtkg/graph/extra/inventory,4"]


def test_a_broken_inventory_is_refused_with_one_line_per_problem(build_dir, tmp_path):
    typo = tmp_path / "typo.ttl"
    typo.write_text("@prefix vkg: <https://w3id.org/virtkg/ontology/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                    "<https://example.org/a> a vkg:Workloda ; rdfs:label \"a\"@en .\n"
                    "<https://example.org/b> a vkg:Workload ; vkg:needs <https://example.org/x> .\n")
    broken = tmp_path / "broken.ttl"
    broken.write_text("<https://example.org/a> <https://example.org/p> .\n")
    result = virtkg("ask", "inventory-risks", "--extra", str(typo), "--out", str(build_dir), check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert any("Workloda is not a class or property of the virtkg ontology" in line for line in lines)
    assert any("<https://example.org/b>" in line and "rdfs:label" in line for line in lines)
    result = virtkg("query", "ASK {}", "--extra", str(broken), "--out", str(build_dir), check=False)
    assert result.returncode != 0 and str(broken) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = virtkg("query", "ASK {}", "--extra", str(tmp_path / "inventory.xlsx"), "--out", str(build_dir), check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr


def test_the_canned_search_reads_the_builds_graphs_whatever_is_loaded_beside_them(build_dir):
    """Found at 10^6 triples: the search read every label of the merged graph (3 s). It reads the
    build's own graphs through the graph index now, so an inventory neither slows it nor shows in it."""
    def search(text, *extra):
        out = virtkg("ask", "search", f"text={text}", "--format", "csv", *extra, "--out", str(build_dir)).stdout
        return sorted(out.strip().splitlines()[1:])
    ours = search("hypervisor")
    assert len(ours) > 20 and ours == search("hypervisor", "--extra", str(INVENTORY))
    assert search("billing", "--extra", str(INVENTORY)) == []
    everything = virtkg("query", "SELECT ?s WHERE { ?s rdfs:label ?l FILTER CONTAINS(LCASE(STR(?l)), \"billing\") }",
                        "--extra", str(INVENTORY), "--format", "csv", "--out", str(build_dir)).stdout
    assert "billing" in everything.lower(), "the inventory's names are there for SPARQL"


def test_a_server_with_the_inventory_answers_the_join(build_dir):
    server = Server(build_dir, "--extra", str(INVENTORY))
    try:
        rows = requests.get(server.url + "/api/inventory-risks").json()["rows"]
        assert {r["workloadLabel"] for r in rows} == {"CI runner", "billing system"}
        page = requests.get(server.url + "/graph/extra/inventory", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "CI runner" in page.text
        void = requests.get(server.url + "/.well-known/void", headers={"Accept": "application/n-triples"}).text
        subjects = int(re.search(r'void#distinctSubjects> "(\d+)"', void).group(1))
        alone = json.loads((current_build(build_dir) / "report.json").read_text())["counts"]["subjects"]
        assert subjects > alone, "the overlay's counts are its own, not the build's it was made from"
        listing = requests.get(server.url + "/downloads.json").json()
        assert [f["name"] for f in listing["files"]] == ["mappings.sssom.tsv"], "no 'whole dataset' without the inventory"
        assert "void#dataDump" not in void
    finally:
        server.stop()


def test_a_build_with_the_inventory_leaves_it_checked_where_serve_finds_it(tmp_path):
    """`virtkg build --extra` loads and checks the files once, beside the new build; a server started
    with the same files then uses that overlay as it is instead of loading them again."""
    out = tmp_path / "builds"
    built = virtkg("build", "--quiet", "--out", str(out), "--extra", str(INVENTORY))
    assert re.search(r"^extra data: 20 statements from 1 file\(s\) loaded and checked in \d+\.\d s$", built.stderr, re.M)
    server = Server(out, "--extra", str(INVENTORY))
    try:
        rows = requests.get(server.url + "/api/inventory-risks").json()["rows"]
        assert {r["workloadLabel"] for r in rows} == {"CI runner", "billing system"}
    finally:
        server.stop()
    said = server.process.stderr.read()
    assert re.search(r"^extra data: 20 statements from 1 file\(s\) loaded and checked before \(in \d+\.\d s\), used as it is$",
                     said, re.M), said[-500:]


def test_loading_says_what_it_loaded_and_how_long_it_took_and_loads_a_file_once(build_dir, tmp_path):
    """The query commands keep the overlay beside the builds as `serve` does: the next command with the
    same build and files starts at once (at 10^7 statements, loading takes minutes)."""
    mine = tmp_path / "inventory.ttl"
    mine.write_text(INVENTORY.read_text(encoding="utf-8") + "\n# a copy of its own\n", encoding="utf-8")
    first, second = (virtkg("query", "ASK {}", "--extra", str(mine), "--out", str(build_dir)) for _ in range(2))
    assert re.search(r"^extra data: 20 statements from 1 file\(s\) loaded and checked in \d+\.\d s$", first.stderr, re.M)
    assert re.search(r"^extra data: 20 statements from 1 file\(s\) loaded and checked before \(in \d+\.\d s\), used as it is$",
                     second.stderr, re.M), second.stderr
    mine.write_text(mine.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    assert "loaded and checked in" in virtkg("query", "ASK {}", "--extra", str(mine), "--out", str(build_dir)).stderr


def test_a_file_broken_past_the_first_batch_leaves_nothing_behind(build_dir, tmp_path):
    """Files load as a stream, BATCH statements at a time, so a syntax error can come after some are
    written: the half-written overlay is removed and nothing becomes current."""
    broken = tmp_path / "big.nt"
    lines = [f'<https://example.org/w{n}> <http://www.w3.org/2000/01/rdf-schema#label> "w{n}"@en .\n'
             for n in range(extra.BATCH + 10)]
    broken.write_text("".join(lines) + "<https://example.org/oops> <https://example.org/p> .\n")
    out = tmp_path / "overlay"
    with pytest.raises(InputError, match="big.nt"):
        extra.overlay(current_build(build_dir), [broken], out)
    assert not out.exists() or list(out.iterdir()) == [], "no staging folder, no overlay, no current"


def test_naming_an_overlay_reads_a_large_file_a_little_at_a_time(tmp_path):
    """Found loading 10^7 statements: the overlay's name hashed the whole file at once (3 GB resident)."""
    import hashlib
    import tracemalloc
    big = tmp_path / "big.nt"
    big.write_bytes(b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n" * 700_000)
    tracemalloc.start()
    name = extra.digest([big])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 << 20, f"{peak:,} bytes held to hash a {big.stat().st_size:,}-byte file"
    assert name == hashlib.sha256(b"big.nt\0" + big.read_bytes()).hexdigest()[:10], "the same names as before"


def test_overlays_of_files_no_longer_used_are_removed_unless_a_server_holds_one(build_dir, tmp_path):
    """Each overlay is a copy of the graph and its files: an inventory edited again and again would fill
    the disk. The file sets used last stay, and so does any a running server holds."""
    from kg.store import hold
    out, made = tmp_path / "overlays", []
    for n in range(extra.KEEP_OVERLAYS + 2):
        edited = tmp_path / f"edit-{n}" / "inventory.ttl"
        edited.parent.mkdir()
        edited.write_text(INVENTORY.read_text(encoding="utf-8") + f"\n# edit {n}\n", encoding="utf-8")
        made.append(extra.overlay(current_build(build_dir), [edited], out)[0])
        if n == 0:
            held = hold(made[0])  # a server still serving the first edit
    kept = sorted(out.glob(".extra-*/*+extra"))
    assert kept == sorted([made[0], *made[-extra.KEEP_OVERLAYS:]])
    assert not made[1].parent.exists()
    held.close()
