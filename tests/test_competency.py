"""Competency questions: each tests/cq/*.rq asks one question through `virtkg query` on a clean build and
lists its exact expected answer in `#+ row:` header lines (IRIs as CURIEs, literals as their text)."""

import json
from pathlib import Path

import pytest

from conftest import ROOT, virtkg
from kg import queryfile
from kg.namespaces import curie

QUESTIONS = queryfile.read_all(ROOT / "tests" / "cq")


def expected_rows(path: Path) -> list[tuple[str, ...]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [tuple(cell.strip() for cell in line.split(":", 1)[1].split("|"))
            for line in lines if line.startswith("#+ row:")]


def answer(build_dir: Path, path: Path) -> list[tuple[str, ...]]:
    out = json.loads(virtkg("query", "--out", str(build_dir), "--format", "json", "-f", str(path)).stdout)
    if "boolean" in out:
        return [(str(out["boolean"]).lower(),)]
    names = out["head"]["vars"]
    cell = lambda b: "" if b is None else curie(b["value"]) if b["type"] == "uri" else b["value"]
    return [tuple(cell(row.get(n)) for n in names) for row in out["results"]["bindings"]]


def test_there_are_enough_questions_over_every_document():
    assert len(QUESTIONS) >= 40
    docs = {doc.strip() for q in QUESTIONS for doc in q.meta.get("documents", "").split(",")}
    assert {"000", "001", "002", "003", "004"} <= docs


@pytest.mark.parametrize("question", QUESTIONS, ids=[q.name for q in QUESTIONS])
def test_competency_question(build_dir, question):
    path = ROOT / "tests" / "cq" / f"{question.name}.rq"
    expected = expected_rows(path)
    assert expected, f"{path.name} lists no expected rows"
    got = answer(build_dir, path)
    if question.meta.get("ordered") == "true":
        assert got == expected
    else:
        assert sorted(got) == sorted(expected)
