"""p50 and p99 of each canned query over HTTP, cold (response store off: every request runs the query)
and cached (store on, the same request repeated), against `virtkg serve --production` on 127.0.0.1.

    .venv/bin/python bench/canned.py [--build build] [--requests 200] [--seconds 20]

Each query is called with its own `#+ example` parameters, sequentially (concurrency 1), at most
--requests times and for at most --seconds per query and mode.
"""

import argparse
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.serving import percentiles, virtkg_server  # noqa: E402
from kg import canned  # noqa: E402


def measure(url: str, query: canned.CannedQuery, count: int, seconds: float) -> tuple[float, float, int]:
    session, samples, deadline = requests.Session(), [], time.monotonic() + seconds
    while len(samples) < count and time.monotonic() < deadline:
        start = time.perf_counter()
        response = session.get(f"{url}/api/{query.name}", params=query.example_args, timeout=30)
        samples.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{query.name}: HTTP {response.status_code}: {response.text[:200]}")
    p50, p99 = percentiles(samples)
    return p50, p99, len(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=Path("build"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    queries = canned.load_all()
    results = {}
    for mode, cache_mb in (("cold", 0), ("cached", 64)):
        with virtkg_server(args.build, cache_mb) as (url, _started, _process):
            for query in queries.values():
                results[(query.name, mode)] = measure(url, query, args.requests, args.seconds)
    print(f"{'query':<14} {'cold p50':>9} {'cold p99':>9} {'cached p50':>11} {'cached p99':>11}   (ms, n per mode)")
    for name in sorted(queries):
        cold, cached = results[(name, "cold")], results[(name, "cached")]
        print(f"{name:<14} {cold[0]:>9.2f} {cold[1]:>9.2f} {cached[0]:>11.2f} {cached[1]:>11.2f}   n={cold[2]}/{cached[2]}")


if __name__ == "__main__":
    main()
