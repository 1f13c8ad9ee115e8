"""The `virtkg` console script: the graph commands of kg.cli plus `serve`, which needs the web layer
(kg never imports api; this module composes the two)."""

import os
import sys
import tempfile
from pathlib import Path

import click

from api.config import Settings
from kg.cli import extra_option, load_extra, main, out_option


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--production", is_flag=True,
              help="One server process per CPU (unless --workers says otherwise), each with its share of query processes.")
@click.option("--workers", type=int, help="Server processes [default: 1, or one per CPU with --production].")
@click.option("--threads", type=int, help="Request threads per server process [default: $VIRTKG_REQUEST_THREADS or 8].")
@click.option("--store", "store_url", help="Answer from this SPARQL endpoint, which `virtkg publish` filled from "
                                             "the current build, instead of the embedded store.")
@extra_option
@out_option
def serve(host, port, production, workers, threads, store_url, extras, out_dir):
    """Serve the current build: /sparql, /api, pages, /healthz and /metrics."""
    from kg.store import EmbeddedStore
    if store_url and extras:
        raise click.UsageError("--extra loads files beside the embedded store; publish them to the store instead")
    if extras:  # the build and the files, checked, in an overlay beside the builds (reused while unchanged)
        out_dir = load_extra(out_dir, [Path(p) for p in extras])
    os.environ["VIRTKG_BUILD_DIR"] = str(out_dir.resolve())
    if store_url:
        os.environ["VIRTKG_STORE_URL"] = store_url
    settings = Settings.from_env()
    EmbeddedStore.open(settings.build_dir)  # fail now, in one line, if there is nothing to serve
    cpus = os.cpu_count() or 1
    workers = workers or (cpus if production else 1)
    # Both modes run the same stack: uvicorn parses HTTP (httptools, uvloop; api.protocol), the edge
    # (ASGI) runs on its event loop, the Flask app on the edge's request threads. Query processes default
    # to one CPU each across all workers with --production: more only contend for the CPUs
    # (bench/sparql.py: 2 workers x 1 beat 2 x 2 on every query of the mix, store off).
    env = {**({"VIRTKG_QUERY_WORKERS": str(max(1, cpus // workers))} if production else {}), **os.environ,
           "PROMETHEUS_MULTIPROC_DIR": os.environ.get("PROMETHEUS_MULTIPROC_DIR")
           or tempfile.mkdtemp(prefix="virtkg-metrics-")}
    if threads:
        env["VIRTKG_REQUEST_THREADS"] = str(threads)
    # -P and --app-dir: import virtkg from where it is installed, never from a same-named folder in the
    # working directory (uvicorn would otherwise put the working directory first on the path).
    installed = str(Path(__file__).resolve().parents[1])
    os.execve(sys.executable, [sys.executable, "-P", "-m", "uvicorn", "--factory", "api:create_edge", "--app-dir", installed,
                               "--host", host, "--port", str(port), "--workers", str(workers),
                               "--http", "api.protocol:Protocol", "--loop", "uvloop", "--ws", "none",
                               "--lifespan", "on", "--no-access-log", "--no-server-header",
                               "--limit-concurrency", str(settings.max_connections),
                               "--timeout-keep-alive", "5",
                               "--timeout-graceful-shutdown", str(int(settings.query_timeout) + 5)], env)


if __name__ == "__main__":
    main()
