"""Canned queries: `queries/*.rq` with typed parameters declared in their `#+ params:` header.

A value never becomes query text. A single value is bound through the engine's substitutions; a
repeatable parameter is bound with a VALUES clause written from terms that were resolved against the
graph (IRIs of its own resources), never from what the user typed. A parameter that names a resource
accepts its IRI, CURIE, label or alt label, and must resolve to a resource of the declared class.
"""

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Callable, Mapping

import pyoxigraph as ox
import yaml

from kg import queryfile, resources
from kg.errors import InputError, VirtkgError
from kg.namespaces import PREFIXES, curie

KINDS = {"resource", "class", "enum", "text", "integer"}
MAX_TEXT = 200
SUGGESTIONS = 25


class ParameterError(VirtkgError):
    """A parameter value that is missing, malformed, unknown or of the wrong class."""


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    description: str = ""
    within: str | None = None          # resource: class of the value; class: class the value lies under
    values: tuple[str, ...] = ()       # enum
    default: str | None = None
    required: bool = False
    repeatable: bool = False
    differs_from: str | None = None    # another parameter this one must not name the same thing as

    @property
    def within_iri(self) -> str | None:
        return _expand(self.within) if self.within else None


@dataclass(frozen=True)
class CannedQuery:
    file: queryfile.QueryFile
    params: tuple[Param, ...] = ()
    example: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.file.name

    @property
    def summary(self) -> str:
        return self.file.meta.get("summary", self.name)

    @property
    def description(self) -> str:
        return self.file.meta.get("description", "")

    @property
    def tags(self) -> list[str]:
        return [t.strip() for t in self.file.meta.get("tags", "").split(",") if t.strip()]

    @property
    def example_args(self) -> dict[str, list[str]]:
        """The example as request arguments, each parameter's values as a list: what `bind` takes, and
        what an HTTP client sends as repeated parameters."""
        return {k: [str(v) for v in (values if isinstance(values, list) else [values])]
                for k, values in self.example.items()}


@dataclass(frozen=True)
class Bound:
    """A query ready for the engine: its text and the substitutions of its parameters."""

    text: str
    substitutions: dict[str, ox.NamedNode | ox.Literal]
    values: dict[str, list[str]]  # what each parameter resolved to, as CURIEs or text, for display


def _expand(value: str) -> str:
    prefix, _, local = value.partition(":")
    if prefix in PREFIXES and not value.startswith(("http://", "https://")):
        return PREFIXES[prefix] + local
    return value


def _param(name: str, spec: dict, path: str) -> Param:
    spec = dict(spec or {})
    kind = spec.pop("kind", None)
    if kind not in KINDS:
        raise InputError(f"{path}: parameter {name!r} needs a kind, one of {sorted(KINDS)}")
    values = tuple(str(v) for v in spec.pop("values", ()))
    default = spec.pop("default", None)
    param = Param(name, kind, str(spec.pop("description", "")), spec.pop("class", None), values,
                  None if default is None else str(default), bool(spec.pop("required", False)),
                  bool(spec.pop("repeatable", False)), spec.pop("differs_from", None))
    if spec:
        raise InputError(f"{path}: parameter {name!r} has unknown keys {sorted(spec)}")
    if kind in ("resource", "class") and not param.within:
        raise InputError(f"{path}: parameter {name!r} of kind {kind} needs the class its values belong to")
    if kind == "enum" and not values:
        raise InputError(f"{path}: enum parameter {name!r} lists no values")
    return param


def read(path: Path) -> CannedQuery:
    file = queryfile.read(path)
    try:
        specs = yaml.safe_load(file.meta.get("params", "")) or {}
        example = yaml.safe_load(file.meta.get("example", "")) or {}
    except yaml.YAMLError as e:
        raise InputError(f"{path}: the #+ header is not valid YAML: {e}") from None
    return CannedQuery(file, tuple(_param(n, s, str(path)) for n, s in specs.items()), example)


def load_all(directory: Path | None = None) -> dict[str, CannedQuery]:
    return {q.name: q for q in (read(p) for p in sorted((directory or resources.queries_dir()).glob("*.rq")))}


# --- resolving values --------------------------------------------------------------------------------

def _norm(text: str) -> str:
    """Case, surrounding space and a plural -s do not matter when a value is matched against names."""
    text = re.sub(r"\s+", " ", text.strip().lower())
    return text[:-1] if text.endswith("s") and len(text) > 3 else text


@dataclass(frozen=True)
class Member:
    iri: str
    label: str
    names: frozenset[str]


