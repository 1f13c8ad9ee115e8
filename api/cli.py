"""The `virtkg` console script: the graph commands of kg.cli plus `serve`, which needs the web layer
(kg never imports api; this module composes the two)."""

import os
import tempfile

import click

from api.config import Settings
from kg.cli import main, out_option


class _Gunicorn:
    """Run the app under gunicorn's own arbiter, configured from here rather than a config file."""

    @staticmethod
    def run(options: dict) -> None:
        from gunicorn.app.base import BaseApplication

        class Application(BaseApplication):
            def load_config(self):
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self):
                from api import create_app
                return create_app()

        Application().run()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--production", is_flag=True, help="Serve with gunicorn: several worker processes, each threaded.")
@click.option("--workers", default=lambda: min(4, (os.cpu_count() or 1) + 1), show_default="CPUs + 1, at most 4",
              type=int, help="gunicorn worker processes (--production).")
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per worker (--production).")
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
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="virtkg-metrics-"))
    _Gunicorn.run({"bind": f"{host}:{port}", "workers": workers, "threads": threads, "worker_class": "gthread",
                   "timeout": int(settings.query_timeout) + 30, "keepalive": 5, "accesslog": None})


if __name__ == "__main__":
    main()
