"""`virtkg publish --endpoint URL`: push every named graph of the current build into a SPARQL 1.1
store over the Graph Store HTTP Protocol (one PUT per graph, N-Triples), then ask the store, over the
SPARQL protocol (SPARQLWrapper), how many triples each graph holds and compare.

Where the store needs credentials they come from the environment (VIRTKG_STORE_USER and
VIRTKG_STORE_PASSWORD), sent as the store asks for them (HTTP Basic or Digest)."""

import os
from dataclasses import dataclass
from typing import Callable

import pyoxigraph as ox
import requests
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from kg.errors import InputError
from kg.remote import MERGED
from kg.store import named_quads

TIMEOUT = 300
COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
# Where common stores keep their graph store beside their query endpoint.
GRAPH_STORES = {"/query": "/store", "/sparql": "/sparql-graph-crud-auth"}


@dataclass(frozen=True)
class Count:
    graph: str
    ours: int
    theirs: int

    @property
    def matches(self) -> bool:
        return self.ours == self.theirs


def graph_store_for(endpoint: str) -> str:
    for query, store in GRAPH_STORES.items():
        if endpoint.rstrip("/").endswith(query):
            return endpoint.rstrip("/")[: -len(query)] + store
    raise InputError(f"cannot tell where the graph store of {endpoint} is; give it with --graph-store")


def _credentials():
    user, password = os.environ.get("VIRTKG_STORE_USER"), os.environ.get("VIRTKG_STORE_PASSWORD")
    return (user, password) if user and password is not None else None


def _put(session: requests.Session, url: str, graph: str, body: bytes) -> None:
    """PUT one graph; on a 401, once more with the credentials, in the scheme the store asks for."""
    headers = {"Content-Type": "application/n-triples"}
    response = session.put(url, params={"graph": graph}, data=body, headers=headers, timeout=TIMEOUT)
    credentials = _credentials()
    if response.status_code == 401 and credentials and session.auth is None:
        digest = "digest" in response.headers.get("WWW-Authenticate", "").lower()
        session.auth = (HTTPDigestAuth if digest else HTTPBasicAuth)(*credentials)
        response = session.put(url, params={"graph": graph}, data=body, headers=headers, timeout=TIMEOUT)
    if response.status_code >= 300:
        hint = "; set VIRTKG_STORE_USER and VIRTKG_STORE_PASSWORD" if response.status_code == 401 and not credentials else ""
        raise InputError(f"the graph store at {url} refused graph {graph}: HTTP {response.status_code}{hint} "
                         f"{' '.join(response.text.split())[:200]}".rstrip())


def counts(endpoint: str) -> dict[str, int]:
    """Triples per named graph, as the store at `endpoint` counts them."""
    client = SPARQLWrapper(endpoint)
    client.setQuery(COUNTS)
    client.setReturnFormat(JSON)
    client.setMethod(POST)
    client.setTimeout(TIMEOUT)
    if (credentials := _credentials()):
        client.setCredentials(*credentials)
    try:
        bindings = client.queryAndConvert()["results"]["bindings"]
    except Exception as e:  # noqa: BLE001 - SPARQLWrapper raises urllib's and its own errors
        raise InputError(f"the store at {endpoint} did not answer a count: {' '.join(str(e).split())[:200]}") from None
    return {b["g"]["value"]: int(b["n"]["value"]) for b in bindings}


def publish(store: ox.Store, endpoint: str, graph_store: str | None = None,
            progress: Callable[[str], None] = lambda graph: None) -> list[Count]:
    """Every named graph of `store` into the remote store, then the counts of both, graph by graph."""
    url = graph_store or graph_store_for(endpoint)
    graphs: dict[str, list[ox.Triple]] = {}
    for q in named_quads(store):
        graphs.setdefault(q.graph_name.value, []).append(ox.Triple(q.subject, q.predicate, q.object))
    # The default graph as virtkg serves it (the merge, each triple once), as a graph of its own: stores
    # differ in what their default graph is, so `serve --store` names this one in every query.
    graphs[MERGED] = list(dict.fromkeys(t for triples in list(graphs.values()) for t in triples))
    session = requests.Session()
    try:
        for graph, triples in sorted(graphs.items()):
            _put(session, url, graph, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
            progress(graph)
    except requests.RequestException as e:
        raise InputError(f"cannot reach the graph store at {url}: {' '.join(str(e).split())[:200]}") from None
    theirs = counts(endpoint)
    return [Count(graph, len(set(triples)), theirs.get(graph, 0)) for graph, triples in sorted(graphs.items())]
