"""Which queries are provably cheap, so the server may answer them itself instead of handing them to a
query process (whose hop costs more than their whole evaluation).

The proof has two halves. From the syntax tree (tree-sitter, as kg.sparql_syntax), an allowlist of
shapes: SELECT, ASK or DESCRIBE over one group of plain triple patterns and at most one VALUES block of
IRIs, no FROM, no FILTER, no OPTIONAL, UNION, sub-query, property path, blank node, GROUP BY or ORDER
BY; and every pattern's subject an IRI, or a variable the VALUES block binds to IRIs. Anything else, or
anything this reading does not recognise, is not bounded. From the store, an upper bound of the work:
each pattern matches at most the statements its subject (and predicate, when constant) has, counted
from the index, and a join of patterns yields at most the product of those counts (times the VALUES
block's rows, when no pattern's subject is its variable); a description adds the statements of each
resource described. That sum bounds both what the query reads and the rows (or triples) it answers. A
query is cheap when it is at most `most`; the count itself stops at `most`, so deciding is cheap too."""

from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Mapping

import pyoxigraph as ox

from kg.namespaces import PREFIXES
from kg.sparql_syntax import syntax_parser

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CONSTANTS = {"iri_reference", "prefixed_name"}
OBJECTS = CONSTANTS | {"var", "rdf_literal", "integer", "decimal", "double", "boolean_literal"}
SEPARATORS = {".", ",", ";", "{", "}", "comment"}


@dataclass(frozen=True)
class Pattern:
    subjects: tuple[str, ...]   # the IRIs the subject can be (one, or a VALUES block's)
    predicate: str | None       # an IRI, or None for a variable


@dataclass(frozen=True)
class Shape:
    patterns: tuple[Pattern, ...]
    described: tuple[str, ...]  # a DESCRIBE's resources
    unjoined: int = 1           # the VALUES block's rows when no pattern's subject is its variable: each is a solution


class _NotBounded(Exception):
    pass


def _only(node, allowed: set[str]) -> list:
    """The node's children other than punctuation, each of an allowed type."""
    children = [c for c in node.children if c.type not in SEPARATORS]
    if any(c.type not in allowed for c in children):
        raise _NotBounded
    return children


def _iri(node, prefixes: Mapping[str, str]) -> str:
    text = node.text.decode("utf-8")
    if node.type == "iri_reference":
        iri = text[1:-1]
        if ":" not in iri or "\\" in iri:  # relative (BASE-dependent) or escaped: not ours to resolve
            raise _NotBounded
        return iri
    prefix, _, local = text.partition(":")
    if prefix not in prefixes or "\\" in local or "%" in local:
        raise _NotBounded
    return prefixes[prefix] + local


def _prefixes(prologue) -> dict[str, str]:
    declared = dict(PREFIXES)
    for declaration in _only(prologue, {"prefix_declaration"}):
        name, iri = [c for c in declaration.children if c.type in ("namespace", "iri_reference")]
        declared[name.text.decode("utf-8").rstrip(":")] = iri.text.decode("utf-8")[1:-1]
    return declared


def _group(group, prefixes) -> tuple[list[Pattern], dict[str, tuple[str, ...]], bool]:
    """The patterns of a WHERE group that holds only a VALUES block and triple patterns, the IRIs the
    VALUES block binds its variable to, and whether a pattern's subject is that variable."""
    values: dict[str, tuple[str, ...]] = {}
    triples = []
    for part in _only(group, {"inline_data", "triples_block"}):
        if part.type == "inline_data":
            block = _only(_only(part, {"VALUES", "data_block"})[-1], {"var"} | CONSTANTS)
            if not block or block[0].type != "var" or len(values) or any(b.type == "var" for b in block[1:]):
                raise _NotBounded
            values[block[0].text.decode("utf-8")[1:]] = tuple(_iri(b, prefixes) for b in block[1:])
        else:
            triples += _only(part, {"triples_same_subject"})
    patterns, joined = [], False
    for triple in triples:
        subject, properties = _only(triple, CONSTANTS | {"var", "property_list"})
        if subject.type == "var":
            subjects = values.get(subject.text.decode("utf-8")[1:])
            if subjects is None:
                raise _NotBounded
            joined = True
        else:
            subjects = (_iri(subject, prefixes),)
        if properties.type != "property_list":
            raise _NotBounded
        for prop in _only(properties, {"property"}):
            verb, objects = _only(prop, {"path_element", "var", "object_list"})
            _only(objects, OBJECTS)
            if verb.type == "var":
                predicate = None
            else:
                (term,) = _only(verb, CONSTANTS | {"a"})
                predicate = RDF_TYPE if term.type == "a" else _iri(term, prefixes)
            patterns.append(Pattern(subjects, predicate))
    return patterns, values, joined


