"""The browsable site over HTTP: every IRI of ours that the graph mentions answers as a page and in
every RDF form, by Accept (q-values) and by suffix; unknown names are a 404 with the nearest ones;
pages say who says so; hostile labels are escaped; search finds what people call things."""

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox
import pytest
import requests
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from api.pages.describe import IN_PAGE
from kg import queryfile
from tests.conftest import ROOT, Server, write_build

BASE = "https://w3id.org/virtkg/"
HTML = {"Accept": "text/html"}
FORMS = [  # media type, suffix, rdflib parser, carries graphs
    ("text/turtle", "ttl", "turtle", False), ("application/n-triples", "nt", "nt", False),
    ("application/rdf+xml", "rdf", "xml", False), ("application/ld+json", "jsonld", "json-ld", False),
    ("application/trig", "trig", "trig", True), ("application/n-quads", "nq", "nquads", True),
]


def our_iris(store) -> set[str]:
    found = set()
    for q in store.store:
        for term in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
                found.add(term.value)
    return found


def test_every_iri_the_graph_mentions_answers_as_a_page(server, store):
    iris = sorted(our_iris(store))
    assert len(iris) > 700
    session = requests.Session()

    def fetch(iri):
        r = session.get(server.url + "/" + iri[len(BASE):], headers=HTML, timeout=30)
        return iri, r.status_code, r.headers.get("Content-Type", "")

    with ThreadPoolExecutor(4) as pool:
        failed = [(iri, status) for iri, status, kind in pool.map(fetch, iris)
                  if status != 200 or not kind.startswith("text/html")]
    assert failed == []


