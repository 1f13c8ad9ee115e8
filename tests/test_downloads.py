"""Published like a vocabulary: the downloads are complete and stable, VoID and DCAT describe them,
the ontology answers under its version IRI, and OWL tools load it by its IRI from our server."""

import shutil

import pyoxigraph as ox
import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from conftest import Server

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
ONTOLOGY = "https://w3id.org/virtkg/ontology"


def test_every_download_is_listed_and_whole(server, store):
    listing = requests.get(server.url + "/downloads.json").json()
    assert listing["version"] == "0.1.0" and "CC BY 4.0" in listing["citation"]
    files = {f["name"]: f for f in listing["files"]}
    assert set(files) == {"virtkg.trig", "virtkg.nq", "mappings.sssom.tsv"}
    for name, parser in (("virtkg.trig", ox.RdfFormat.TRIG), ("virtkg.nq", ox.RdfFormat.N_QUADS)):
        r = requests.get(files[name]["url"])
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(files[name]["mediaType"])
        assert len(r.content) == files[name]["bytes"]
        assert len(list(ox.parse(r.content, format=parser))) == store.report["quads"], name
    assert requests.get(files["mappings.sssom.tsv"]["url"]).text.startswith("# curie_map:")
    for entry in listing["ontology"] + listing["versioned"]:
        r = requests.get(entry["url"])
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(entry["mediaType"])
    missing = requests.get(server.url + "/downloads/virtkg.zip", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and "virtkg.trig" in missing.json()["error"]


def test_a_build_without_its_dumps_lists_what_it_has(build_dir, tmp_path):
    """Found with the bench's sized builds, which have no dumps: the listing and VoID were 500."""
    copy = tmp_path / "build"
    shutil.copytree(build_dir, copy, symlinks=True)
    shutil.rmtree(copy / "current" / "dumps")
    bare = Server(copy)
    try:
        listing = requests.get(bare.url + "/downloads.json").json()
        assert [f["name"] for f in listing["files"]] == ["mappings.sssom.tsv"]
        gone = requests.get(bare.url + "/downloads/virtkg.trig", headers={"Accept": "application/json"})
        assert gone.status_code == 404 and "mappings.sssom.tsv" in gone.json()["error"]
        void = Graph().parse(data=requests.get(bare.url + "/.well-known/void", headers={"Accept": "text/turtle"}).text,
                             format="turtle")
        assert not list(void.objects(None, VOID.dataDump)) and list(void.objects(None, DCAT.distribution))
    finally:
        bare.stop()


def test_the_downloads_page_says_how_to_cite(server):
    page = requests.get(server.url + "/downloads", headers={"Accept": "text/html"}).text
    assert 'href="http://127.0.0.1' in page and "How to cite" in page and "owl:imports" in page


def test_void_and_dcat_describe_the_dataset(server, store):
    r = requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.headers["Content-Type"].startswith("text/turtle")
    void = Graph().parse(data=r.text, format="turtle")
    dataset = next(void.subjects(RDF.type, VOID.Dataset))
    assert int(void.value(dataset, VOID.triples)) == store.report["triples"]
    assert int(void.value(dataset, VOID.classes)) > 50 and int(void.value(dataset, VOID.properties)) > 50
    assert str(void.value(dataset, VOID.sparqlEndpoint)) == server.url + "/sparql"
    subsets = {str(s): int(void.value(s, VOID.triples)) for s in void.objects(dataset, VOID.subset)}
    assert subsets == {g: n for g, n in store.report["triples_per_graph"].items() if g.startswith("https://")}
    assert len(list(void.objects(dataset, VOID.exampleResource))) >= 3
    assert str(void.value(dataset, URIRef("http://purl.org/dc/terms/license"))).startswith("https://creativecommons.org/")
    for distribution in void.objects(dataset, DCAT.distribution):
        url = str(void.value(distribution, DCAT.downloadURL))
        assert requests.head(url).status_code == 200, url


def test_the_version_iri_answers_with_this_version(server):
    current = requests.get(server.url + "/ontology.ttl").content
    assert requests.get(server.url + "/ontology/0.1.0.ttl").content == current
    assert requests.get(server.url + "/ontology/0.1.0", headers={"Accept": "text/turtle"}).content == current
    assert requests.get(server.url + "/ontology/9.9.9.ttl").status_code == 404


def test_owlready2_loads_the_ontology_by_its_iri_from_our_server(server):
    from owlready2 import World
    world = World()
    onto = world.get_ontology(server.url + "/ontology").load()  # a plain GET, no Accept: RDF/XML
    assert world.search_one(iri=ONTOLOGY + "/Type1Hypervisor") is not None
    assert len(list(onto.classes())) > 50


def test_an_enterprise_ontology_that_imports_ours_loads_and_reasons(server, tmp_path):
    """Its owl:imports names our public IRI; as w3id.org would, the test points that IRI at our server."""
    from owlready2 import PREDEFINED_ONTOLOGIES, World, sync_reasoner_hermit
    ex = Namespace("https://example.org/enterprise#")
    vkg = Namespace(ONTOLOGY + "/")
    theirs = Graph()
    theirs.add((URIRef("https://example.org/enterprise"), RDF.type, OWL.Ontology))
    theirs.add((URIRef("https://example.org/enterprise"), OWL.imports, URIRef(ONTOLOGY)))
    theirs.add((ex.ProductionHypervisor, RDF.type, OWL.Class))
    theirs.add((ex.ProductionHypervisor, RDFS.subClassOf, vkg.Type1Hypervisor))
    theirs.add((ex.ProductionHypervisor, RDFS.label, Literal("production hypervisor")))
    theirs.add((ex.host42, RDF.type, ex.ProductionHypervisor))
    path = tmp_path / "enterprise.owl"
    theirs.serialize(path, format="xml")
    PREDEFINED_ONTOLOGIES[ONTOLOGY + "/"] = server.url + "/ontology"
    try:
        world = World()
        world.get_ontology(path.as_uri()).load()
        sync_reasoner_hermit(world, debug=0)
        host = world.search_one(iri=str(ex.host42))
        assert world.search_one(iri=str(vkg.Hypervisor)) in host.INDIRECT_is_a
    finally:
        del PREDEFINED_ONTOLOGIES[ONTOLOGY + "/"]
