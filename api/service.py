"""What the HTTP surfaces share: the open build, the query workers and the canned queries.
Views ask this object for answers; none of them touches the store or the workers directly."""

from dataclasses import dataclass

from api import metrics
from api.config import Settings
from api.executor import Job, Outcome, PoolBusy, QueryPool, QueryTimeout
from api.errors import ApiError
from kg import canned
from kg.store import EmbeddedStore


@dataclass
class Service:
    settings: Settings
    store: EmbeddedStore
    pool: QueryPool
    queries: dict[str, canned.CannedQuery]
    lookup: canned.Lookup

    @classmethod
    def start(cls, settings: Settings) -> "Service":
        store = EmbeddedStore.open(settings.build_dir)
        pool = QueryPool(str(store.path / "store"), settings.query_workers, settings.query_memory_mb << 20)
        return cls(settings, store, pool, canned.load_all(),
                   canned.Lookup(store.query))

    @property
    def build_id(self) -> str:
        return self.store.build_id

    def answer(self, job: Job, timeout: float) -> Outcome:
        """From a worker, within `timeout` (repeated requests are answered at the edge, api.edge)."""
        try:
            return self.pool.run(job, timeout)
        except QueryTimeout as e:
            metrics.TIMEOUTS.inc()
            if e.express:
                raise ApiError("the server is busy with long queries and this one did not finish in the time "
                               "left for others; try again shortly", 503, {"Retry-After": "5"}) from None
            raise ApiError(f"the query ran past its time limit of {timeout:g} s and was stopped", 503,
                           {"Retry-After": "1"}) from None
        except PoolBusy:
            metrics.REFUSED.inc()
            raise ApiError("the server is busy with long queries; try again shortly", 503,
                           {"Retry-After": "5"}) from None
