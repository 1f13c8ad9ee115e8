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


def tree(pid: int) -> list[int]:
    """A process and all its descendants, from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            todo += [int(p) for p in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            continue
        found.append(current)
    return found


def _status_kb(pid: int, field: str) -> int:
    try:
        line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith(field))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants."""
    return sum(_status_kb(p, "VmRSS:") for p in tree(pid)) / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and all its descendants (user + system)."""
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / os.sysconf("SC_CLK_TCK")


def settle(pid: int, seconds: float = 300) -> float:
    """Wait until a server has finished the work a load left queued (under 5% of a CPU over half a
    second), so that one run's backlog is not measured in the next; returns the seconds waited."""
    start = time.monotonic()
    used = cpu_seconds(pid)
    while time.monotonic() - start < seconds:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - used < 0.025:
            break
        used = now
    return time.monotonic() - start


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


VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{isql}
DirsAllowed = ., {d}
NumberOfBuffers = 340000
MaxDirtyBuffers = 250000
ServerThreads = 16
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 16
MaxClientConnections = 32
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


@contextmanager
def virtuoso(workdir: Path):
    """A throw-away, empty Virtuoso (Debian's virtuoso-opensource) on its own ports, whose dba may write
    through the graph store (/sparql-graph-crud-auth); yields (url, isql port, start seconds, process)."""
    d = workdir / "virtuoso"
    d.mkdir()
    isql, http = free_port(), free_port()
    (d / "virtuoso.ini").write_text(VIRTUOSO_INI.format(d=d, isql=isql, http=http))
    url = f"http://127.0.0.1:{http}"
    with running(["virtuoso-t", "+foreground", "+configfile", str(d / "virtuoso.ini")], url,
                 "/sparql?query=ASK%7B%7D", cwd=d, seconds=120) as (_, started, process):
        subprocess.run(["isql-vt", str(isql), "dba", "dba", "exec=DB.DBA.USER_GRANT_ROLE('dba', 'SPARQL_UPDATE');"],
                       check=True, stdout=subprocess.DEVNULL, timeout=60)
        yield url, isql, started, process


def oxigraph_server(location: Path, *options: str):
    """Oxigraph's own server (PyPI `oxigraph`) over the store at `location`, on a free port."""
    port = free_port()
    command = "serve-read-only" if "--read-only" in options else "serve"
    return running([str(Path(sys.executable).parent / "oxigraph"), command, "--location", str(location),
                    "--bind", f"127.0.0.1:{port}", *(o for o in options if o != "--read-only")],
                   f"http://127.0.0.1:{port}", "/query?query=ASK%7B%7D")
