"""Prometheus metrics. In production every worker process writes to PROMETHEUS_MULTIPROC_DIR and
/metrics merges them; a single process reports its own registry. Requests are counted at the edge
(api.edge), so answers from the response store are counted like the rest."""

import os
import time
from functools import lru_cache

from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import REGISTRY, multiprocess

REQUESTS = Counter("virtkg_requests_total", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram("virtkg_request_seconds", "Time to answer an HTTP request", ["endpoint"],
                    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
CACHE = Counter("virtkg_result_cache_total", "Storable answers served from the response store (hit) or made (miss)",
                ["result"])
TIMEOUTS = Counter("virtkg_query_timeouts_total", "Queries stopped at their time limit")
RESTARTS = Counter("virtkg_query_process_restarts_total", "Query processes killed (time limit) or lost, and replaced")
FAST = Counter("virtkg_query_fast_path_total", "Queries provably cheap enough to answer in the server process (kg.bounded)")
REFUSED = Counter("virtkg_query_refused_total", "Queries refused at once because every query process was busy")

blueprint = Blueprint("metrics", __name__)


@blueprint.route("/metrics")
def metrics_page():
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def record(endpoint: str, method: str, status: str, started: float) -> None:
    counted, timed = _series(endpoint, method, status)
    counted.inc()
    timed.observe(time.perf_counter() - started)


@lru_cache(maxsize=4096)  # routes x the methods HTTP/1.1 parses x statuses: a bounded set
def _series(endpoint: str, method: str, status: str):
    """The request's counter and histogram, looked up once: `labels()` costs more than the count itself."""
    return REQUESTS.labels(endpoint, method, status), LATENCY.labels(endpoint)


def install(app, endpoint_key: str) -> None:
    """Name each request by its route (a bounded label set) for the edge to count it under."""
    @app.before_request
    def name_endpoint():
        request.environ[endpoint_key] = request.url_rule.rule if request.url_rule else "unmatched"
