"""Growth curve: the whole product at several graph sizes, beside Oxigraph server and Virtuoso.

    .venv/bin/python bench/growth.py [--sizes 1e5,1e6] [--duration 3] [--concurrency 1,16]
                                     [--servers ours,oxigraph,virtuoso] [--out bench/results]

For each size the shipped graph is grown with bench/synthetic.py's inventory to that many triples
(bench/sparql.py's sized builds). Measured per size: load time (generate and bulk-load), disk, and for
each server its start-up time and resident memory; then p50/p99 and throughput at each concurrency
(wrk, as bench/sparql.py runs it) of the SPARQL mix on every server, and of each canned query and each
page type on ours, with the response store off (every request runs its queries) and on. Writes
growth.json (every figure, with the machine it was taken on) and one PNG plot per measure to --out.
Sizes measured before and not measured now stay in growth.json, so 1e7 can be run on its own:

    .venv/bin/python bench/growth.py --sizes 1e7 --duration 2
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import sparql  # noqa: E402
from bench.pages import MISSING, PAGES  # noqa: E402
from bench.serving import rss_mb, settle  # noqa: E402
from kg import canned, queryfile  # noqa: E402
from kg.sparql_syntax import analyse  # noqa: E402

def machine() -> dict:
    """What the figures were taken on."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"cpu": model, "cores": os.cpu_count(), "memory_mb": memory, "python": platform.python_version(),
            "system": platform.platform(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def disk_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / (1 << 20), 1)


def targets(url: str) -> list[tuple[str, str, str, str]]:
    """(kind, name, URL, Accept) of every canned query and page type on our server."""
    found = [("canned", q.name, f"{url}/api/{q.name}?{urllib.parse.urlencode(q.example_args, doseq=True)}", "application/json")
             for q in canned.load_all().values()]
    found += [("page", name, url + path, "text/html") for name, path in PAGES.items() if path not in MISSING]
    return found


def measure(size: str, args, tmp: Path) -> dict:
    workdir = tmp / size
    workdir.mkdir()
    started = time.perf_counter()
    build, nquads, data = sparql.sized_build(args.build, size, workdir)
    figures = {"size": size, "triples": len(data), "load_s": round(time.perf_counter() - started, 2),
               "disk_mb": disk_mb(build / "current" / "store"), "machine": machine(), "duration_s": args.duration,
               "servers": {}, "runs": []}
    mix = sparql.bind_resource(queryfile.read_all(ROOT / "bench" / "queries"), data)
    del data
    with ExitStack() as stack:
        servers = sparql.start(stack, args.servers, build, nquads, workdir)
        for name, (url, start_s, process) in servers.items():
            figures["servers"][name] = {"start_s": round(start_s, 2), "rss_mb": round(rss_mb(process.pid))}
        runs = []
        for name, (url, _, _) in servers.items():
            endpoint = sparql.endpoint(name.split(",")[0], url)
            runs += [("sparql", q.name, name, endpoint + "?" + urllib.parse.urlencode({"query": q.text}),
                      sparql.ACCEPT.get(analyse(q.text).form, sparql.RESULTS_ACCEPT)) for q in mix]
            if name.startswith("ours"):
                runs += [(kind, target, name, target_url, accept) for kind, target, target_url, accept in targets(url)]
        for kind, target, server, target_url, accept in runs:
            for c in args.concurrency:
                settle(servers[server][2].pid)  # its backlog from the run before; the others sit idle
                figures["runs"].append({"kind": kind, "name": target, "server": server, "concurrency": c,
                                        **sparql.wrk(target_url, accept, c, args.duration, args.requests)})
        for name, (_, _, process) in servers.items():  # memory after the load, beside memory at start
            figures["servers"][name]["rss_after_mb"] = round(rss_mb(process.pid))
    return figures


