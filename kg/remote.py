"""A SPARQL 1.1 store reached over the protocol, behind the same `query` the embedded store answers:
the text, our prefixes and base, parameters bound by an inline VALUES block (the protocol has no
substitutions), and the dataset pinned with `default-graph-uri` and `named-graph-uri`, so every query
sees the default graph `virtkg publish` wrote (the merge, each triple once) and our named graphs, as it
would embedded. The answer comes back as SPARQL JSON or N-Triples and is parsed by the engine, so
everything above sees the engine's own result objects."""

import pyoxigraph as ox
import requests

from kg.errors import QueryError
from kg.namespaces import PREFIXES
from kg.sparql_syntax import analyse, with_values

MERGED = "https://w3id.org/virtkg/graph/merged"  # where `virtkg publish` puts the merged default graph
ACCEPT = {False: "application/sparql-results+json", True: "application/n-triples"}


class StoreUnavailable(Exception):
    """The remote store did not answer (down, refusing, or past the time limit)."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class RemoteStore:
    def __init__(self, endpoint: str, graphs: list[str], timeout: float = 30):
        self.endpoint = endpoint
        self.graphs = [g for g in graphs if g != MERGED]
        self.timeout = timeout
        self.session = requests.Session()

    def query(self, text: str, base_iri: str | None = None, prefixes: dict | None = None,
              default_graph: list | None = None, named_graphs: list | None = None,
              substitutions: dict | None = None, timeout: float | None = None):
        triples = analyse(text).returns_triples
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in (prefixes or PREFIXES).items())
        if base_iri:
            prologue = f"BASE <{base_iri}>\n" + prologue
        bound = with_values(text, {v.value: term for v, term in (substitutions or {}).items()})
        form = {"query": prologue + bound,
                "default-graph-uri": [g.value for g in default_graph] if default_graph else [MERGED],
                "named-graph-uri": [g.value for g in named_graphs] if named_graphs else self.graphs}
        limit = timeout or self.timeout
        try:
            response = self.session.post(self.endpoint, data=form, headers={"Accept": ACCEPT[triples]},
                                         timeout=(5, limit))
        except requests.Timeout:
            raise StoreUnavailable(f"the store at {self.endpoint} did not answer within {limit:g} s", True) from None
        except requests.RequestException as e:
            raise StoreUnavailable(f"the store at {self.endpoint} cannot be reached ({type(e).__name__})") from None
        if response.status_code >= 500:
            raise StoreUnavailable(f"the store at {self.endpoint} failed: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise QueryError(f"the store refused the query: HTTP {response.status_code} "
                             f"{' '.join(response.text.split())[:200]}")
        if triples:
            return ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)
        results = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        if isinstance(results, ox.QuerySolutions) and [v.value for v in results.variables] == ["__ASK_RETVAL"]:
            # Virtuoso answers ASK as a one-row table of 1 or 0; as the protocol has it, a boolean
            answer = any(row["__ASK_RETVAL"].value not in ("0", "false") for row in results)
            return ox.parse_query_results(b'{"head":{},"boolean":%s}' % (b"true" if answer else b"false"),
                                          format=ox.QueryResultsFormat.JSON)
        return results
