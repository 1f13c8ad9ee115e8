"""One build of the shipped graph per test session, made through the real CLI, shared read-only."""

import contextlib
import csv
import os
import shutil
import subprocess
import sys
from urllib.parse import urlparse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
CHROMIUM = shutil.which("chromium")


def virtkg(*args: str, check: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the CLI as a user would, in a separate process."""
    result = subprocess.run([sys.executable, "-m", "api", *args], capture_output=True, text=True,
                            cwd=cwd, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"virtkg {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def canned_cases(known: dict[str, str] | None = None) -> list:
    """Each canned query with its example, and with no parameter where none is required, as pytest
    params (name, arguments) with ids `name-example` and `name-unbound`; a case `known` to fail (id ->
    why) is a strict xfail, so it fails the day it is fixed."""
    from kg import canned
    cases = []
    for name, query in sorted(canned.load_all().items()):
        unbound = [] if any(p.required for p in query.params) else [("unbound", {})]
        for label, args in [("example", query.example_args), *unbound]:
            case = f"{name}-{label}"
            marks = [pytest.mark.xfail(reason=known[case], strict=True)] if case in (known or {}) else []
            cases.append(pytest.param(name, args, id=case, marks=marks))
    return cases


def comparable_csv(lines: list[bytes]) -> list[tuple[str, ...]]:
    """CSV result lines, sorted, with each list a GROUP_CONCAT made (IRIs joined by spaces, labels by
    commas) as a sorted list: SPARQL leaves the order inside GROUP_CONCAT to the engine."""
    def cell(value: str) -> str:
        sep = " " if " https://" in value else ", "
        return sep.join(sorted(value.split(sep)))
    return sorted(tuple(cell(c) for c in row) for row in csv.reader(line.decode() for line in lines))


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build")
    virtkg("build", "--quiet", "--out", str(out))
    return out


@pytest.fixture(scope="session")
def store(build_dir):
    from kg.store import EmbeddedStore
    return EmbeddedStore.open(build_dir)


@pytest.fixture()
def facts_copy(tmp_path) -> Path:
    """A writable copy of the shipped fact files, for tests that add a broken one."""
    target = tmp_path / "facts"
    target.mkdir()
    for path in (ROOT / "kg" / "facts").glob("*.trig"):
        shutil.copy(path, target)
    return target


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real `virtkg serve` on 127.0.0.1, started in its own process and stopped after use."""

    def __init__(self, build: Path, *extra: str, env: dict | None = None):
        import os
        import time
        import urllib.request
        self.build = build
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "api", "serve", "--out", str(build),
                                         "--port", str(self.port), *extra],
                                        env={**os.environ, **(env or {})},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited: {self.process.stderr.read()}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("server did not start within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def server(build_dir):
    running = Server(build_dir, env={"VIRTKG_QUERY_TIMEOUT": "3", "VIRTKG_ROW_LIMIT": "500"})
    yield running
    running.stop()


def write_build(out: Path, quads: list, report: dict | None = None, build_id: str = "test-build") -> Path:
    """A build folder holding just `quads`, in the layout `virtkg build` writes, for serving test data;
    its report is `report` (by default, the quads per graph) with the build's own counts."""
    import json
    import pyoxigraph as ox
    from kg import counts
    from kg.store import with_default_graph
    build = out / "test-build"
    build.mkdir()
    store = ox.Store(str(build / "store"))
    store.extend(with_default_graph(quads))
    store.flush()
    counted = counts.count(store)
    del store
    per_graph = {}
    for q in quads:
        name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else "default"
        per_graph[name] = per_graph.get(name, 0) + 1
    (build / "report.json").write_text(json.dumps({**(report or {"triples_per_graph": per_graph}),
                                                   "build_id": build_id, "counts": counted}))
    (out / "current").symlink_to("test-build")
    return out


# --- headless Debian Chromium, for the pages' browser tests -------------------------------------------

@pytest.fixture(scope="session")
def browser():
    assert CHROMIUM, "Debian's chromium must be installed (the test set-up command installs it)"
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, server):
    """A fresh page that records console errors and every host it contacts."""
    page = browser.new_page()
    page.problems, page.hosts = [], set()
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("request", lambda r: page.hosts.add(urlparse(r.url).netloc))
    page.on("requestfailed", lambda r: None if r.failure == "net::ERR_ABORTED"  # cut short by navigating on
            else page.problems.append(f"failed: {r.url} ({r.failure})"))
    yield page
    assert page.problems == []
    assert page.hosts == {urlparse(server.url).netloc}, "everything is served from our own origin"
    page.close()


# --- real triple stores the build is published into ---------------------------------------------------

@contextlib.contextmanager
def published(kind: str, tmp: Path, build_dir: Path):
    """A real store of `kind` ("oxigraph" server or "virtuoso"), started on 127.0.0.1, with the build
    published into it by `virtkg publish`; yields its query endpoint."""
    from bench.serving import oxigraph_server, virtuoso
    if kind == "oxigraph":
        with oxigraph_server(tmp / "oxigraph") as (url, _, _):
            virtkg("publish", "--endpoint", url + "/query", "--out", str(build_dir))
            yield url + "/query"
    else:
        with virtuoso(tmp) as (url, _, _, _):
            os.environ.update(VIRTKG_STORE_USER="dba", VIRTKG_STORE_PASSWORD="dba")
            try:
                virtkg("publish", "--endpoint", url + "/sparql", "--out", str(build_dir))
            finally:
                del os.environ["VIRTKG_STORE_USER"], os.environ["VIRTKG_STORE_PASSWORD"]
            yield url + "/sparql"
