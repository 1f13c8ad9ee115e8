"""Server time and weight of each page type, against `virtkg serve --production` on 127.0.0.1:
p50 and p99 uncached (response store off: every request renders the page and runs its queries) and
cached (store on, the same request repeated), and the bytes a browser fetches (HTML, plus the
stylesheet and scripts it links, as sent: gzip where the browser accepts it).

    .venv/bin/python bench/pages.py [--build build] [--requests 100] [--seconds 15]

Requests are sequential (concurrency 1) with keep-alive; times are measured at the client, so they
include the loopback round trip (about 0.2 ms).
"""

import argparse
import re
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.serving import percentiles, virtkg_server  # noqa: E402

PAGES = {
    "home": "/", "concept": "/resource/kvm", "concept (claims)": "/resource/containers",
    "class": "/ontology/Type1Hypervisor", "document": "/source/002", "section": "/source/002/4-performance",
    "graph": "/graph/002/4-performance", "ontology docs": "/ontology", "search": "/search?list=&q=hypervisor",
    "compare": "/compare?a=virtual+machines&b=containers", "advise": "/advise?need=untrusted+code",
    "not found": "/resource/kvmm",
}
MISSING = {PAGES["not found"]}
HTML = {"Accept": "text/html", "Accept-Encoding": "gzip"}


def measure(url: str, path: str, count: int, seconds: float) -> tuple[float, float, int]:
    session, samples, deadline = requests.Session(), [], time.monotonic() + seconds
    while len(samples) < count and time.monotonic() < deadline:
        start = time.perf_counter()
        status = session.get(url + path, headers=HTML, timeout=30).status_code
        samples.append(time.perf_counter() - start)
        if status != (404 if path in MISSING else 200):
            raise SystemExit(f"{path}: HTTP {status}")
    p50, p99 = percentiles(samples)
    return p50, p99, len(samples)


def weight(url: str, path: str) -> tuple[int, int, int]:
    """Bytes of HTML as sent, of HTML uncompressed, and of the assets it links (as sent)."""
    response = requests.get(url + path, headers=HTML, stream=True)
    sent = len(response.raw.read(decode_content=False))
    html = requests.get(url + path, headers={"Accept": "text/html"}).text
    assets = set(re.findall(r'(?:href|src)="(/[^"]+\.(?:css|js))"', html))
    return sent, len(html.encode()), sum(len(requests.get(url + a, headers=HTML, stream=True).raw.read(decode_content=False))
                                          for a in assets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, default=Path("build"))
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    results, weights = {}, {}
    for mode, cache_mb in (("uncached", 0), ("cached", 64)):
        with virtkg_server(args.build, cache_mb) as (url, _started, _process):
            for name, path in PAGES.items():
                requests.get(url + path, headers=HTML)  # the first request after start-up reads the per-build indexes
                results[(name, mode)] = measure(url, path, args.requests, args.seconds)
                if mode == "cached":
                    weights[name] = weight(url, path)
    print(f"{'page':<17} {'uncached p50':>12} {'p99':>7} {'cached p50':>11} {'p99':>7}  {'HTML sent':>10} {'HTML':>8} {'assets':>8}")
    for name in PAGES:
        (u50, u99, _), (c50, c99, _) = results[(name, "uncached")], results[(name, "cached")]
        sent, raw, assets = weights[name]
        print(f"{name:<17} {u50:>12.1f} {u99:>7.1f} {c50:>11.2f} {c99:>7.2f}  {sent:>10,} {raw:>8,} {assets:>8,}")
    print("(times in ms; bytes as sent with Accept-Encoding: gzip)")


if __name__ == "__main__":
    main()
