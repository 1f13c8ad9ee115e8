"""The site as people use it, in headless Debian Chromium: search, a concept page, a source badge,
compare and the advisor, with no console errors and nothing fetched from another origin (the `page`
fixture checks both); axe-core (from the npm registry) finds no serious or critical accessibility
violation on any page type; a screenshot of each page type is kept as a test artifact."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("VIRTKG_ARTIFACTS", ROOT / "test-artifacts")) / "pages"

PAGE_TYPES = {
    "home": "/", "concept": "/resource/kvm", "class": "/ontology/Type1Hypervisor", "claims": "/resource/containers",
    "document": "/source/002", "section": "/source/002/4-performance", "graph": "/graph/002/4-performance",
    "sources": "/source", "ontology": "/ontology", "search": "/search?list=&q=hypervisor",
    "compare": "/compare?a=virtual+machines&b=containers", "advise": "/advise?need=untrusted+code",
    "not-found": "/resource/kvmm", "sparql": "/sparql", "api": "/api", "api-query": "/api/hypervisors",
}


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_search_a_concept_a_badge_and_back(server, page):
    page.goto(server.url + "/")
    box = page.get_by_label("Find a concept")
    box.press_sequentially("bare-metal hyp", delay=20)
    # A slow machine may fetch suggestions for a prefix first ("ba"); wait for those of the whole text.
    expect(page.locator("#site-search-suggestions option[value='Type 1 hypervisor']")).to_have_count(1)
    box.fill("bare-metal hypervisor")
    box.press("Enter")
    page.wait_for_url(server.url + "/ontology/Type1Hypervisor")
    assert page.locator("h1").inner_text() == "Type 1 hypervisor"
    page.locator("dd a", has_text="KVM").first.click()
    page.wait_for_url(server.url + "/resource/kvm")
    shoot(page, "concept-kvm")
    types = page.locator("dt#out-type + dd, dt#out-type ~ dd").all_inner_texts()
    assert any(t.startswith("Type 1 hypervisor") for t in types)
    assert page.locator("dd", has_text="Linux kernel").count() >= 1
    type1 = page.locator("dd", has=page.locator("a[href='/ontology/Type1Hypervisor']")).first
    documents = {b.split(" ")[0] for b in type1.locator("a.badge").all_inner_texts()}
    assert {"001", "004"} <= documents, "the two documents that say KVM is a Type 1 hypervisor"
    type1.locator("a.badge[href='/source/004/type-1-hypervisor']").click()
    page.wait_for_url(server.url + "/source/004/type-1-hypervisor")
    assert page.get_by_role("heading", name="Facts from this section").is_visible()
    assert page.locator("table.facts a[href='/resource/kvm']").count() >= 1
    page.go_back()
    page.wait_for_url(server.url + "/resource/kvm")


def test_compare_shows_each_sources_startup_time(server, page):
    page.goto(server.url + "/compare")
    page.get_by_label("First technology").fill("virtual machines")
    page.get_by_label("Second technology").fill("containers")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/compare?a=virtual+machines&b=containers")
    chart = page.locator("figure.chart", has=page.locator("title", has_text="startup time"))
    texts = " ".join(chart.locator("svg text").all_text_contents())
    for value in ("30-90 seconds", "1-5 seconds", "minutes", "milliseconds"):
        assert value in texts
    assert chart.locator("rect").count() >= 2, "bars where the source gives numbers"
    shoot(page, "compare")


def test_the_advisor_ranks_isolation_for_untrusted_code(server, page):
    page.goto(server.url + "/advise")
    page.get_by_label("untrusted code").check()
    page.get_by_role("button", name="Rank the options").click()
    page.wait_for_selector("ol.ranking")
    ranked = page.locator("ol.ranking > li h3 a").all_inner_texts()
    assert ranked.index("containers") > max(ranked.index("VM-isolated containers"), ranked.index("virtual machines"))
    reasons = page.locator("ol.ranking > li").first.locator("ul.reasons li")
    assert reasons.count() >= 1 and all(r.locator("a.badge").count() >= 1 for r in reasons.all())
    shoot(page, "advise")


@pytest.mark.parametrize("name,path", PAGE_TYPES.items())
def test_no_serious_accessibility_violation(server, page, name, path):
    page.goto(server.url + path)
    if name == "not-found":
        page.problems.remove("Failed to load resource: the server responded with a status of 404 (Not Found)")
    if name == "sparql":
        page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the test, not served: the page's CSP stays strict
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    shoot(page, name)
    assert serious == []
