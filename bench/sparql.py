"""SPARQL endpoint benchmark: our server against Oxigraph's server and Virtuoso, on 127.0.0.1.

    .venv/bin/python bench/sparql.py [--build build] [--duration 3] [--requests 1000000] [--concurrency 1,16]
                                     [--sizes shipped,million] [--servers ours,oxigraph,virtuoso]

The mix is bench/queries/*.rq (label lookup, two-hop join, text FILTER, GROUP BY, DESCRIBE), sent as GET
?query= by wrk (Debian's package) per query, server and concurrency, for --duration seconds or
--requests requests, whichever ends first (bench/limit.lua). The label lookup and the DESCRIBE are about
the resource bench/params/resource.rq picks from the data. Ours runs in production mode (uvicorn) twice,
response store on (repeated queries are replayed) and off (every request runs its query). The peers load the
same data: Oxigraph's server (PyPI package `oxigraph`, serve-read-only with --union-default-graph) and
Virtuoso (Debian's virtuoso-opensource, default graph = all graphs). "million" adds bench/synthetic.py's
inventory to the shipped graph. What is missing is installed first (pip: oxigraph; apt: wrk, virtuoso).
Every process and folder it makes is removed at the end.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.serving import oxigraph_server, rss_mb, settle, virtkg_server, virtuoso  # noqa: E402
from kg.sparql_syntax import analyse  # noqa: E402
from bench.synthetic import quads as synthetic_quads  # noqa: E402
from kg import counts, queryfile  # noqa: E402

ACCEPT = {"DESCRIBE": "application/n-triples"}
RESULTS_ACCEPT = "application/sparql-results+json"
MILLION = 1_000_000


def ensure_tools() -> None:
    if not shutil.which("wrk") or not shutil.which("virtuoso-t"):
        print("installing wrk and virtuoso-opensource from Debian", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk", "virtuoso-opensource"],
                       check=True, stdout=subprocess.DEVNULL)
    if not (Path(sys.executable).parent / "oxigraph").exists():
        print("installing oxigraph (server) from PyPI", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "oxigraph"], check=True)


def triples_for(size: str) -> int | None:
    """The size a name stands for: None for the shipped graph as it is, else at least that many triples."""
    named = {"shipped": None, "million": MILLION}
    return named[size] if size in named else int(float(size))


def sized_build(base: Path, size: str, workdir: Path) -> tuple[Path, Path, ox.Store]:
    """A build folder for `size` ("shipped", "million" or a number of triples such as 1e5), an N-Quads
    file of the same data (for Virtuoso), and the data in memory."""
    dump = base / "current" / "dumps" / "virtkg.trig"
    nquads = workdir / f"{size}.nq"
    store = ox.Store()
    store.bulk_load(path=str(dump), format=ox.RdfFormat.TRIG)
    target = triples_for(size)
    if target is None:
        store.dump(str(nquads), format=ox.RdfFormat.N_QUADS)
        return base, nquads, store
    grown = "\n".join(synthetic_quads(max(0, target - len(store)))) + "\n"
    store.bulk_load(grown.encode(), format=ox.RdfFormat.N_QUADS)
    store.dump(str(nquads), format=ox.RdfFormat.N_QUADS)  # the peers' copy: named graphs only
    build = workdir / f"{size}-build"
    (build / "m").mkdir(parents=True)
    disk = ox.Store(str(build / "m" / "store"))
    disk.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    # Our default graph is the merge of all graphs (kg.store.with_default_graph): every quad's triple.
    with nquads.open(encoding="utf-8") as lines:
        merged = "".join(line.rsplit(" <", 1)[0] + " .\n" for line in lines if line.strip())
    disk.bulk_load(merged.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
    disk.flush()
    report = json.loads((base / "current" / "report.json").read_text())
    # the sizes the server reads (to choose memory or disk, api.service), as kg.build reports them
    default = next(iter(disk.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value
    report.update(build_id=f"grown-{size}", counts=counts.count(disk), quads=len(store), triples=int(default))
    del disk
    (build / "m" / "report.json").write_text(json.dumps(report))
    shutil.copy(base / "current" / "inferences.json", build / "m" / "inferences.json")
    (build / "current").symlink_to("m")
    return build, nquads, store


def bind_resource(queries: list, store: ox.Store) -> list:
    """The mix with each `#+ example` line of a query about ?resource bound to the resource that
    bench/params/resource.rq picks from this data instead."""
    picker = queryfile.read(ROOT / "bench" / "params" / "resource.rq")
    resource = next(iter(store.query(picker.text, use_default_graph_as_union=True)))["resource"]
    bound = []
    for query in queries:
        lines = [f"  VALUES ?resource {{ {resource} }}" if line.rstrip().endswith(queryfile.EXAMPLE_MARK)
                 and "?resource" in line else line for line in query.text.splitlines()]
        bound.append(queryfile.QueryFile(query.name, "\n".join(lines), query.meta))
    return bound


def oxigraph_peer(build: Path):
    return oxigraph_server((build / "current" / "store").resolve(), "--read-only", "--union-default-graph")


@contextmanager
def virtuoso_server(nquads: Path, workdir: Path):
    """A throw-away Virtuoso, bulk-loaded with the same quads (start time: until it answers)."""
    with virtuoso(workdir) as (url, isql, started, process):
        d = workdir / "virtuoso"
        shutil.copy(nquads, d / "data.nq")
        load = f"ld_dir('{d}', 'data.nq', 'urn:virtkg:default'); rdf_loader_run(); checkpoint;"
        subprocess.run(["isql-vt", str(isql), "dba", "dba", f"exec={load}"], check=True, stdout=subprocess.DEVNULL,
                       timeout=900)
        yield url, started, process


def start(stack: ExitStack, wanted: list[str], build: Path, nquads: Path, workdir: Path) -> dict:
    """The servers `wanted` names ("ours" is two: response store on and off; "oxigraph"; "virtuoso"),
    each loaded with the same data and stopped when `stack` closes: name -> (url, start seconds, process)."""
    servers = {}
    if "ours" in wanted:
        servers["ours, cache on"] = stack.enter_context(virtkg_server(build, 64))
        servers["ours, cache off"] = stack.enter_context(virtkg_server(build, 0))
    if "oxigraph" in wanted:
        servers["oxigraph"] = stack.enter_context(oxigraph_peer(build))
    if "virtuoso" in wanted:
        servers["virtuoso"] = stack.enter_context(virtuoso_server(nquads, workdir))
    return servers


def wrk(url: str, accept: str, connections: int, seconds: float, requests: int) -> dict:
    """Run wrk against one URL for `seconds` or `requests`, whichever ends first; p50/p99 in ms,
    requests per second, errors (non-2xx and socket errors)."""
    threads = min(connections, 2)
    out = subprocess.run(["wrk", "--latency", "--timeout", "30s", "-c", str(connections), "-t", str(threads),
                          "-d", f"{max(1, round(seconds))}s", "-H", f"Accept: {accept}",
                          "-s", str(ROOT / "bench" / "limit.lua"), url, "--", str(max(1, requests // threads))],
                         capture_output=True, text=True, check=True).stdout
    return figures(out, threads * max(1, requests // threads))


def figures(out: str, budget: int) -> dict:
    """wrk's output as figures. A run in which no request finished has no latency (None): wrk prints
    0.00us for it, and a zero would read as the fastest run of all."""
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    done = int(re.search(r"(\d+) requests in", out)[1])

    def latency(pct: str) -> float | None:
        found = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)$", out, re.M)
        return float(found[1]) * unit[found[2]] if found and done else None
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {"p50": latency("50"), "p99": latency("99"), "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "errors": errors, "capped": done >= budget}


def endpoint(server: str, base: str) -> str:
    return base + ("/query" if server == "oxigraph" else "/sparql")


def check_answers(urls: dict[str, str], queries) -> None:
    """Every server gives a non-empty answer to every query, and the same number of rows for SELECTs."""
    import requests
    for query in queries:
        form = analyse(query.text).form
        counts = {}
        for server, url in urls.items():
            response = requests.get(url, params={"query": query.text}, timeout=60,
                                    headers={"Accept": ACCEPT.get(form, RESULTS_ACCEPT)})
            response.raise_for_status()
            counts[server] = (len(response.json()["results"]["bindings"]) if form == "SELECT"
                              else len(response.text.strip().splitlines()))
        if min(counts.values()) == 0 or (form == "SELECT" and len(set(counts.values())) > 1):
            print(f"  note: {query.name} answers differ in size: {counts}", file=sys.stderr)


def run(args) -> list[dict]:
    queries = queryfile.read_all(ROOT / "bench" / "queries")
    rows = []
    with tempfile.TemporaryDirectory(prefix="virtkg-bench-") as tmp:
        for size in args.sizes:
            workdir = Path(tmp) / size
            workdir.mkdir()
            build, nquads, data = sized_build(args.build, size, workdir)
            triples, mix = len(data), bind_resource(queries, data)
            with ExitStack() as stack:
                servers = start(stack, args.servers, build, nquads, workdir)
                urls = {name: endpoint(name.split(",")[0], url) for name, (url, _, _) in servers.items()}
                check_answers(urls, mix)
                for name, (url, started, process) in servers.items():
                    memory = rss_mb(process.pid)
                    for query in mix:
                        form = analyse(query.text).form
                        target = urls[name] + "?" + urllib.parse.urlencode({"query": query.text})
                        for c in args.concurrency:
                            for _, _, each in servers.values():
                                settle(each.pid)
                            rows.append({"size": size, "triples": triples, "server": name, "query": query.name,
                                         "concurrency": c, "start_s": round(started, 2), "rss_mb": round(memory),
                                         **wrk(target, ACCEPT.get(form, RESULTS_ACCEPT), c, args.duration, args.requests)})
    return rows


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def report(rows: list[dict]) -> None:
    """One line per run, with its throughput beside each peer's and its p50 over Oxigraph's (the issue's
    latency targets are p50 ratios)."""
    print(f"{'size':<8} {'query':<12} {'c':>3} {'server':<16} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>9} {'err':>5}"
          f" {'req/s vs ox':>12} {'req/s vs virt':>13} {'p50 / ox':>9}")
    index = {(r["size"], r["query"], r["concurrency"], r["server"]): r for r in rows}
    for r in rows:
        def ratio(peer: str, key: str) -> str:
            other = index.get((r["size"], r["query"], r["concurrency"], peer))
            return f"{r[key] / other[key]:.2f}x" if other and other[key] and r[key] is not None else "-"
        print(f"{r['size']:<8} {r['query']:<12} {r['concurrency']:>3} {r['server']:<16} {_ms(r['p50']):>8} "
              f"{_ms(r['p99']):>8} {r['rps']:>9.0f} {r['errors']:>5} {ratio('oxigraph', 'rps'):>12} "
              f"{ratio('virtuoso', 'rps'):>13} {ratio('oxigraph', 'p50'):>9}"
              f"{'  capped' if r['capped'] else ''}")
    print()
    for key in sorted({(r["size"], r["triples"], r["server"], r["start_s"], r["rss_mb"]) for r in rows}):
        print(f"{key[0]:<8} {key[1]:>8} triples  {key[2]:<16} start {key[3]:>6.2f} s  memory {key[4]:>6} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=Path(os.environ.get("VIRTKG_BUILD_DIR", "build")))
    parser.add_argument("--duration", type=int, default=3, help="seconds per run at most")
    parser.add_argument("--requests", type=int, default=1_000_000,
                        help="requests per run at most (wrk divides by the whole duration, so a run that reaches "
                             "this bound is marked 'capped' in the report)")
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 16])
    parser.add_argument("--sizes", type=lambda s: s.split(","), default=["shipped", "million"])
    parser.add_argument("--servers", type=lambda s: s.split(","), default=["ours", "oxigraph", "virtuoso"])
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    ensure_tools()
    rows = run(args)
    report(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, allow_nan=False))


if __name__ == "__main__":
    main()
