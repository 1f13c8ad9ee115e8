"""/downloads and /.well-known/void: the graph published like a vocabulary. The ontology's own forms
are its IRI's (api.pages: /ontology.ttl, and under its version IRI, /ontology/0.1.0.ttl); here are the
whole dataset (TriG, N-Quads, written by the build), the SSSOM mapping set, how to cite, and a VoID and
DCAT description of all of it."""

from datetime import date

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request, send_file, url_for

from api import formats, urls
from api.errors import ApiError
from api.pages import read, site as sites
from api.pages.views import cacheable
from kg import mappings
from kg.namespaces import ONTOLOGY_IRI, PREFIXES

blueprint = Blueprint("downloads", __name__)

VOID, DCAT, DCT, FOAF = ("http://rdfs.org/ns/void#", "http://www.w3.org/ns/dcat#", PREFIXES["dcterms"],
                         "http://xmlns.com/foaf/0.1/")
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
EXAMPLES = ("resource/kvm", "resource/containers", "ontology/Type1Hypervisor")


DUMPS = ("virtkg.trig", "virtkg.nq")  # the whole dataset, as the build wrote it


def _files() -> dict[str, tuple]:
    """Download name -> (path, media type, what it holds), for the files this build has (`virtkg build`
    writes the dumps; a build folder made otherwise may lack them)."""
    dumps = read.service().store.path / "dumps"
    files = {
        "virtkg.trig": (dumps / "virtkg.trig", "application/trig",
                        "The whole dataset: every statement in the named graph of the section it comes from"),
        "virtkg.nq": (dumps / "virtkg.nq", "application/n-quads", "The whole dataset, as N-Quads"),
        "mappings.sssom.tsv": (mappings.mapping_file(), "text/tab-separated-values",
                               "The mappings to Wikidata, DBpedia, schema.org and gist (SSSOM)"),
    }
    return {name: entry for name, entry in files.items() if entry[0].is_file()}


def _ontology_forms(base: str) -> list[tuple[formats.Format, str]]:
    return [(f, f"{base}.{f.suffix}") for f in formats.TRIPLES]


def _listing() -> dict:
    site = sites.current()
    files = [{"name": name, "url": url_for("downloads.file", name=name, _external=True), "mediaType": kind,
              "bytes": path.stat().st_size, "description": what} for name, (path, kind, what) in _files().items()]
    ontology = [{"url": request.host_url.rstrip("/") + url, "mediaType": f.media_type}
                for f, url in _ontology_forms(urls.href(str(ONTOLOGY_IRI)))]
    versioned = [{"url": request.host_url.rstrip("/") + url, "mediaType": f.media_type}
                 for f, url in _ontology_forms(urls.href(site.version_iri))] if site.version_iri else []
    return {"version": site.version, "ontology": ontology, "versioned": versioned, "files": files,
            "void": url_for("downloads.void", _external=True), "citation": _citation(site)}


def _citation(site) -> str:
    return (f"The virtkg project ({date.today().year}). virtkg: the virtualization knowledge graph, version "
            f"{site.version}. {site.version_iri or ONTOLOGY_IRI}. Licensed CC BY 4.0.")


@blueprint.route("/downloads")
@blueprint.route("/downloads.json", endpoint="listing_json")
def listing():
    listing = _listing()
    fmt = formats.choose((formats.HTML, formats.PAGES[0]), request.headers.get("Accept"),
                         "page" if request.endpoint == "downloads.listing_json" else None)
    if fmt is not formats.HTML:
        return cacheable(jsonify(listing), "downloads-json")
    response = Response(render_template("downloads.html", listing=listing, title="Downloads",
                                        alternates=[(formats.PAGES[0], url_for("downloads.listing_json"))]),
                        content_type=formats.HTML.content_type)
    return cacheable(response, "downloads-html")


@blueprint.route("/downloads/<name>")
def file(name: str):
    files = _files()
    if name not in files:
        raise ApiError(f"no download named {name!r}; there are: {', '.join(files)} (and /ontology.ttl, .rdf, "
                       f".jsonld, .nt)", 404)
    path, kind, _ = files[name]
    response = send_file(path, mimetype=kind, as_attachment=False, conditional=False, etag=False, max_age=None)
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return cacheable(response, f"download-{name}")


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@blueprint.route("/.well-known/void")
def void():
    """VoID (what the dataset holds and where to query it) and DCAT (how to get it), as RDF."""
    fmt = formats.choose(formats.TRIPLES, request.headers.get("Accept"), request.args.get("format"))
    report = read.service().store.report
    counts = report["counts"]  # counted when the build was written: at 10^7 triples, 9.5 s on a request
    dataset = _node("https://w3id.org/virtkg/graph/")
    a = _node(PREFIXES["rdf"] + "type")
    integer = lambda n: ox.Literal(str(n), datatype=_node(PREFIXES["xsd"] + "integer"))  # noqa: E731
    triples = [(dataset, a, _node(VOID + "Dataset")), (dataset, a, _node(DCAT + "Dataset")),
               (dataset, _node(DCT + "title"), ox.Literal("virtkg: the virtualization knowledge graph", language="en")),
               (dataset, _node(DCT + "license"), _node(LICENSE)),
               (dataset, _node(DCT + "identifier"), ox.Literal(report["build_id"])),
               (dataset, _node(VOID + "sparqlEndpoint"), _node(url_for("sparql.sparql", _external=True))),
               (dataset, _node(VOID + "uriSpace"), ox.Literal("https://w3id.org/virtkg/")),
               (dataset, _node(VOID + "vocabulary"), _node(str(ONTOLOGY_IRI))),
               (dataset, _node(VOID + "triples"), integer(report["triples"])),
               (dataset, _node(VOID + "classes"), integer(counts["classes"])),
               (dataset, _node(VOID + "properties"), integer(counts["properties"])),
               (dataset, _node(VOID + "distinctSubjects"), integer(counts["subjects"])),
               (dataset, _node(VOID + "distinctObjects"), integer(counts["objects"]))]
    triples += [(dataset, _node(VOID + "exampleResource"), _node("https://w3id.org/virtkg/" + e)) for e in EXAMPLES]
    for graph, count in report["triples_per_graph"].items():
        if graph.startswith("https://"):
            subset = _node(graph)
            triples += [(dataset, _node(VOID + "subset"), subset), (subset, a, _node(VOID + "Dataset")),
                        (subset, _node(VOID + "triples"), integer(count))]
    listing = _listing()
    for entry in listing["files"] + listing["ontology"]:
        distribution = _node(entry["url"])
        triples += [(dataset, _node(DCAT + "distribution"), distribution), (distribution, a, _node(DCAT + "Distribution")),
                    (distribution, _node(DCAT + "downloadURL"), distribution),
                    (distribution, _node(DCAT + "mediaType"), ox.Literal(entry["mediaType"])),
                    (distribution, _node(DCT + "license"), _node(LICENSE))]
    dump = next((f["url"] for f in listing["files"] if f["name"] in DUMPS), None)
    if dump:  # the first whole-dataset dump, when the build has one
        triples.append((dataset, _node(VOID + "dataDump"), _node(dump)))
    body = ox.serialize([ox.Triple(*t) for t in triples], format=fmt.rdf,
                        prefixes={**PREFIXES, "void": VOID, "dcat": DCAT, "foaf": FOAF})
    return cacheable(Response(body, content_type=fmt.content_type), f"void-{fmt.name}")
