"""The virtkg HTTP service: one Flask app, one blueprint per surface, wired here and nowhere else."""

import gc

from flask import Flask
from flask_compress import Compress
from flask_cors import CORS

from api import canned_api, downloads, edge, errors, metrics, sparql, urls
from api.pages.views import blueprint as pages
from api.config import Settings
from api.service import Service
from kg.namespaces import curie

COMPRESSED = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
              "text/tab-separated-values", "text/turtle", "application/n-triples", "application/rdf+xml",
              "application/ld+json", "application/json", "text/html", "text/css", "application/javascript"]


MAX_HEADERS = 100  # as most servers (hyper, Go's net/http in effect): no client needs more


def create_app(settings: Settings | None = None) -> Flask:
    """The Flask app (WSGI): every surface, with nothing in front of it."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(COMPRESS_MIMETYPES=COMPRESSED, COMPRESS_MIN_SIZE=500, COMPRESS_ALGORITHM=["gzip"])
    app.json.sort_keys = False
    app.extensions["virtkg"] = Service.start(settings)
    errors.register(app)
    metrics.install(app, edge.ENDPOINT)
    for blueprint in (sparql.blueprint, canned_api.blueprint, metrics.blueprint, pages, downloads.blueprint):
        app.register_blueprint(blueprint)
    app.jinja_env.globals.update(href=urls.href, curie=curie)

    @app.route("/healthz")
    def healthz():
        return {"status": "ok", "build": app.extensions["virtkg"].build_id}

    Compress(app)
    CORS(app, send_wildcard=True, resources={r"/sparql": {"origins": "*", "methods": ["GET", "POST"]},
                                             r"/api/*": {"origins": "*", "methods": ["GET"]}})
    return app


def create_edge(settings: Settings | None = None) -> edge.Edge:
    """What the server runs (ASGI): the edge (api.edge) in front of the Flask app."""
    settings = settings or Settings.from_env()
    app = create_app(settings)
    limits = edge.Limits(max_headers=MAX_HEADERS, max_body=3 * settings.max_query_bytes, body_seconds=settings.body_timeout,
                         cache_bytes=settings.cache_mb << 20, threads=settings.request_threads)
    service = app.extensions["virtkg"]
    served = edge.Edge(app.wsgi_app, limits, lambda status, message, accept: errors.page(app, status, message, accept),
                       lambda: service.build_id, sparql.direct_answers(service, app.config["COMPRESS_MIN_SIZE"]))
    gc.freeze()  # what start-up made lives as long as the process: keep it out of every collection's scan
    return served
