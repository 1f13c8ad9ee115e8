"""Loading a user's inventory with --extra as it grows: wall time and peak memory of
`virtkg query "ASK {}" --extra FILE` (stream-parse, write in batches, check every batch with our shapes),
for a synthetic inventory in a user's own namespace at each size.

    .venv/bin/python bench/loading.py [--sizes 1e5,1e6] [--build build] [--json bench/results/loading.json]

Peak memory is the child's maximum resident set (getrusage); the inventory is written to a temporary
folder first and removed at the end.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench import synthetic  # noqa: E402
from bench.growth import machine  # noqa: E402

USER_BASE = "https://example.org/inventory/"


def measure(size: str, build: Path, tmp: Path) -> dict:
    data = tmp / f"inventory-{size}.nq"
    with data.open("w", encoding="utf-8") as out:
        statements = synthetic.write(out, int(float(size)), base=USER_BASE)
    started = time.perf_counter()
    done = subprocess.run([str(Path(sys.executable).parent / "virtkg"), "query", "ASK {}", "--extra", str(data),
                           "--out", str(build)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{size}: {done.stderr.strip()}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024  # the largest child so far, in MB
    return {"size": size, "statements": statements, "file_mb": round(data.stat().st_size / (1 << 20), 1),
            "seconds": round(seconds, 1), "peak_rss_mb": peak, "said": done.stderr.strip().splitlines()[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda s: s.split(","), default=["1e5", "1e6"])
    parser.add_argument("--build", type=Path, default=Path("build"))
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="virtkg-loading-") as tmp:
        rows = [measure(size, args.build, Path(tmp)) for size in sorted(args.sizes, key=float)]
    for row in rows:
        print(f"{row['size']:>6} {row['statements']:>11,} statements {row['file_mb']:>8} MB  {row['seconds']:>8} s"
              f"  peak {row['peak_rss_mb']:>6} MB")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "runs": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
