"""Knowledge an expert would sign: agreement and real disputes, one vote per document in the advisor,
one resource per thing, no stand-ins among products (issue 14). Each test asks the built graph through
the CLI, as a user would."""

import json
from collections import Counter

from conftest import virtkg
from kg import advice

SOURCE = "https://w3id.org/virtkg/source/"


def ask(build_dir, name, *params) -> list[dict]:
    out = virtkg("ask", name, *params, "--format", "json", "--out", str(build_dir)).stdout
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(out)["results"]["bindings"]]


def documents(sources) -> list[str]:
    return sorted({s[len(SOURCE):].split("/")[0] for s in sources})


def test_compare_vm_container_agrees_on_security_and_disputes_startup_time_with_both_sides_sources(build_dir):
    security = virtkg("compare", "vm", "container", "--dimension", "security", "--out", str(build_dir)).stdout
    summary = security.splitlines()[0]
    assert "in dispute" not in summary
    assert "virtual machines agreed: high (000, 001, 002, 003, 004)" in summary
    startup = virtkg("compare", "vm", "container", "--dimension", "startup time", "--out", str(build_dir)).stdout
    assert startup.splitlines()[0] == ("startup time: containers in dispute: milliseconds (000, 001) vs "
                                       "1-5 seconds / seconds (002, 003); virtual machines in dispute: "
                                       "minutes (001, 002, 003) vs 30-90 seconds (002)")
    sides = Counter(line.split()[-1] for line in startup.splitlines()[3:-1])
    assert sides["A"] >= 5 and sides["B"] >= 4, "every claim of each side is listed with its section"


def test_002_internal_vm_boot_conflict_is_flagged(build_dir):
    pairs = ask(build_dir, "disagreements", "technology=virtual machines", "dimension=startup time")
    inside = [p for p in pairs if documents([p["source"], p["otherSource"]]) == ["002"]]
    assert {frozenset((p["value"], p["otherValue"])) for p in inside} == {frozenset(("30-90 seconds", "minutes"))}
    assert len(inside) == 2, "002's benchmark row against each of its two 'minutes' sections"


def test_paraphrases_are_not_listed_as_disagreements(build_dir):
    pairs = ask(build_dir, "disagreements")
    assert not [p for p in pairs if p["dimension"].endswith("/security") and "virtual-machines" in p["technology"]]
    assert all(p["value"].lower() != p["otherValue"].lower() for p in pairs)


def test_the_advisor_counts_one_vote_per_document_per_need(build_dir):
    needs = ["need=legacy application", "need=untrusted code", "need=rapid scaling", "need=microservices"]
    rows = ask(build_dir, "advise", *needs)
    sections = Counter((r["need"], r["technology"], r["stance"], r["document"][:3]) for r in rows)
    assert max(sections.values()) >= 2, "some document speaks to one need in several sections"
    for option in advice.rank(rows):
        for need in option.needs.values():
            said = [(r.stance, r.document) for r in need.reasons]
            assert len(said) == len(set(said)), "one reason per document and stance"
            for r in need.reasons:
                assert len(r.sources) == sections[(need.need, option.technology, r.stance, r.document)]
            assert abs(need.vote) <= 1 and option.score == sum(n.vote for n in option.needs.values())
    cli = virtkg("advise", *[f"--need={n.split('=', 1)[1]}" for n in needs], "--out", str(build_dir)).stdout
    assert "legacy application" in cli and not [line for line in cli.splitlines() if line.count(" 002: ") > 1]


def test_the_advisor_names_kata_for_vm_isolated_containers_and_shows_disputed_needs(build_dir):
    out = virtkg("advise", "--need", "untrusted code", "--out", str(build_dir)).stdout
    ranked = [line for line in out.splitlines() if line[:1].isdigit()]
    assert any(line.startswith(("1. VM-isolated containers", "2. VM-isolated containers")) and "e.g. Kata Containers" in line
               for line in ranked)
    assert ranked[-1].split(". ", 1)[1].startswith(("containers (", "containers in virtual machines ("))


def test_comparing_the_hybrid_approach_finds_what_is_said_of_kata(build_dir):
    rows = ask(build_dir, "compare", "a=VM-isolated containers", "b=containers")
    kata = [r for r in rows if r.get("via", "").endswith("/kata-containers")]
    assert kata and all(r["technology"].endswith("/vm-isolated-containers") for r in kata)
    assert documents(r["source"] for r in kata) == ["003"]


def test_no_resource_is_typed_both_host_and_guest_operating_system(build_dir):
    out = virtkg("query", "--out", str(build_dir), "--format", "json",
                 "PREFIX vkg: <https://w3id.org/virtkg/ontology/> "
                 "ASK { ?os a vkg:HostOperatingSystem , vkg:GuestOperatingSystem }").stdout
    assert json.loads(out)["boolean"] is False


def test_product_lists_hold_products_once_and_no_generic_stand_in(build_dir):
    hypervisors = ask(build_dir, "hypervisors")
    products = [r["product"] for r in hypervisors]
    assert len(products) == len(set(products)), "each product once"
    kvm = next(r for r in hypervisors if r["product"].endswith("/kvm"))
    assert documents(kvm["sources"].split()) == ["001", "002", "004"]
    for row in hypervisors + ask(build_dir, "products"):
        label = row.get("productLabel", "").lower()
        assert "general" not in label and "generic" not in label, row
    stand_ins = virtkg("query", "--out", str(build_dir), "--format", "json",
                       "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?r WHERE { ?r rdfs:label ?l "
                       "FILTER (CONTAINS(LCASE(?l), 'in general') || CONTAINS(LCASE(?l), '(generic)')) }").stdout
    assert json.loads(stand_ins)["results"]["bindings"] == []
