"""A storm of slow queries against the production server, and memory under a long load, on 127.0.0.1.

    .venv/bin/python bench/storm.py [--build build] [--slow 8] [--seconds 8] [--load-seconds 60]

1. Before and during a storm (--slow clients, each sending a slow query again as soon as the last one is
   answered or refused), p50/p99 of a cached answer and of fresh cheap queries (each new, so each runs),
   and how fast the slow queries beyond capacity are refused (503).
2. Resident memory of the whole server (every process) before and after wrk with 64 connections for
   --load-seconds on a mix of cached and fresh requests.
"""

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.serving import percentiles, rss_mb, settle, virtkg_server  # noqa: E402

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } # %s"
CHEAP = "ASK { <https://w3id.org/virtkg/resource/kvm> ?p ?o } # %s"
CACHED = "SELECT ?l WHERE { <https://w3id.org/virtkg/resource/kvm> rdfs:label ?l }"


def timed(url: str, query: str) -> tuple[float, int]:
    started = time.perf_counter()
    status = requests.get(url + "/sparql", params={"query": query}, timeout=60).status_code
    return time.perf_counter() - started, status


def probe(url: str, rounds: int) -> dict:
    cached = [timed(url, CACHED)[0] for _ in range(rounds)]
    fresh = [timed(url, CHEAP % time.perf_counter_ns()) for _ in range(rounds // 4)]
    fails = sum(1 for _, status in fresh if status != 200)
    (c50, c99), (f50, f99) = percentiles(cached), percentiles([t for t, _ in fresh])
    return {"cached_p50_ms": round(c50, 2), "cached_p99_ms": round(c99, 2),
            "fresh_p50_ms": round(f50, 2), "fresh_p99_ms": round(f99, 2), "fresh_not_200": fails}


def storm(url: str, clients: int, seconds: float) -> tuple[dict, dict]:
    stop, slow = threading.Event(), []

    def client(n: int):
        while not stop.is_set():
            slow.append(timed(url, SLOW % f"{n}-{time.perf_counter_ns()}"))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    time.sleep(1)
    during = probe(url, int(seconds * 40))
    stop.set()
    for t in threads:
        t.join()
    refused = [t for t, status in slow if status == 503]
    r50, r99 = percentiles(refused) if refused else (float("nan"), float("nan"))
    return during, {"slow_requests": len(slow), "refused_503": len(refused), "refused_p50_ms": round(r50, 1),
                    "refused_p99_ms": round(r99, 1), "answered_200": sum(1 for _, s in slow if s == 200)}


def load(url: str, seconds: int) -> None:
    script = Path(__file__).with_name("fresh.lua")
    query = urllib.parse.quote(CACHED)
    subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "-s", str(script), f"{url}/sparql?query={query}"],
                   check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--slow", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--load-seconds", type=int, default=60)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"], check=True,
                       stdout=subprocess.DEVNULL)
    with virtkg_server(args.build, 64) as (url, _, process):
        before = probe(url, int(args.seconds * 40))
        during, slow = storm(url, args.slow, args.seconds)
        settle(process.pid)
        rss_before = rss_mb(process.pid)
        load(url, args.load_seconds)
        settle(process.pid)
        rss_after = rss_mb(process.pid)
    print(json.dumps({"before_storm": before, "during_storm": during, "slow_queries": slow,
                      "rss_mb": {"before_load": round(rss_before, 1), "after_64_connections": round(rss_after, 1),
                                 "load_seconds": args.load_seconds}}, indent=2))


if __name__ == "__main__":
    main()
