"""What the HTTP surfaces share: the open build, the query workers and the canned queries.
Views ask this object for answers; none of them touches the store or the workers directly.

A running server follows its builds: a watcher notices when `current` points at a new build, opens it
with its own query processes, and switches to it; requests already running finish on the old one,
whose processes are stopped once the longest query could have ended. While a process serves a build it
holds that build (kg.store.hold), so a later `virtkg build` never deletes it from under it."""

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from api import metrics
from api.config import Settings
from api.executor import Job, Outcome, PoolBusy, QueryPool, QueryTimeout, RemoteRunner
from api.errors import ApiError
from kg import canned
from kg.remote import RemoteStore, StoreUnavailable
from kg.store import EmbeddedStore, current_build, hold

POLL_SECONDS = 1.0  # how often a server looks for a new build


@dataclass(frozen=True)
class Generation:
    """One build as served: its store, its query processes, its name lookups, and the hold on it."""

    store: EmbeddedStore
    pool: QueryPool | RemoteRunner
    lookup: canned.Lookup
    held: object

    @classmethod
    def open(cls, build_dir: Path, settings: Settings) -> "Generation":
        store = EmbeddedStore.open(build_dir)
        held = hold(store.path)
        if settings.store_url:  # queries go to that store; the build still gives the report, dumps, names
            remote = RemoteStore(settings.store_url, [g for g in store.report["triples_per_graph"] if g != "default"],
                                 settings.query_timeout)
            return cls(store, RemoteRunner(remote), canned.Lookup(store.query), held)
        quads = store.report.get("quads", 0) + store.report.get("triples", 0)  # named graphs + the materialised default
        pool = QueryPool(str(store.path / "store"), settings.query_workers, settings.query_memory_mb << 20,
                         in_memory=bool(store.report.get("quads")) and quads <= settings.in_memory_quads,
                         fast_store=store.store, fast_work=settings.fast_work)
        return cls(store, pool, canned.Lookup(store.query), held)

    def close(self) -> None:
        self.pool.close()
        self.held.close()


class Service:
    def __init__(self, settings: Settings, generation: Generation):
        self.settings = settings
        self.generation = generation
        self.queries: dict[str, canned.CannedQuery] = canned.load_all()

    @classmethod
    def start(cls, settings: Settings, follow: bool = True) -> "Service":
        service = cls(settings, Generation.open(settings.build_dir, settings))
        if follow:
            threading.Thread(target=service._follow, name="build-watcher", daemon=True).start()
        return service

    @property
    def store(self) -> EmbeddedStore:
        return self.generation.store

    @property
    def lookup(self) -> canned.Lookup:
        return self.generation.lookup

    @property
    def build_id(self) -> str:
        return self.generation.store.build_id

    def _follow(self) -> None:
        failed = None  # a build that would not open is tried again only once `current` moves on
        while True:
            time.sleep(POLL_SECONDS)
            try:
                target = current_build(self.settings.build_dir)
                if target not in (self.generation.store.path, failed):
                    failed = target
                    self._switch()
                    failed = None
            except Exception:  # noqa: BLE001 - a build being written or broken: keep serving the old one
                logging.getLogger(__name__).exception("could not switch to the new build; serving %s",
                                                      self.build_id)

    def _switch(self) -> None:
        old, self.generation = self.generation, Generation.open(self.settings.build_dir, self.settings)
        threading.Timer(self.settings.query_timeout + 5, old.close).start()

    def answer_here(self, job: Job) -> Outcome | None:
        """`job` answered in this process if the fast path proves it cheap, else None; a query error raises."""
        return self.generation.pool.run_here(job)

    def answer(self, job: Job, timeout: float) -> Outcome:
        """From a worker, within `timeout` (repeated requests are answered at the edge, api.edge)."""
        try:
            return self.generation.pool.run(job, timeout)
        except QueryTimeout as e:
            metrics.TIMEOUTS.inc()
            if e.express:
                raise ApiError("the server is busy with long queries and this one did not finish in the time "
                               "left for others; try again shortly", 503, {"Retry-After": "5"}) from None
            raise ApiError(f"the query ran past its time limit of {timeout:g} s and was stopped", 503,
                           {"Retry-After": "1"}) from None
        except StoreUnavailable as e:
            raise ApiError(str(e), 504 if e.timed_out else 502, {"Retry-After": "5"}) from None
        except PoolBusy:
            metrics.REFUSED.inc()
            raise ApiError("the server is busy with long queries; try again shortly", 503,
                           {"Retry-After": "5"}) from None
