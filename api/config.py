"""Service settings: environment variables with documented defaults (see README, "Settings").
Per-request parameters may lower a limit, never raise it."""

import os
from dataclasses import dataclass
from pathlib import Path

from kg.sparql_syntax import MAX_DEPTH


def _env(name: str, default, cast):
    value = os.environ.get(name)
    return default if value in (None, "") else cast(value)


@dataclass(frozen=True)
class Settings:
    build_dir: Path             # VIRTKG_BUILD_DIR: where `virtkg build` wrote the graph
    query_timeout: float        # VIRTKG_QUERY_TIMEOUT: seconds a query may run (the cap; timeout= may lower it)
    max_query_bytes: int        # VIRTKG_MAX_QUERY_BYTES: longer query texts get 413
    row_limit: int              # VIRTKG_ROW_LIMIT: rows (or triples) beyond this are cut, and the cut is said
    max_response_bytes: int     # VIRTKG_MAX_RESPONSE_BYTES: a query's answer is cut at a whole row past this, and says so
    max_query_depth: int        # VIRTKG_MAX_QUERY_DEPTH: deeper-nested queries (syntax-tree levels) are refused
    query_memory_mb: int        # VIRTKG_QUERY_MEMORY_MB: data memory one query process may use
    query_workers: int          # VIRTKG_QUERY_WORKERS: query processes per server process
    in_memory_quads: int        # VIRTKG_IN_MEMORY_QUADS: a build of at most this many quads is queried from memory
    fast_work: int              # VIRTKG_FAST_WORK: a query proved to read at most this many statements runs in the server process; 0: never
    max_connections: int        # VIRTKG_MAX_CONNECTIONS: connections and requests in flight per server process (503 past it)
    request_threads: int        # VIRTKG_REQUEST_THREADS: threads per server process that run the app
    body_timeout: float         # VIRTKG_BODY_TIMEOUT: seconds a request body may take to arrive (408 past it)
    cache_mb: int               # VIRTKG_CACHE_MB: in-process cache of serialised results; 0 turns it off
    max_age: int                # VIRTKG_MAX_AGE: Cache-Control max-age, seconds
    assets_dir: Path            # VIRTKG_ASSETS_DIR: browser packages from the npm registry (YASGUI, Swagger UI)
    store_url: str | None       # VIRTKG_STORE_URL: a SPARQL endpoint the build was published to, queried instead

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        values = {
            "build_dir": _env("VIRTKG_BUILD_DIR", Path("build"), Path),
            "query_timeout": _env("VIRTKG_QUERY_TIMEOUT", 10.0, float),
            "max_query_bytes": _env("VIRTKG_MAX_QUERY_BYTES", 100_000, int),
            "row_limit": _env("VIRTKG_ROW_LIMIT", 10_000, int),
            "max_response_bytes": _env("VIRTKG_MAX_RESPONSE_BYTES", 8 << 20, int),
            "max_query_depth": _env("VIRTKG_MAX_QUERY_DEPTH", MAX_DEPTH, int),
            "query_memory_mb": _env("VIRTKG_QUERY_MEMORY_MB", 1024, int),
            "query_workers": _env("VIRTKG_QUERY_WORKERS", 2, int),
            "in_memory_quads": _env("VIRTKG_IN_MEMORY_QUADS", 100_000, int),
            "fast_work": _env("VIRTKG_FAST_WORK", 1000, int),
            "max_connections": _env("VIRTKG_MAX_CONNECTIONS", 512, int),
            "request_threads": _env("VIRTKG_REQUEST_THREADS", 8, int),
            "body_timeout": _env("VIRTKG_BODY_TIMEOUT", 10.0, float),
            "cache_mb": _env("VIRTKG_CACHE_MB", 64, int),
            "max_age": _env("VIRTKG_MAX_AGE", 300, int),
            "assets_dir": _env("VIRTKG_ASSETS_DIR", Path("node_modules"), Path),
            "store_url": _env("VIRTKG_STORE_URL", None, str),
        }
        values.update(overrides)
        return cls(**values)

    @property
    def editor_dir(self) -> Path:
        return self.assets_dir / "@zazuko" / "yasgui" / "build"

    @property
    def api_docs_dir(self) -> Path:
        return self.assets_dir / "swagger-ui-dist"
