"""How pages read the graph: their `.rq` files, run by the service's query processes (so a page query
has the same time, memory and row limits as any other), answered as rows of plain terms."""

import json
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox
from flask import current_app

from api.executor import Job
from kg import queryfile

QUERIES = Path(__file__).parent / "queries"
# Page queries are ours, not the public's, so the public row cap (VIRTKG_ROW_LIMIT) does not apply: the
# per-build indexes (every class, every source section) must be whole. These bound them instead.
PAGE_ROWS, PAGE_BYTES = 200_000, 64 << 20


class Term(NamedTuple):
    """One value of a result row, as the SPARQL JSON results give it (a tuple: pages make thousands)."""

    value: str
    kind: str                   # "uri", "literal" or "bnode"
    datatype: str | None = None
    lang: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.kind == "uri"

    def engine_term(self) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if self.kind == "uri":
            return ox.NamedNode(self.value)
        if self.kind == "bnode":
            return ox.BlankNode(self.value)
        if self.lang:
            return ox.Literal(self.value, language=self.lang)
        return ox.Literal(self.value, datatype=ox.NamedNode(self.datatype) if self.datatype else None)


@lru_cache(maxsize=None)
def text(name: str) -> str:
    return queryfile.read(QUERIES / f"{name}.rq").text


def service():
    return current_app.extensions["virtkg"]


def select(name: str, limit: int = PAGE_ROWS, offset: int = 0, plain: bool = False,
           **bindings: str | ox.NamedNode) -> list[dict[str, Term]] | list[dict[str, str]]:
    """Rows `offset` to `offset + limit` of page query `name`, with each keyword bound to an IRI (our
    values, never a user's text); `plain` as in `rows`."""
    return rows(text(name), {k: v if isinstance(v, ox.NamedNode) else ox.NamedNode(v) for k, v in bindings.items()},
                f"page:{name}", limit, offset, plain)


def rows(query: str, substitutions: dict, shape: str, limit: int = PAGE_ROWS, offset: int = 0,
         plain: bool = False) -> list[dict[str, Term]] | list[dict[str, str]]:
    """The rows of a SELECT query run by a query process, its variables bound by `substitutions`; the
    process stops the engine once it has the rows asked for. With `plain`, each value is its text alone,
    for readers of claims, which need no more and read thousands of cells."""
    svc = service()
    job = Job(query, "json", limit, PAGE_BYTES, offset=offset,
              substitutions=tuple(sorted(substitutions.items())), shape=shape)
    outcome = svc.answer(job, svc.settings.query_timeout)
    data = json.loads(outcome.body)
    if plain:
        return [{var: t["value"] for var, t in row.items()} for row in data["results"]["bindings"]]
    make = tuple.__new__  # Term's own constructor costs a call per cell; pages read thousands of cells
    return [{var: make(Term, (t["value"], "literal" if t["type"] == "typed-literal" else t["type"],
                             t.get("datatype"), t.get("xml:lang")))
             for var, t in row.items()} for row in data["results"]["bindings"]]
