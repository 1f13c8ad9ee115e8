"""The `virtkg` console script: the graph commands of kg.cli plus `serve`, which needs the web layer
(kg never imports api; this module composes the two)."""

import os
import sys
import tempfile

import click

from api.config import Settings
from kg.cli import main, out_option


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--production", is_flag=True,
              help="Serve with granian: several worker processes, HTTP handled in Rust, each worker threaded.")
@click.option("--workers", default=lambda: os.cpu_count() or 1, show_default="one per CPU", type=int,
              help="Server processes (--production); each has its own pool of query processes.")
@click.option("--threads", default=4, show_default=True, type=int,
              help="Threads per server process that answer requests (--production).")
@out_option
def serve(host, port, production, workers, threads, out_dir):
    """Serve the current build: /sparql, /api, pages, /healthz and /metrics."""
    os.environ["VIRTKG_BUILD_DIR"] = str(out_dir)
    settings = Settings.from_env()
    from kg.store import EmbeddedStore
    EmbeddedStore.open(settings.build_dir)  # fail now, in one line, if there is nothing to serve
    if not production:
        from api import create_app
        create_app(settings).run(host=host, port=port, threaded=True)
        return
    # A fresh interpreter, so that prometheus_client starts in multiprocess mode in every worker.
    # Query processes default to one CPU each across all workers: more only contend for the CPUs
    # (measured in bench/sparql.py: 2 workers x 1 beat 2 x 2 on every query of the mix, cache off).
    env = {"VIRTKG_QUERY_WORKERS": str(max(1, (os.cpu_count() or 1) // workers)), **os.environ,
           "PROMETHEUS_MULTIPROC_DIR": os.environ.get("PROMETHEUS_MULTIPROC_DIR")
           or tempfile.mkdtemp(prefix="virtkg-metrics-")}
    os.execve(sys.executable, [sys.executable, "-m", "granian", "--interface", "wsgi", "--factory",
                               "--host", host, "--port", str(port), "--workers", str(workers),
                               "--blocking-threads", str(threads), "--respawn-failed-workers",
                               "--workers-kill-timeout", str(int(settings.query_timeout) + 30),
                               "api:create_app"], env)


if __name__ == "__main__":
    main()