class Lookup:
    """Resolves parameter values against one immutable store; members of each class are read once."""

    def __init__(self, query: Callable[..., object]):
        self._query = query
        self.members = lru_cache(maxsize=256)(self._members)

    def _members(self, kind: str, within: str) -> tuple[Member, ...]:
        lookup = queryfile.read(Path(str(files("kg.lookups"))) / ("instances.rq" if kind == "resource" else "subclasses.rq"))
        names: dict[str, tuple[str, set[str]]] = {}
        for row in self._query(lookup.text, substitutions={ox.Variable("within"): ox.NamedNode(within)}):
            iri = row["resource"].value
            entry = names.setdefault(iri, (row["label"].value, set()))
            entry[1].add(_norm(row["name"].value))
        return tuple(Member(iri, label, frozenset(n | {_norm(iri.rsplit("/", 1)[-1].replace("-", " "))}))
                     for iri, (label, n) in sorted(names.items(), key=lambda kv: kv[1][0].lower()))

    def resolve(self, param: Param, value: str) -> ox.NamedNode:
        members = self.members(param.kind, param.within_iri)
        iri = _expand(value.strip())
        found = [m for m in members if m.iri == iri] or [m for m in members if _norm(value) in m.names]
        if len(found) == 1:
            return ox.NamedNode(found[0].iri)
        if found:
            raise ParameterError(f"{param.name}={value!r} is ambiguous: it names "
                                 + ", ".join(f"{curie(m.iri)} ({m.label})" for m in found))
        labels = [m.label for m in members]
        close = difflib.get_close_matches(value, labels, n=8, cutoff=0.5) or \
            [m.label for m in members if _norm(value) in _norm(m.label)][:8]
        shown = close or labels[:SUGGESTIONS]
        more = f" and {len(labels) - len(shown)} more" if len(labels) > len(shown) else ""
        raise ParameterError(f"{param.name}={value!r} is not a known {curie(param.within_iri)}; give an IRI, "
                             f"CURIE or name{', the closest being' if close else ' such as'}: {', '.join(shown)}{more}")


def whole_number(text: str, signed: bool = False) -> int | None:
    """The value of up to nine ASCII digits (and a minus sign if `signed`), else None. Python's int()
    also takes other scripts' digits and str.isdigit() takes superscripts; a parameter takes neither."""
    return int(text) if re.fullmatch(r"-?[0-9]{1,9}" if signed else r"[0-9]{1,9}", text) else None


# --- binding -----------------------------------------------------------------------------------------

def _term(param: Param, value: str, lookup: Lookup) -> ox.NamedNode | ox.Literal:
    if param.kind in ("resource", "class"):
        return lookup.resolve(param, value)
    if param.kind == "enum":
        if value not in param.values:
            raise ParameterError(f"{param.name}={value!r} is not one of: {', '.join(param.values)}")
        return ox.Literal(value)
    if param.kind == "integer":
        number = whole_number(value.strip(), signed=True)
        if number is None:
            raise ParameterError(f"{param.name}={value!r} is not a whole number")
        return ox.Literal(str(number), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))
    if len(value) > MAX_TEXT or not value.strip():
        raise ParameterError(f"{param.name} must be 1 to {MAX_TEXT} characters of text")
    return ox.Literal(value)


def _example_hint(query: CannedQuery) -> str:
    if not query.example:
        return ""
    shown = "&".join(f"{k}={v}" for k, values in query.example_args.items() for v in values)
    return f" (for example: {shown})"


def bind(query: CannedQuery, args: Mapping[str, list[str]], lookup: Lookup) -> Bound:
    """Check and resolve every argument; raise ParameterError naming what is accepted."""
    declared = {p.name for p in query.params}
    unknown = sorted(set(args) - declared)
    if unknown:
        raise ParameterError(f"{query.name} takes no parameter {', '.join(unknown)}; it takes: "
                             + (", ".join(sorted(declared)) or "none"))
    text, substitutions, shown = query.file.body, {}, {}
    for param in query.params:
        given = [v for v in args.get(param.name, []) if v != ""] or ([param.default] if param.default else [])
        if not given:
            if param.required:
                raise ParameterError(f"{query.name} needs the parameter {param.name}{_example_hint(query)}")
            continue
        if len(given) > 1 and not param.repeatable:
            raise ParameterError(f"give {param.name} once, not {len(given)} times")
        terms = [_term(param, v, lookup) for v in given]
        shown[param.name] = [curie(t.value) if isinstance(t, ox.NamedNode) else t.value for t in terms]
        if param.repeatable:
            text += f"\nVALUES ?{param.name} {{ {' '.join(str(t) for t in terms)} }}\n"
        else:
            substitutions[param.name] = terms[0]
        other = param.differs_from
        if other in substitutions and substitutions[other] == substitutions.get(param.name):
            raise ParameterError(f"{other} and {param.name} both name {shown[param.name][0]}; "
                                 f"{query.name} needs two different ones")
    return Bound(text, substitutions, shown)