@lru_cache(maxsize=1024)
def shape(text: str) -> Shape | None:
    """The query's patterns if its shape is on the allowlist, else None."""
    root = syntax_parser().parse(text.encode("utf-8")).root_node
    try:
        if root.has_error:
            raise _NotBounded
        parts = _only(root, {"prologue", "select_query", "ask_query", "describe_query"})
        prologue = [p for p in parts if p.type == "prologue"]
        prefixes = _prefixes(prologue[0]) if prologue else dict(PREFIXES)
        (query,) = [p for p in parts if p.type != "prologue"]
        pieces = _only(query, {"select_clause", "where_clause", "solution_modifier", "DESCRIBE", "ASK", "var",
                               "*"} | CONSTANTS)
        where = [p for p in pieces if p.type == "where_clause"]
        patterns, values, joined = _group(_only(where[0], {"WHERE", "group_graph_pattern"})[-1], prefixes) if where else ([], {}, False)
        for piece in pieces:
            if piece.type == "select_clause":
                _only(piece, {"SELECT", "DISTINCT", "REDUCED", "var", "*"})
            elif piece.type == "solution_modifier":
                for clause in _only(piece, {"limit_offset_clauses"}):
                    _only(clause, {"limit_clause", "offset_clause"})
        described: list[str] = []
        if query.type == "describe_query":
            for piece in pieces:
                if piece.type in CONSTANTS:
                    described.append(_iri(piece, prefixes))
                elif piece.type == "var":  # bound by the WHERE clause's VALUES block, or not bounded
                    iris = values.get(piece.text.decode("utf-8")[1:])
                    if iris is None:
                        raise _NotBounded
                    described += iris
                elif piece.type == "*":
                    raise _NotBounded
        unjoined = 1 if joined else max((len(iris) for iris in values.values()), default=1)
        return Shape(tuple(patterns), tuple(described), unjoined)
    except (_NotBounded, ValueError):
        return None


def bound(store: ox.Store, found: Shape, most: int) -> int | None:
    """An upper bound of both the statements the query reads and the rows (or triples) it answers, or
    None when it is past `most`. A described resource with a blank node among its values has none: its
    description would follow that node (a concise bounded description) to an extent not counted here."""
    work = max(found.unjoined, 1)
    for pattern in found.patterns:
        predicate = ox.NamedNode(pattern.predicate) if pattern.predicate else None
        matches = sum(_count(store, ox.NamedNode(s), predicate, most) for s in pattern.subjects)
        work *= max(matches, 1)
        if work > most:
            return None
    for resource in found.described:
        statements = list(islice(store.quads_for_pattern(ox.NamedNode(resource), None, None, ox.DefaultGraph()), most + 1))
        work += len(statements)
        if work > most or any(isinstance(q.object, ox.BlankNode) for q in statements):
            return None
    return work


def _count(store: ox.Store, subject: ox.NamedNode, predicate: ox.NamedNode | None, most: int) -> int:
    return sum(1 for _ in islice(store.quads_for_pattern(subject, predicate, None, ox.DefaultGraph()), most + 1))
