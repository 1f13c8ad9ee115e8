"""Prometheus metrics. Under gunicorn every worker process writes to PROMETHEUS_MULTIPROC_DIR and
/metrics merges them; a single process reports its own registry."""

import os
import time

from flask import Blueprint, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import REGISTRY, multiprocess

REQUESTS = Counter("virtkg_requests_total", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram("virtkg_request_seconds", "Time to answer an HTTP request", ["endpoint"],
                    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
CACHE = Counter("virtkg_result_cache_total", "Result cache lookups", ["result"])
TIMEOUTS = Counter("virtkg_query_timeouts_total", "Queries stopped at their time limit")

blueprint = Blueprint("metrics", __name__)


@blueprint.route("/metrics")
def metrics_page():
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def install(app) -> None:
    @app.before_request
    def start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def record(response):
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        LATENCY.labels(endpoint).observe(time.perf_counter() - g.get("started", time.perf_counter()))
        return response
