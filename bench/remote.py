"""p50 of each canned query and of a page, uncached, from the embedded store and from the same build
published into Oxigraph's server and into Virtuoso (`virtkg serve --store`), on 127.0.0.1.

    .venv/bin/python bench/remote.py [--build build] [--requests 50]

Each server runs with its response store off (VIRTKG_CACHE_MB=0), one process; requests are sequential.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.serving import free_port, oxigraph_server, percentiles, running, virtuoso  # noqa: E402
from kg import canned  # noqa: E402

PAGES = ["/resource/kvm", "/compare?a=vm&b=containers"]


def serve(build: Path, *extra: str):
    port = free_port()
    return running([sys.executable, "-m", "api", "serve", "--out", str(build), "--port", str(port), *extra],
                   f"http://127.0.0.1:{port}", "/healthz", env={**os.environ, "VIRTKG_CACHE_MB": "0"})


def publish(build: Path, endpoint: str, env: dict | None = None) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "api", "publish", "--endpoint", endpoint, "--out", str(build)],
                   check=True, stdout=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    return time.perf_counter() - started


def p50(url: str, path: str, query_params, count: int) -> float:
    session, samples = requests.Session(), []
    session.get(url + path, params=query_params, headers={"Accept": "text/html"})  # the store's first compile
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(url + path, params=query_params, headers={"Accept": "text/html"})
        samples.append(time.perf_counter() - started)
        response.raise_for_status()
    return percentiles(samples)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=Path("build"))
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    queries = canned.load_all()
    targets = [(f"/api/{name}", q.example_args) for name, q in sorted(queries.items())] + [(p, None) for p in PAGES]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        ox_url, _, _ = stack.enter_context(oxigraph_server(Path(tmp) / "oxigraph"))
        v_url, _, _, _ = stack.enter_context(virtuoso(Path(tmp)))
        published = {"oxigraph": publish(args.build, ox_url + "/query"),
                     "virtuoso": publish(args.build, v_url + "/sparql", {"VIRTKG_STORE_USER": "dba",
                                                                         "VIRTKG_STORE_PASSWORD": "dba"})}
        servers = {"embedded": stack.enter_context(serve(args.build))[0],
                   "oxigraph": stack.enter_context(serve(args.build, "--store", ox_url + "/query"))[0],
                   "virtuoso": stack.enter_context(serve(args.build, "--store", v_url + "/sparql"))[0]}
        print("publish: " + ", ".join(f"{k} {v:.1f} s" for k, v in published.items()))
        print(f"{'p50 ms, uncached':<34} {'embedded':>9} {'oxigraph':>9} {'virtuoso':>9}")
        for path, query_params in targets:
            row = [p50(url, path, query_params, args.requests) for url in servers.values()]
            print(f"{path:<34} " + " ".join(f"{v:>9.1f}" for v in row))


if __name__ == "__main__":
    main()
