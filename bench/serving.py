"""Start and stop servers for the benchmarks, on 127.0.0.1 only, and summarise latencies."""

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> float:
    """Seconds from now until `url` answers; the server must not exit meanwhile."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return time.monotonic() - start
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            todo += [int(p) for p in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


@contextmanager
def running(command: list[str], url: str, probe: str, env: dict | None = None, cwd: Path | None = None,
            seconds: float = 60):
    """Start a server process, wait for `url + probe` to answer; yields (url, start seconds, process)."""
    launched = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(url + probe, process, seconds)
        yield url, time.monotonic() - launched, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def virtkg_server(build: Path, cache_mb: int):
    """`virtkg serve --production`, with its default workers and threads, on a free port."""
    port = free_port()
    return running([sys.executable, "-m", "api", "serve", "--production", "--out", str(build), "--port", str(port)],
                   f"http://127.0.0.1:{port}", "/healthz",
                   env={**os.environ, "VIRTKG_CACHE_MB": str(cache_mb)})


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p99 * 1000