def test_class_counts_are_the_distinct_members_that_are_not_classes_themselves(store):
    """class-counts.rq counts from the index (no DISTINCT, punned members taken off by a second branch):
    it must agree with the plain reading, member by member, on a graph where some members are classes."""
    plainly = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?class (COUNT(DISTINCT ?member) AS ?members)
        WHERE { ?member a ?class . ?class a owl:Class . FILTER NOT EXISTS { ?member a owl:Class } } GROUP BY ?class"""
    counted = queryfile.read(ROOT / "kg" / "reports" / "class-counts.rq").text
    expected = {r["class"].value: int(r["members"].value) for r in store.query(plainly)}
    got = {r["class"].value: int(r["members"].value) for r in store.query(counted)}
    assert {c: n for c, n in got.items() if n} == expected
    punned = "PREFIX owl: <http://www.w3.org/2002/07/owl#> ASK { ?m a owl:Class ; a ?c . ?c a owl:Class }"
    assert store.query(punned), "the graph must have members that are classes for this test to mean anything"


@pytest.mark.parametrize("media_type,suffix,parser,graphs", FORMS)
def test_a_resource_in_every_form_by_accept_and_by_suffix(server, media_type, suffix, parser, graphs):
    by_accept = requests.get(server.url + "/resource/kvm", headers={"Accept": media_type})
    by_suffix = requests.get(server.url + f"/resource/kvm.{suffix}")
    for r in (by_accept, by_suffix):
        assert r.status_code == 200
        assert r.headers["Content-Type"].split(";")[0] == media_type
    assert by_accept.content == by_suffix.content
    assert "Accept" in by_accept.headers["Vary"]
    kvm, type1 = URIRef(BASE + "resource/kvm"), URIRef(BASE + "ontology/Type1Hypervisor")
    section = URIRef(BASE + "source/004/type-1-hypervisor")
    if graphs:  # each statement in the named graph of the section that states it
        data = Dataset().parse(data=by_accept.content, format=parser)
        stating = {g for _, _, _, g in data.quads((kvm, RDF.type, type1, None))}
        assert URIRef(BASE + "graph/004/type-1-hypervisor") in stating and len(stating) >= 2
    else:  # the statement once, and reified with the sections that state it
        data = Graph().parse(data=by_accept.content, format=parser)
        assert (kvm, RDF.type, type1) in data
        statements = [s for s in data.subjects(RDF.subject, kvm)
                      if (s, RDF.predicate, RDF.type) in data and (s, RDF.object, type1) in data]
        assert len(statements) == 1
        assert section in set(data.objects(statements[0], DCTERMS.source))


def test_accept_q_values_choose_the_form(server):
    r = requests.get(server.url + "/resource/kvm", headers={"Accept": "text/html;q=0.4, text/turtle;q=0.9"})
    assert r.headers["Content-Type"].startswith("text/turtle")
    r = requests.get(server.url + "/resource/kvm", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})  # a browser's
    assert r.headers["Content-Type"].startswith("text/html")


def test_every_page_advertises_its_machine_forms(server):
    r = requests.get(server.url + "/resource/kvm", headers=HTML)
    links = requests.utils.parse_header_links(r.headers["Link"])
    assert {link["type"] for link in links} == {m for m, *_ in FORMS}
    assert all(link["rel"] == "alternate" and link["url"].startswith(server.url + "/resource/kvm.") for link in links)
    for media_type, suffix, *_ in FORMS:
        assert f'<link rel="alternate" type="{media_type}" href="/resource/kvm.{suffix}">' in r.text
    for path, machine in (("/compare?a=kvm&b=containers", "/api/compare?a=vkr:kvm&b=vkr:containers"),
                          ("/advise?need=untrusted+code", "/api/advise?need=vkr:untrusted-code"),
                          ("/search?list=&q=kvm", "/search.json?q=kvm")):
        r = requests.get(server.url + path, headers=HTML)
        links = {link["type"]: link["url"] for link in requests.utils.parse_header_links(r.headers["Link"])}
        assert links["application/json"].replace("%3A", ":") == server.url + machine
        assert requests.get(links["application/json"]).status_code == 200


def test_an_unknown_name_is_a_404_naming_the_nearest(server):
    r = requests.get(server.url + "/resource/kvmm", headers=HTML)
    assert r.status_code == 404 and 'href="/resource/kvm"' in r.text
    r = requests.get(server.url + "/resource/kvmm", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert {"label": "KVM", "url": "/resource/kvm"} in r.json()["suggestions"]
    assert requests.get(server.url + "/resource/kvmm.ttl").status_code == 404


def test_the_concept_page_says_who_says_so(server):
    page = requests.get(server.url + "/resource/kvm", headers=HTML).text
    assert "<h1>KVM</h1>" in page
    assert "Kernel-based Virtual Machine" in page  # its alt label
    type_statement = re.search(r'<dd><a href="/ontology/Type1Hypervisor">Type 1 hypervisor</a>(.*?)</dd>', page).group(1)
    assert 'href="/source/001/types-of-hypervisor"' in type_statement
    assert 'href="/source/004/type-1-hypervisor"' in type_statement
    assert re.search(r'<dd><a href="/resource/linux-kernel">Linux kernel</a>', page)  # what it is part of
    breadcrumbs = re.search(r'aria-label="Type: Type 1 hypervisor"><ol>(.*?)</ol>', page).group(1)
    assert [label for label in re.findall(r">([^<>]+)</a>", breadcrumbs)] == ["entity", "technology", "software", "hypervisor", "Type 1 hypervisor"]
    assert re.search(r"inferred · (type-closure|HermiT)", page), "inferred statements are marked with what added them"
    assert 'href="/sparql?query=DESCRIBE' in page


def test_the_rule_that_inferred_a_statement_is_named(server, store):
    assert store.inferred_by, "the build records what added each inferred triple"
    assert set(store.inferred_by.values()) <= {"HermiT", "type-closure", "subproperty-closure", "inverse-properties", "claim-bounds", "claim-disputes"}


def test_a_compared_technology_shows_its_claims_by_dimension(server):
    page = requests.get(server.url + "/resource/containers", headers=HTML).text
    assert 'id="dimension-startup-time"' in page
    assert "startup time: each source's value (second)" in page
    assert 'class="flag"' in page


def test_a_concept_page_flags_the_same_disputes_as_the_compare_query(server):
    page = requests.get(server.url + "/resource/containers", headers=HTML).text
    flagged = len(re.findall(r'<tr class="disputed">', page))
    rows = requests.get(server.url + "/api/compare", params={"a": "containers", "b": "kvm", "limit": "1000"}).json()["rows"]
    expected = [r for r in rows if r["technology"].endswith("/containers")]
    assert len(re.findall(r"<tr(?: class=\"disputed\")?>\s*<td>", page.split('id="claims-heading"')[1].split('id="statements-heading"')[0])) == len(expected)
    assert flagged == sum(r["disputed"] for r in expected) > 0


def test_a_claim_with_only_a_floor_reads_as_one_not_as_none(server):
    """Regression: document 004 gives containers' traffic spikes a floor and no ceiling ("more than
    100x"); the compare and concept pages printed "(100None times)"."""
    for path in ("/compare?a=vm&b=containers", "/resource/containers"):
        page = requests.get(server.url + path, headers=HTML).text
        assert "None" not in page
        assert re.search(r"more than 100x normal traffic ?<[^≥]*?≥ 100 times", page, re.S), path
    assert "(1.5–2 times)" in requests.get(server.url + "/compare?a=vm&b=containers", headers=HTML).text