def merged(previous: Path, fresh: list[dict]) -> dict:
    """The figures already in `previous` with the sizes just measured in place of the same sizes, in order
    of size: 10^7 takes the best part of an hour, so it is run on its own and plotted beside the rest.
    Each size carries the machine and run length it was measured with."""
    kept = json.loads(previous.read_text())["sizes"] if previous.exists() else []
    sizes = {s["size"]: s for s in kept} | {s["size"]: s for s in fresh}
    return {"sizes": sorted(sizes.values(), key=lambda s: s["triples"])}


STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ((0, (1, 3)), "v")]


def plot(results: dict, out: Path) -> list[Path]:
    """One PNG per measure: p50 at each concurrency per kind (one line per query or page and server),
    and the size-dependent costs (load, disk, start-up, memory)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    written = []

    def save(fig, name: str) -> None:
        path = out / f"growth-{name}.png"
        fig.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(path)

    kinds = sorted({(r["kind"], r["concurrency"]) for s in sizes for r in s["runs"]})
    servers = sorted({r["server"] for s in sizes for r in s["runs"]})
    for kind, c in kinds:
        fig, ax = plt.subplots(figsize=(9, 5))
        series = sorted({(r["name"], r["server"]) for s in sizes for r in s["runs"] if (r["kind"], r["concurrency"]) == (kind, c)})
        names = sorted({name for name, _ in series})
        colours = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")  # a colour per query or page; per server, a style
        for name, server in series:
            points = [(s["triples"], r["p50"]) for s in sizes for r in s["runs"]  # no p50: no request finished
                      if (r["kind"], r["concurrency"], r["name"], r["server"]) == (kind, c, name, server) and r["p50"]]
            line, marker = STYLES[servers.index(server) % len(STYLES)]
            if points:
                ax.plot(*zip(*points), label=f"{name} · {server}", color=colours(names.index(name) % colours.N),
                        linestyle=line, marker=marker)
        ax.set(xscale="log", yscale="log", xlabel="triples", ylabel="p50 (ms)", title=f"{kind}: p50 at concurrency {c}")
        ax.legend(fontsize=6, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1))
        save(fig, f"{kind}-p50-c{c}")
    for measure, label in (("load_s", "load time (s)"), ("disk_mb", "disk (MB)")):
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot([s["triples"] for s in sizes], [s[measure] for s in sizes], marker="o")
        ax.set(xscale="log", xlabel="triples", ylabel=label, title=label)
        save(fig, measure.replace("_", "-"))
    for measure, label in (("start_s", "start-up (s)"), ("rss_mb", "resident memory at start (MB)"),
                           ("rss_after_mb", "resident memory after the runs (MB)")):
        fig, ax = plt.subplots(figsize=(6, 4))
        for server in sorted({name for s in sizes for name in s["servers"]}):
            points = [(s["triples"], s["servers"][server][measure]) for s in sizes if server in s["servers"]]
            ax.plot(*zip(*points), marker="o", label=server)
        ax.set(xscale="log", xlabel="triples", ylabel=label, title=label)
        ax.legend(fontsize=7)
        save(fig, measure.replace("_", "-"))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=Path(os.environ.get("VIRTKG_BUILD_DIR", "build")))
    parser.add_argument("--sizes", type=lambda s: s.split(","), default=["1e5", "1e6"],
                        help="triples per size (1e7 takes long; run it outside CI)")
    parser.add_argument("--duration", type=float, default=3, help="seconds per run at most")
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests per run at most")
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 16])
    parser.add_argument("--servers", type=lambda s: s.split(","), default=["ours", "oxigraph", "virtuoso"])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    sparql.ensure_tools()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="virtkg-growth-") as tmp:
        fresh = [measure(size, args, Path(tmp)) for size in args.sizes]
    results = merged(args.out / "growth.json", fresh)
    results.update(machine=machine(), duration_s=args.duration, concurrency=args.concurrency)
    (args.out / "growth.json").write_text(json.dumps(results, indent=2, allow_nan=False) + "\n")
    for path in plot(results, args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
