"""The growth bench (bench/growth.py): its synthetic data is deterministic, and a small run writes
complete, well-formed figures and plots. Timings are the bench's to report, not the tests' to judge."""

import json
import subprocess
import sys

import pytest

from bench import sparql, synthetic
from conftest import ROOT
from kg import canned

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_generator_gives_the_same_triples_for_the_same_seed():
    first, again, other = (list(synthetic.quads(3000, seed)) for seed in (1, 1, 2))
    assert first == again
    assert other != first and len(other) == len(first) >= 3000
    assert {line.split()[1] for line in other} == {line.split()[1] for line in first}, "same shape, other products"


def test_a_small_growth_run_writes_every_figure_and_plot(build_dir, tmp_path):
    out = tmp_path / "results"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "growth.py"), "--build", str(build_dir),
                          "--sizes", "shipped,2e4", "--duration", "1", "--requests", "20", "--concurrency", "1",
                          "--servers", "ours,oxigraph", "--out", str(out)],
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    results = json.loads((out / "growth.json").read_text(), parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert {"cpu", "cores", "memory_mb", "when"} <= set(results["machine"])
    shipped, grown = results["sizes"]
    assert grown["triples"] >= 20_000 > shipped["triples"] > 5_000
    mix = {p.stem for p in (ROOT / "bench" / "queries").glob("*.rq")}
    for size in results["sizes"]:
        assert size["load_s"] >= 0 and size["disk_mb"] > 0
        assert set(size["servers"]) == {"ours, cache off", "ours, cache on", "oxigraph"}
        assert all(s["start_s"] > 0 and s["rss_mb"] > 0 and s["rss_after_mb"] > 0 for s in size["servers"].values())
        runs = {(r["kind"], r["name"], r["server"], r["concurrency"]) for r in size["runs"]}
        for server in size["servers"]:
            assert {("sparql", q, server, 1) for q in mix} <= runs
        for server in ("ours, cache off", "ours, cache on"):
            assert {("canned", q, server, 1) for q in canned.load_all()} <= runs
            assert {kind for kind, *_ in runs} == {"sparql", "canned", "page"}
        assert all(r["errors"] == 0 and r["p50"] > 0 and r["rps"] > 0 for r in size["runs"]), \
            [r for r in size["runs"] if r["errors"]]
    plots = sorted(out.glob("growth-*.png"))
    assert {p.stem for p in plots} >= {"growth-sparql-p50-c1", "growth-canned-p50-c1", "growth-page-p50-c1",
                                       "growth-load-s", "growth-disk-mb", "growth-start-s", "growth-rss-mb"}
    assert all(p.read_bytes().startswith(PNG) and p.stat().st_size > 5_000 for p in plots)


def test_a_run_of_one_size_keeps_the_sizes_measured_before(tmp_path):
    from bench import growth
    previous = tmp_path / "growth.json"
    previous.write_text(json.dumps({"sizes": [{"size": "1e5", "triples": 100_146, "runs": ["old"]},
                                              {"size": "1e6", "triples": 1_000_012, "runs": ["old"]}]}))
    fresh = [{"size": "1e7", "triples": 10_000_115, "runs": ["new"]}, {"size": "1e5", "triples": 100_146, "runs": ["new"]}]
    sizes = growth.merged(previous, fresh)["sizes"]
    assert [(s["size"], s["runs"]) for s in sizes] == [("1e5", ["new"]), ("1e6", ["old"]), ("1e7", ["new"])]
    assert growth.merged(tmp_path / "none.json", fresh)["sizes"] == sorted(fresh, key=lambda s: s["triples"])


WRK_NOTHING_FINISHED = """Running 1s test @ http://127.0.0.1:8399/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  0 requests in 1.00s, 0.00B read
Requests/sec:      0.00
Transfer/sec:       0.00B
"""


def test_a_run_in_which_no_request_finished_has_no_latency_not_a_zero():
    nothing = sparql.figures(WRK_NOTHING_FINISHED, budget=100)
    assert nothing["p50"] is None and nothing["p99"] is None and nothing["rps"] == 0
    finished = sparql.figures(WRK_NOTHING_FINISHED.replace("50%    0.00us", "50%    1.50ms")
                              .replace("0 requests in", "3 requests in"), budget=100)
    assert finished["p50"] == 1.5 and not finished["capped"]