def test_a_class_page_lists_subclasses_and_instances(server):
    page = requests.get(server.url + "/ontology/Hypervisor", headers=HTML).text
    assert re.search(r"<dt[^>]*>Subclasses", page) and 'href="/ontology/Type1Hypervisor"' in page
    page = requests.get(server.url + "/ontology/Type1Hypervisor", headers=HTML).text
    assert re.search(r"<dt[^>]*>Instances", page) and 'href="/resource/kvm"' in page


def test_source_pages_list_sections_in_order_and_their_facts(server):
    doc = requests.get(server.url + "/source/002", headers=HTML).text
    sections = re.findall(r'<li class="level-\d"><a href="/source/002/([^"]+)">', doc)
    assert sections[:3] == ["intro", "architectural-differences", "virtual-machine-architecture"]
    section = requests.get(server.url + "/source/002/4-performance", headers=HTML).text
    assert "Facts from this section" in section and 'href="/graph/002/4-performance"' in section
    assert 'href="/source/002"' in section


def test_the_ontology_documentation(server):
    page = requests.get(server.url + "/ontology", headers=HTML).text
    for anchor in ("metadata", "classes", "hierarchy", "object-properties", "datatype-properties", "individuals",
                   "prefixes", "downloads", "import"):
        assert f'id="{anchor}"' in page
    assert "owl:imports &lt;https://w3id.org/virtkg/ontology&gt;" in page
    assert re.search(r'<tr id="aboutTechnology">.*?href="/ontology/Claim"', page, re.S)


def test_the_ontology_iri_gives_owl_tools_the_ontology(server):
    r = requests.get(server.url + "/ontology", headers={"Accept": "application/rdf+xml"})
    assert r.headers["Content-Type"].startswith("application/rdf+xml")
    graph = Graph().parse(data=r.content, format="xml")
    assert (URIRef(BASE + "ontology"), RDF.type, OWL.Ontology) in graph
    assert (URIRef(BASE + "ontology/Type1Hypervisor"), RDF.type, OWL.Class) in graph
    assert not list(graph.subjects(RDF.type, RDF.Statement)), "the ontology as it is, nothing added"


def test_search_finds_what_people_call_things(server):
    def top(q):
        return requests.get(server.url + "/search.json", params={"q": q}).json()["results"][0]["iri"]
    assert top("bare-metal hypervisor") == BASE + "ontology/Type1Hypervisor"
    assert top("VMM") == BASE + "ontology/Hypervisor"
    assert top("kata") == BASE + "resource/kata-containers"
    r = requests.get(server.url + "/search", params={"q": "bare-metal hypervisor"}, headers=HTML, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("/ontology/Type1Hypervisor")
    listing = requests.get(server.url + "/search", params={"q": "hypervisor", "list": ""}, headers=HTML).text
    assert '<ol class="results">' in listing and 'href="/ontology/Hypervisor"' in listing
    assert requests.get(server.url + "/search.json", params={"q": "x", "limit": "٣"}).status_code == 400


def test_compare_and_advise_pages(server):
    page = requests.get(server.url + "/compare", params={"a": "virtual machines", "b": "containers"}, headers=HTML).text
    assert "startup time: each source's value (second)" in page
    advice = requests.get(server.url + "/advise", params={"need": "untrusted code"}, headers=HTML).text
    ranked = re.findall(r'<li><h3><a href="/resource/([^"]+)">', advice)
    assert ranked.index("containers") > max(ranked.index("vm-isolated-containers"), ranked.index("virtual-machines"))
    assert requests.get(server.url + "/compare", params={"a": "no such thing"}, headers=HTML).status_code == 400


def test_api_pages_link_to_our_own_pages(server):
    page = requests.get(server.url + "/api/hypervisors", headers=HTML).text
    assert 'href="/resource/kvm"' in page and 'href="https://w3id.org/' not in page


def test_html_pages_carry_the_security_headers(server):
    for path in ("/", "/resource/kvm", "/ontology", "/search?q=kvm&list=", "/compare", "/advise", "/source"):
        r = requests.get(server.url + path, headers=HTML)
        assert r.status_code == 200, path
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Referrer-Policy"] == "no-referrer"
        assert "<script>" not in r.text, "no inline script"


HOSTILE = '<script>alert("x")</script> & \'quoted\' "label"'


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory, store):
    """The shipped graph plus a resource whose label, alt label and definition are hostile."""
    evil = ox.NamedNode(BASE + "resource/evil")
    graph = ox.NamedNode(BASE + "graph/002/intro")
    p = lambda ns, local: ox.NamedNode(ns + local)  # noqa: E731
    rdfs, skos = "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2004/02/skos/core#"
    extra = [ox.Quad(evil, p(rdfs, "label"), ox.Literal(HOSTILE), graph),
             ox.Quad(evil, p(skos, "altLabel"), ox.Literal("</title><img src=x onerror=alert(1)>"), graph),
             ox.Quad(evil, p(skos, "definition"), ox.Literal("<b>bold</b> {{ 7*7 }}"), graph),
             ox.Quad(evil, p(str(RDF), "type"), ox.NamedNode(BASE + "ontology/Hypervisor"), graph),
             ox.Quad(evil, ox.NamedNode(BASE + "ontology/manages"), ox.NamedNode(BASE + "resource/virtual-machines"), graph)]
    out = write_build(tmp_path_factory.mktemp("hostile"), [*(q for q in store.store.quads_for_pattern(None, None, None, None)
                                                              if not isinstance(q.graph_name, ox.DefaultGraph)), *extra],
                      store.report, "hostile")
    running = Server(out)
    yield running
    running.stop()


