"""Where the packaged data lives: ontology, vocabulary, shapes, facts and canned queries.

They ship as package data (`kg.ontology`, `kg.facts`, `kg.queries`), so a plain `pip install .`
works the same as a checkout.
"""

from importlib.resources import files
from pathlib import Path


def _dir(package: str) -> Path:
    return Path(str(files(package)))


def ontology_dir() -> Path:
    return _dir("kg.ontology")


def facts_dir() -> Path:
    return _dir("kg.facts")


def queries_dir() -> Path:
    return _dir("kg.queries")


def ontology_files() -> list[Path]:
    """The T-box: the main file plus any additions files, in a stable order."""
    d = ontology_dir()
    return [d / "virtkg.ttl", *sorted(d.glob("additions-*.ttl"))]


def vocabulary_file() -> Path:
    return ontology_dir() / "vocabulary.ttl"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"
