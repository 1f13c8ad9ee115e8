"""Figures on the knowledge itself, for before/after notes: claims per dimension, disputes (total and
within one document), rows of `compare vm container`, facts per document, competency questions.

Runs the checkout's own `virtkg` on its current build, so the same script measures an older checkout:
    .venv/bin/python bench/knowledge.py [--out build] > figures.json
"""

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIRTKG = [sys.executable, "-c", "from kg.cli import main; main()"]

CLAIMS = """PREFIX vkg: <https://w3id.org/virtkg/ontology/>
SELECT ?claim ?dimension WHERE { ?claim a vkg:Claim ; vkg:onDimension ?dimension }"""


def run(out: str, *args: str) -> dict:
    done = subprocess.run([*VIRTKG, *args, "--out", out, "--format", "json"], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    return json.loads(done.stdout)


def rows(result: dict) -> list[dict]:
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="build", help="where the builds are kept")
    out = parser.parse_args().out
    claims = rows(run(out, "query", CLAIMS))
    per_dimension = Counter(c["dimension"].rsplit("/", 1)[-1] for c in claims)
    pairs = rows(run(out, "ask", "disagreements"))
    within = [p for p in pairs if p["source"].split("/")[-2] == p["otherSource"].split("/")[-2]]
    compare = rows(run(out, "ask", "compare", "a=virtual machines", "b=containers"))
    stats = json.loads(subprocess.run([*VIRTKG, "stats", "--out", out, "--json"], capture_output=True, text=True,
                                      check=True, cwd=ROOT).stdout)
    print(json.dumps({
        "claims": len(claims), "claims_per_dimension": dict(sorted(per_dimension.items())),
        "disputes": len(pairs), "disputes_within_one_document": len(within),
        "compare_vm_container_rows": len(compare),
        "compare_vm_container_rows_disputed": sum(r.get("disputed") in ("true", "1") for r in compare),
        "facts_per_document": stats["facts_per_document"],
        "competency_questions": len(list((ROOT / "tests" / "cq").glob("*.rq"))),
    }, indent=2))


if __name__ == "__main__":
    main()