@pytest.mark.parametrize("path", ["/resource/evil", "/ontology/Hypervisor", "/resource/virtual-machines",
                                  "/search?list=&q=alert", "/graph/002/intro", "/source/002/intro"])
def test_hostile_labels_are_escaped(hostile_server, path):
    page = requests.get(hostile_server.url + path, headers=HTML).text
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quoted&#39;" in page
    if path == "/resource/evil":
        assert "&lt;b&gt;bold&lt;/b&gt; {{ 7*7 }}" in page, "markup and template syntax in data stay text"
        assert "&lt;/title&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    suggestions = requests.get(hostile_server.url + "/search.json", params={"q": "alert"}).json()
    assert suggestions["results"][0]["label"] == HOSTILE


INSTANCES = 2 * IN_PAGE + IN_PAGE // 2  # more links into one class than two pages show


@pytest.fixture(scope="module")
def inventory_server(tmp_path_factory, store):
    """The shipped graph plus an inventory, in its own graph, of INSTANCES hypervisors in our namespace."""
    graph = ox.NamedNode(BASE + "graph/extra/inventory")
    hypervisor = ox.NamedNode(BASE + "ontology/Type1Hypervisor")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    extra = [q for n in range(INSTANCES) for q in (
        ox.Quad(ox.NamedNode(f"{BASE}resource/inventory/host-{n}"), ox.NamedNode(str(RDF.type)), hypervisor, graph),
        ox.Quad(ox.NamedNode(f"{BASE}resource/inventory/host-{n}"), label, ox.Literal(f"KVM host {n}"), graph))]
    out = write_build(tmp_path_factory.mktemp("inventory"), [*(q for q in store.store.quads_for_pattern(None, None, None, None)
                                                               if not isinstance(q.graph_name, ox.DefaultGraph)), *extra],
                      store.report, "inventory")
    running = Server(out)
    yield running
    running.stop()


def test_a_class_with_thousands_of_instances_is_paged(inventory_server):
    """Found at 10^6 triples: the Type 1 hypervisor page listed 5,000 instances (1.3 MB, 300 ms) and cut the rest."""
    def links(page: int) -> set[str]:
        html = requests.get(inventory_server.url + f"/ontology/Type1Hypervisor?page={page}", headers=HTML).text
        return set(re.findall(r'href="(/resource/inventory/host-\d+)"', html)), html
    first, html = links(1)
    assert 'rel="next" href="?page=2' in html and 'rel="prev"' not in html
    assert "Type 1 hypervisor" in html and "/resource/kvm" in html, "the class and its documented products still show"
    second, _ = links(2)
    last, html_last = links(3)
    assert all(IN_PAGE - 50 < len(links) <= IN_PAGE for links in (first, second)), "a page of links, not all of them"
    assert not first & second and not second & last and len(first | second | last) == INSTANCES, "every one, once"
    assert 'rel="prev" href="?page=2' in html_last and 'rel="next"' not in html_last
    for bad in ("0", "x", "1001", "１"):
        response = requests.get(inventory_server.url + "/ontology/Type1Hypervisor", params={"page": bad})
        assert response.status_code == 400 and "page must be a whole number" in response.json()["error"]


def test_search_and_the_home_page_read_names_from_our_graphs_only(inventory_server):
    """Found at 10^6 triples: the first page after start-up read every label of the inventory (11 s), and
    search scanned them all on every request. Pages are for our IRIs; an inventory is for SPARQL."""
    found = requests.get(inventory_server.url + "/search.json", params={"q": "KVM"}).json()["results"]
    assert found and found[0]["label"] == "KVM" and not [r for r in found if "host" in r["label"]]
    assert requests.get(inventory_server.url + "/", headers=HTML).status_code == 200
