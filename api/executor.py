"""Evaluate SPARQL in worker processes, so that a query past its time limit is really stopped.

Oxigraph cannot cancel a running query, so each query runs in a worker process that holds the store
open read-only; on timeout the worker is killed (its work ends with it) and a fresh one replaces it.
Results are serialised by the engine inside the worker. A row cap is applied without rebuilding rows
in Python: the engine writes TSV (one line per row, lossless) or N-Triples (one line per triple) into
a sink that stops the engine after the cap, and the kept lines are re-serialised natively.
"""

import io
import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass, field

import pyoxigraph as ox

from api import formats
from kg.errors import QueryError


class QueryTimeout(Exception):
    """The query ran past its time limit and its worker was stopped."""


class PoolBusy(Exception):
    """Every worker stayed busy for as long as the query could have run."""


@dataclass(frozen=True)
class Job:
    query: str
    format: str          # a name from api.formats, see formats.job_name
    row_cap: int         # rows (or triples) to return at most; `truncated` says whether more exist
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    offset: int = 0      # rows to skip first, for pages
    substitutions: tuple[tuple[str, ox.NamedNode | ox.Literal], ...] = ()
    base_iri: str | None = None  # what relative IRIs in the query resolve against


@dataclass(frozen=True)
class Outcome:
    body: bytes
    truncated: bool = False


class _CapReached(Exception):
    pass


@dataclass
class _LineSink(io.RawIOBase):
    """Collects engine output and stops the engine once it has written `cap` lines."""

    cap: int
    data: bytearray = field(default_factory=bytearray)
    lines: int = 0

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        chunk = bytes(chunk)
        self.data += chunk
        self.lines += chunk.count(b"\n")
        if self.lines > self.cap:
            raise _CapReached
        return len(chunk)


def _page(write, header: bool, offset: int, cap: int) -> tuple[bytes, bool]:
    """Lines `offset` to `offset + cap` of what the engine writes (after its header line, if any), and
    whether the engine had more; the engine is stopped one line past the page."""
    heading = 1 if header else 0
    sink = _LineSink(heading + offset + cap)
    try:
        write(sink)
    except _CapReached:
        pass
    lines = [line + b"\n" for line in bytes(sink.data).split(b"\n")[:-1]]  # complete lines only
    kept = lines[:heading] + lines[heading + offset:heading + offset + cap]
    return b"".join(kept), len(lines) > heading + offset + cap


def evaluate(store: ox.Store, job: Job) -> Outcome:
    """Run one job against an open store; raises SyntaxError for a malformed query."""
    options = {"use_default_graph_as_union": not job.default_graphs, "base_iri": job.base_iri}
    if job.default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.substitutions:
        options["substitutions"] = {ox.Variable(name): term for name, term in job.substitutions}
    results = store.query(job.query, **options)
    fmt = formats.by_name(job.format)
    if isinstance(results, ox.QueryBoolean):
        return Outcome(results.serialize(format=fmt.results))
    if isinstance(results, ox.QuerySolutions):
        tsv, truncated = _page(lambda out: results.serialize(out, format=ox.QueryResultsFormat.TSV),
                               True, job.offset, job.row_cap)
        if fmt.results == ox.QueryResultsFormat.TSV:
            return Outcome(tsv, truncated)
        solutions = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
        return Outcome(solutions.serialize(format=fmt.results), truncated)
    nt, truncated = _page(lambda out: ox.serialize(results, out, format=ox.RdfFormat.N_TRIPLES),
                          False, job.offset, job.row_cap)
    if fmt.rdf == ox.RdfFormat.N_TRIPLES:
        return Outcome(nt, truncated)
    return Outcome(ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=fmt.rdf,
                                prefixes=fmt.prefixes), truncated)


def _serve(conn, store_path: str) -> None:
    """A worker's loop: one job in, one ("ok", Outcome) or ("bad", message) out."""
    store = ox.Store.read_only(store_path)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", evaluate(store, job)))
        except SyntaxError as e:
            conn.send(("bad", f"query does not parse: {e}"))
        except (OSError, ValueError, TypeError) as e:
            conn.send(("bad", f"query could not be evaluated: {e}"))


@dataclass
class _Worker:
    process: multiprocessing.Process
    conn: object


class QueryPool:
    """A fixed number of worker processes over one store; callers borrow one per query."""

    def __init__(self, store_path: str, size: int):
        self._context = multiprocessing.get_context("spawn")  # safe in threaded and forked servers
        self._store_path = store_path
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self.size = size
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self._store_path), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and start its successor off the request path."""
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        threading.Thread(target=lambda: self._idle.put(self._spawn()), daemon=True).start()

    def run(self, job: Job, timeout: float) -> Outcome:
        """Evaluate `job`; waiting for a free worker counts against the same time limit."""
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise PoolBusy from None
        try:
            worker.conn.send(job)
            if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                raise QueryTimeout
            status, payload = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            raise QueryError("the query worker stopped unexpectedly") from None
        self._idle.put(worker)
        if status == "bad":
            raise QueryError(payload)
        return payload

    def close(self) -> None:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            worker.process.kill()
            worker.conn.close()
