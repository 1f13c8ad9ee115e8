"""What a SPARQL request is, from a real parse before any engine sees it.

The text is parsed with tree-sitter's SPARQL 1.1 grammar (C, about 20 µs for a typical query, and
not recursive, so no nesting depth can overflow it). From the syntax tree, not from the text, we learn
the query form, whether it asks for a SERVICE call, and how deeply it nests. A text the grammar does
not accept is refused here with its line and column; the engine never sees it. This is one layer: the
query processes cannot open a network connection at all (api.sandbox), so a gap here still fetches
nothing.
"""

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import tree_sitter_sparql
from tree_sitter import Language, Node, Parser

from kg.errors import QueryError
from kg.namespaces import PREFIXES

QUERY_FORMS = {"select_query": "SELECT", "construct_query": "CONSTRUCT", "describe_query": "DESCRIBE",
               "ask_query": "ASK"}
UPDATE_FORMS = {"load", "clear", "drop", "create", "add", "move", "copy", "insert_data", "delete_data",
                "delete_where", "modify", "update"}
MAX_DEPTH = 256  # syntax-tree levels; our deepest shipped query has 19, the engine is safe far past this


class QuerySyntaxError(QueryError):
    """The text is not a SPARQL 1.1 query."""


class ReadOnlyError(QueryError):
    """An update sent to a read-only graph."""


class RefusedQuery(QueryError):
    """A well-formed query that asks for something we never do (a SERVICE call) or is too complex."""


READ_ONLY = "read-only: SPARQL updates are not accepted"


@dataclass(frozen=True)
class Analysis:
    form: str     # SELECT, ASK, CONSTRUCT or DESCRIBE
    depth: int    # levels of the syntax tree
    shape: str    # a digest of the query's tokens without comments, spacing and variable names: the same
                  # query sent again with another comment, layout or variable names has the same shape
    borrows: bool  # it uses a prefix it does not declare: the engine must be given the known ones

    @property
    def returns_triples(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


@lru_cache(maxsize=1)
def syntax_parser() -> Parser:
    return Parser(Language(tree_sitter_sparql.language()))


def _walk(root: Node):
    """Every node with its depth, iteratively (a recursive walk would overflow on deep queries)."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        stack.extend((child, depth + 1) for child in node.children)


def _where(node: Node) -> str:
    line, column = node.start_point
    return f"line {line + 1}, column {column + 1}"


def _syntax_error(root: Node, text: bytes) -> QuerySyntaxError:
    node = next(n for n, _ in _walk(root) if n.type == "ERROR" or n.is_missing)
    if node.is_missing:
        return QuerySyntaxError(f"the query does not parse: {node.type!r} expected at {_where(node)}")
    found = text[node.start_byte:node.end_byte].decode("utf-8", "replace").split()
    near = f" near {' '.join(found)[:40]!r}" if found else ""
    return QuerySyntaxError(f"the query does not parse: syntax error at {_where(node)}{near}")


def _undeclared(used: list[Node], declared: set[str], known: Mapping[str, str]) -> QuerySyntaxError | None:
    for node in used:
        prefix = node.text.decode("utf-8").rstrip(":")
        if prefix not in declared and prefix not in known:
            offer = ", ".join(f"{p}:" for p in known)
            return QuerySyntaxError(f"undeclared prefix {prefix}: at {_where(node)}; declare it, or use one of "
                                    f"those declared for every query: {offer}")
    return None


def analyse(text: str, max_depth: int = MAX_DEPTH, known: Mapping[str, str] = PREFIXES) -> Analysis:
    """The query's form and depth; raises ReadOnlyError for an update, RefusedQuery for a SERVICE call
    or a nesting deeper than `max_depth`, QuerySyntaxError for anything the grammar rejects and for a
    prefix neither the query nor `known` (the prefixes the engine is given for every query) declares."""
    if known is PREFIXES and len(text) <= REMEMBERED_TEXT:
        return _remembered(text, max_depth)
    return _analyse(text, max_depth, known)


REMEMBERED_TEXT = 2048  # characters: the short queries sent again and again, where parsing is a tenth of the cost


@lru_cache(maxsize=4096)
def _remembered(text: str, max_depth: int) -> Analysis:
    """analyse() of a short query with the usual prefixes, parsed once (a refusal is not remembered)."""
    return _analyse(text, max_depth, PREFIXES)


def _analyse(text: str, max_depth: int, known: Mapping[str, str]) -> Analysis:
    source = text.encode("utf-8")
    root = syntax_parser().parse(source).root_node
    top = {child.type for child in root.children}
    if top & UPDATE_FORMS:
        raise ReadOnlyError(READ_ONLY)
    depth, declared, used, shape = 0, set(), [], hashlib.blake2b(digest_size=12)
    for node, level in _walk(root):
        depth = max(depth, level)
        if node.child_count == 0 and node.type != "comment":
            shape.update(b"?" if node.type == "var" else node.text)
            shape.update(b"\x00")
        if node.type in ("service_graph_pattern", "SERVICE"):
            raise RefusedQuery(f"SERVICE is refused at {_where(node)}: this endpoint never calls other endpoints")
        if node.type == "namespace" and node.parent is not None:
            if node.parent.type == "prefix_declaration":
                declared.add(node.text.decode("utf-8").rstrip(":"))
            else:
                used.append(node)
    if depth > max_depth:
        raise RefusedQuery(f"the query nests {depth} levels deep; the limit is {max_depth}")
    if root.has_error:
        raise _syntax_error(root, source)
    undeclared = _undeclared(sorted(used, key=lambda n: n.start_byte), declared, known)
    if undeclared:
        raise undeclared
    forms = [QUERY_FORMS[t] for t in top if t in QUERY_FORMS]
    if len(forms) != 1:
        raise QuerySyntaxError("the query does not parse: expected one SELECT, ASK, CONSTRUCT or DESCRIBE")
    borrows = any(node.text.decode("utf-8").rstrip(":") not in declared for node in used)
    return Analysis(forms[0], depth, shape.hexdigest(), borrows)


def with_values(text: str, bindings: Mapping[str, object]) -> str:
    """The query with `bindings` (variable name -> engine term) as an inline VALUES block at the start of
    its WHERE clause. Every store gets parameters this way: one reached over the protocol has no
    substitutions, and Oxigraph plans a query with substitutions as if the variable were free (a class's
    members looked up by substitution read every label of a million-triple graph; by VALUES, 300 times
    faster). The place comes from the syntax tree; the terms are written by the engine's own serialiser."""
    if not bindings:
        return text
    source, at = _where_start(text)
    names = sorted(bindings)
    values = (f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(str(bindings[n]) for n in names)}) }} ")
    return (source[:at] + values.encode("utf-8") + source[at:]).decode("utf-8")


@lru_cache(maxsize=512)
def _where_start(text: str) -> tuple[bytes, int]:
    """The query's bytes and the offset just after its WHERE clause's opening brace (the same few page
    and canned queries come again and again: each is parsed once)."""
    source = text.encode("utf-8")
    root = syntax_parser().parse(source).root_node
    groups = [n for n, _ in _walk(root) if n.type == "group_graph_pattern" and n.parent is not None
              and n.parent.type == "where_clause"]
    if not groups:
        raise QuerySyntaxError("the query has no WHERE clause to bind its parameters in")
    return source, min(g.start_byte for g in groups) + 1  # the outermost group starts first
