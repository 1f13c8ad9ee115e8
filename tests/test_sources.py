"""The graph against the source documents: every section accounted for, and no sentence copied."""

import re

import pyoxigraph as ox
import pytest

from conftest import SEEDS, virtkg

RUN = 8  # words in a row that count as copying


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


@pytest.fixture(scope="module")
def seed_runs() -> set[tuple[str, ...]]:
    assert SEEDS.is_dir(), f"the source documents are expected in {SEEDS}"
    runs = set()
    for path in SEEDS.glob("*.txt"):
        w = words(path.read_text(encoding="utf-8", errors="ignore"))
        runs.update(tuple(w[i:i + RUN]) for i in range(len(w) - RUN + 1))
    return runs


def test_no_literal_copies_eight_words_of_a_seed(store, seed_runs):
    copied = []
    for quad in store.store:
        if isinstance(quad.object, ox.Literal):
            w = words(quad.object.value)
            if any(tuple(w[i:i + RUN]) in seed_runs for i in range(len(w) - RUN + 1)):
                copied.append(f"{quad.subject} {quad.predicate}: {quad.object.value[:80]}")
    assert copied == []


def test_the_copy_check_can_fail(seed_runs):
    sample = words((next(SEEDS.glob("000_*.txt"))).read_text(encoding="utf-8"))[40:48]
    assert tuple(sample) in seed_runs


def test_coverage_strict_passes_on_every_document(build_dir):
    result = virtkg("coverage", "--out", str(build_dir), "--docs", str(SEEDS), "--strict")
    documents = sorted(p.stem for p in SEEDS.glob("*.txt"))
    for doc in documents:
        assert f"== {doc}" in result.stdout
    assert "sections without facts" in result.stdout and "has no facts" not in result.stderr


def test_coverage_strict_fails_on_a_document_the_graph_lacks(build_dir, tmp_path):
    (tmp_path / "999_abcdef.txt").write_text("# A document nobody extracted\n\n## Only section\nText.\n")
    result = virtkg("coverage", "--out", str(build_dir), "--docs", str(tmp_path), "--strict", check=False)
    assert result.returncode == 1
    assert "virtkg: 999_abcdef: the graph has no facts from this document" in result.stderr


def test_coverage_lists_no_encoded_data_or_mojibake(build_dir):
    """Inlined images and double-encoded characters in the texts are not terms the graph could lack."""
    out = virtkg("coverage", "--docs", str(SEEDS), "--out", str(build_dir)).stdout
    listed = [t for line in out.splitlines() if "not in the graph:" in line
              for t in line.split(":", 1)[1].split(", ")]
    assert listed and not [t for t in listed if "\u00c2" in t or "\u00c3" in t]
    assert not [t for t in listed if any(c.isdigit() for c in t) and t != t.lower() and t != t.upper()
                and " " not in t and "/" not in t and "-" not in t]
