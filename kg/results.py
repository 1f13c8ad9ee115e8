"""Turn query results into what a terminal or a pipe wants: an aligned table, or the engine's own
SPARQL JSON/CSV/TSV (and Turtle/JSON-LD for graph results), serialised natively by Oxigraph."""

import pyoxigraph as ox

from kg.errors import QueryError
from kg.namespaces import curie

SOLUTION_FORMATS = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV,
                    "tsv": ox.QueryResultsFormat.TSV, "xml": ox.QueryResultsFormat.XML}
GRAPH_FORMATS = {"table": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE,
                 "json": ox.RdfFormat.JSON_LD, "ntriples": ox.RdfFormat.N_TRIPLES}
FORMATS = sorted({"table", *SOLUTION_FORMATS, *GRAPH_FORMATS})


def cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return curie(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell, a rule under the header, and a row count."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def render(results, fmt: str) -> str:
    if isinstance(results, ox.QueryBoolean):
        if fmt == "table":
            return "true" if bool(results) else "false"
        return _serialise(results, SOLUTION_FORMATS, fmt, "a yes/no answer")
    if isinstance(results, ox.QuerySolutions):
        if fmt == "table":
            names = [v.value for v in results.variables]
            return table(names, [[cell(row[n]) for n in names] for row in results])
        return _serialise(results, SOLUTION_FORMATS, fmt, "a table of solutions")
    if fmt not in GRAPH_FORMATS:
        raise QueryError(f"format {fmt!r} does not fit triples; use one of: {', '.join(sorted(GRAPH_FORMATS))}")
    return ox.serialize(results, format=GRAPH_FORMATS[fmt]).decode("utf-8")


def _serialise(results, formats: dict, fmt: str, what: str) -> str:
    if fmt not in formats:
        raise QueryError(f"format {fmt!r} does not fit {what}; use one of: table, {', '.join(sorted(formats))}")
    return results.serialize(format=formats[fmt]).decode("utf-8")
