"""A small build is queried from a copy in each query process's memory (VIRTKG_IN_MEMORY_QUADS):
every competency question and canned query gives the same answers from memory as from disk."""

from pathlib import Path

import pytest

from api.executor import Job, QueryPool
from conftest import ROOT, comparable_csv
from kg import canned, queryfile

QUESTIONS = [q.text for q in queryfile.read_all(ROOT / "tests" / "cq")] + \
            [q.file.text for q in canned.load_all().values()]


@pytest.fixture(scope="module")
def pools(build_dir):
    store = str((Path(build_dir) / "current").resolve() / "store")
    disk, memory = QueryPool(store, 1, 1 << 30), QueryPool(store, 1, 1 << 30, in_memory=True)
    yield disk, memory
    disk.close()
    memory.close()


def test_memory_and_disk_give_the_same_answers(pools):
    disk, memory = pools
    for text in QUESTIONS:
        answers = [comparable_csv(pool.run(Job(text, "csv", 10_000, 8 << 20), 30).body.splitlines()) for pool in pools]
        assert answers[0] == answers[1], text
    assert len(QUESTIONS) > 50
