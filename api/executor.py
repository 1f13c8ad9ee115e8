"""Evaluate SPARQL in worker processes, so that a query past its time limit is really stopped.

Oxigraph cannot cancel a running query, so each query runs in a worker process that holds the store
open read-only; on timeout the worker is killed (its work ends with it) and a fresh one replaces it.
Workers confine themselves first (api.sandbox: no sockets, bounded memory) and evaluate on a thread
with a large stack, so no query can reach the network or overflow the engine's recursion.

Results are serialised by the engine inside the worker, within a row cap and a byte budget, without
rebuilding rows in Python: the engine writes TSV (one line per row, lossless) or N-Triples (one line
per triple) into a sink that stops the engine past the cap or the budget, and the kept lines are
re-serialised natively; a re-serialisation over the budget keeps proportionally fewer rows.

Admission: a query waits at most QUEUE_WAIT for one of the general workers. If all are still busy
(long queries are running) it may use the express worker, with at most EXPRESS_LIMIT to finish, so
fast queries keep being answered during a storm of slow ones; with that busy too, it is refused
(PoolBusy) instead of queueing behind work that may take the whole time limit. A query whose shape
(kg.sparql_syntax: its tokens without comments, layout or variable names) ran past EXPRESS_LIMIT
before is known to be slow: it never gets the express worker, so a storm of one slow query sent again
and again is refused after QUEUE_WAIT and leaves the express worker to the rest.
"""

import collections
import multiprocessing
import queue
import signal
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
from cachetools import LRUCache

from api import formats, metrics, sandbox
from kg import bounded
from kg.errors import QueryError
from kg.namespaces import PREFIXES
from kg.sparql_syntax import with_values

QUEUE_WAIT = 0.25        # seconds a query waits for a general worker before it is offered the express lane
EXPRESS_WAIT = 0.25      # seconds it then waits for the express worker before it is refused
EXPRESS_LIMIT = 1.0      # seconds a query may run on the express worker
START_TIMEOUT = 60       # seconds a new query process may take to confine itself and open the store
SLOW_SHAPES = 4096       # slow query shapes remembered
PROOFS = 4096            # fast-path proofs remembered (kg.bounded.bound, per query shape)
STACK_BYTES = 256 << 20  # the evaluating thread's stack: far past what the nesting bound lets a query need


class QueryTimeout(Exception):
    """The query ran past its time limit and its worker was stopped; `express` if the limit was the
    express lane's (the server was busy with long queries), not the query's own."""

    def __init__(self, express: bool = False):
        super().__init__()
        self.express = express


class PoolBusy(Exception):
    """Every worker, the express one included, stayed busy past the short admission wait."""


@dataclass(frozen=True)
class Job:
    query: str
    format: str          # a name from api.formats, see formats.job_name
    row_cap: int         # rows (or triples) to return at most; `truncated` says whether more exist
    byte_cap: int        # bytes of body to return at most, cut at a whole row
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    offset: int = 0      # rows to skip first, for pages
    substitutions: tuple[tuple[str, ox.NamedNode | ox.Literal], ...] = ()
    base_iri: str | None = None  # what relative IRIs in the query resolve against
    shape: str = ""      # what makes two jobs the same query for admission (see the module's note)
    prefixes: bool = True  # give the engine kg.namespaces.PREFIXES; a query that declares all it uses does
                           # not need them, and the engine reads them for every query (3 us of a label lookup)


@dataclass(frozen=True)
class Outcome:
    body: bytes
    cut: str | None = None   # "rows" or "bytes" when the answer was cut at the row cap or the byte budget
    rows: int = 0            # when cut: the rows (or triples) the body holds, so a page knows where the next begins

    @property
    def truncated(self) -> bool:
        return self.cut is not None


class _CapReached(Exception):
    pass


class _LineSink:
    """Collects engine output and stops the engine once it has written `cap` lines or `budget` bytes.
    A plain object with the two methods the engine calls: as an io.RawIOBase it added 22 us to a label
    lookup's serialisation, as this 16."""

    __slots__ = ("cap", "budget", "data", "lines")

    def __init__(self, cap: int, budget: int):
        self.cap, self.budget, self.data, self.lines = cap, budget, bytearray(), 0

    def write(self, chunk) -> int:
        kept = chunk[:max(0, self.budget + 1 - len(self.data))]  # never hold more than the budget
        self.data += kept
        self.lines += kept.count(b"\n")
        if self.lines > self.cap or len(self.data) > self.budget:
            raise _CapReached
        return len(kept)

    def flush(self) -> None:
        pass


def _lines(write, header: bool, offset: int, job: Job) -> tuple[list[bytes], list[bytes], str | None]:
    """The header line (if any) and lines `offset` to `offset + row_cap` of what the engine writes, and
    why the engine was stopped early, if it was: "rows" (it had more) or "bytes" (over the budget)."""
    heading = 1 if header else 0
    sink = _LineSink(heading + offset + job.row_cap, job.byte_cap)
    try:
        write(sink)
    except _CapReached:
        pass
    lines = [line + b"\n" for line in bytes(sink.data).split(b"\n")[:-1]]  # complete lines only
    cut = "bytes" if len(sink.data) > job.byte_cap else "rows" if len(lines) > heading + offset + job.row_cap else None
    return lines[:heading], lines[heading + offset:heading + offset + job.row_cap], cut


def _fit(head: list[bytes], rows: list[bytes], cut: str | None, render, budget: int) -> Outcome:
    """Render the rows; while the rendering is over the byte budget, keep proportionally fewer rows."""
    body = render(b"".join(head + rows))
    while len(body) > budget and rows:
        rows = rows[:int(len(rows) * budget / len(body) * 0.9)]
        body, cut = render(b"".join(head + rows)), "bytes"
    return Outcome(body, cut, len(rows))


def _results(store: ox.Store, job: Job):
    options = {"base_iri": job.base_iri}  # the default graph: the build's merge of all graphs
    if job.prefixes:
        options["prefixes"] = PREFIXES
    if job.default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    return store.query(with_values(job.query, dict(job.substitutions)), **options)


def _at_once(results, fmt: formats.Format, budget: int) -> Outcome | None:
    """The answer written by the engine in its format in one pass, or None past the byte budget."""
    sink = _LineSink(budget, budget)  # no more lines than bytes: only the budget can stop the engine
    try:
        if isinstance(results, ox.QuerySolutions):
            results.serialize(sink, format=fmt.results)
        else:
            ox.serialize(results, sink, format=fmt.rdf, prefixes=fmt.prefixes)
    except _CapReached:
        return None
    return Outcome(bytes(sink.data))


def evaluate(store: ox.Store, job: Job, at_most: int | None = None) -> Outcome:
    """Run one job against an open store; raises SyntaxError for a malformed query. Given `at_most`, a
    proved bound of the answer's rows (kg.bounded) within the row cap, the engine writes the answer in
    its format at once, instead of in lines to cut and then again in the format (a label lookup on the
    1e6 graph, the whole request in process: 170 us, not 192), and again in lines only if it is over the
    byte budget."""
    results = _results(store, job)
    fmt = formats.by_name(job.format)
    if isinstance(results, ox.QueryBoolean):
        return Outcome(results.serialize(format=fmt.results))
    if at_most is not None and at_most <= job.row_cap and not job.offset:
        whole = _at_once(results, fmt, job.byte_cap)
        if whole is not None:
            return whole
        results = _results(store, job)
    if isinstance(results, ox.QuerySolutions):
        head, rows, cut = _lines(lambda out: results.serialize(out, format=ox.QueryResultsFormat.TSV),
                                 True, job.offset, job)
        if fmt.results == ox.QueryResultsFormat.TSV:
            return Outcome(b"".join(head + rows), cut, len(rows))
        render = lambda tsv: ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt.results)
        return _fit(head, rows, cut, render, job.byte_cap)
    _, rows, cut = _lines(lambda out: ox.serialize(results, out, format=ox.RdfFormat.N_TRIPLES), False, job.offset, job)
    if fmt.rdf == ox.RdfFormat.N_TRIPLES:
        return Outcome(b"".join(rows), cut, len(rows))
    render = lambda nt: ox.serialize(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES), format=fmt.rdf, prefixes=fmt.prefixes)
    return _fit([], rows, cut, render, job.byte_cap)


def _answer(store: ox.Store, job: Job, at_most: int | None = None) -> tuple[str, object]:
    """("ok", Outcome) or ("bad", one line); nothing the engine raises escapes."""
    try:
        return "ok", evaluate(store, job, at_most)
    except SyntaxError as e:
        return "bad", f"query does not parse: {_one_line(e)}"
    except MemoryError:
        return "bad", "the query needed more memory than a query may use"
    except Exception as e:  # noqa: BLE001 - an engine error of any type is the query's failure, in one line
        return "bad", f"query could not be evaluated: {_one_line(e)}"


def _one_line(error: Exception, most: int = 300) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= most else text[:most] + "…"


def _open(store_path: str, snapshot: bytes | None) -> ox.Store:
    """The build's store, read-only on disk; or, for a build small enough to have a `snapshot` (its
    quads as N-Quads), a copy in this process's memory, where every lookup skips the on-disk index.
    Parsing the snapshot takes a quarter of the time copying from the disk store does (shipped graph:
    35 ms, 140 ms), and a replacement process is ready that much sooner."""
    if snapshot is None:
        return ox.Store.read_only(store_path)
    memory = ox.Store()
    memory.load(snapshot, format=ox.RdfFormat.N_QUADS)
    return memory


def _serve(conn, store_path: str, memory_bytes: int, snapshot: bytes | None = None) -> None:
    """A worker: confine itself, then answer jobs one at a time on a thread with a large stack."""
    sandbox.confine(memory_bytes)
    store = _open(store_path, snapshot)
    conn.send("ready")

    def loop():
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return
            conn.send(_answer(store, job))

    threading.stack_size(STACK_BYTES)
    thread = threading.Thread(target=loop, name="query")
    thread.start()
    thread.join()


class _Lane:
    """Idle workers, handed out first come, first served. A queue.Queue lets a thread that asks just as
    a worker comes back take it before the threads already waiting (they are woken, find the queue
    empty, and wait again), so under load a few waited out their whole QUEUE_WAIT: two-hop queries at
    concurrency 16 had a p99 of 250 ms against a p50 of 4 ms. Here a returned worker goes straight to
    the longest waiter."""

    def __init__(self):
        self._lock = threading.Lock()
        self._idle: collections.deque = collections.deque()
        self._waiting: collections.deque = collections.deque()  # [event, worker or None], oldest first

    def put(self, worker) -> None:
        with self._lock:
            if self._waiting:
                waiter = self._waiting.popleft()
                waiter[1] = worker
                waiter[0].set()
            else:
                self._idle.append(worker)

    def get(self, timeout: float):
        """An idle worker within `timeout` seconds, else queue.Empty."""
        with self._lock:
            if self._idle:
                return self._idle.popleft()
            waiter = [threading.Event(), None]
            self._waiting.append(waiter)
        if not waiter[0].wait(timeout):
            with self._lock:
                if not waiter[0].is_set():  # not handed one while the wait ran out
                    self._waiting.remove(waiter)
                    raise queue.Empty
        return waiter[1]

    def get_nowait(self):
        return self.get(0)


@dataclass
class _Worker:
    process: multiprocessing.Process
    conn: object
    lane: _Lane


def _stopped(process: multiprocessing.Process) -> str:
    """Why a worker died under a query, for the one line its client gets."""
    if process.exitcode in (-signal.SIGABRT, -signal.SIGKILL):
        return "the query needed more memory than a query may use, and was stopped"
    return "the query stopped its worker process unexpectedly (exit code %s)" % process.exitcode


class QueryPool:
    """`size` general worker processes and one express worker over one store; callers borrow one per query.
    One spare, started and confined in advance, takes the place of a killed worker at once, so a lane is
    never empty while a successor starts (which takes a second or more on a busy machine).

    A query that kg.bounded proves cheap (at most `fast_work` statements to read, counted on
    `fast_store`, the same build opened read-only in this process, or with `in_memory` a copy of it) is
    evaluated here instead, by the same `evaluate`: the hop to a worker costs more than such a query,
    and a query that cannot run long needs no process to kill."""

    def __init__(self, store_path: str, size: int, memory_bytes: int, in_memory: bool = False,
                 fast_store: ox.Store | None = None, fast_work: int = 0):
        self._context = multiprocessing.get_context("spawn")  # safe in threaded and forked servers
        self._store_path = store_path
        self._memory_bytes = memory_bytes
        self._snapshot = None  # made once here and read by every query process this pool starts (see _open)
        if in_memory:  # from the store this process already has open, if it has one
            disk = ox.Store.read_only(store_path) if fast_store is None else fast_store
            self._snapshot = ox.serialize(disk, format=ox.RdfFormat.N_QUADS)
        # the fast path reads a copy made as the query processes' are, so it answers in their order too
        self._fast_store = _open(store_path, self._snapshot) if in_memory and fast_store is not None else fast_store
        self._fast_work = fast_work
        # a proof holds as long as the build is served (its counts cannot change), so each is made once
        self._proved = lru_cache(maxsize=PROOFS)(lambda found: bounded.bound(self._fast_store, found, fast_work))
        self._slow = LRUCache(maxsize=SLOW_SHAPES)  # shapes that ran past EXPRESS_LIMIT, most recent kept
        self._slow_lock = threading.Lock()
        self._general, self._express, self._spares = _Lane(), _Lane(), _Lane()
        self.size = size
        for lane, count in ((self._general, size), (self._express, 1), (self._spares, 1)):
            for _ in range(count):
                lane.put(self._spawn(lane))

    def _spawn(self, lane: _Lane) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self._store_path, self._memory_bytes,
                                                             self._snapshot), daemon=True)
        process.start()
        child.close()
        try:
            ready = parent.poll(START_TIMEOUT) and parent.recv() == "ready"
        except EOFError:
            ready = False
        if not ready:
            process.kill()
            raise RuntimeError(f"a query process did not start within {START_TIMEOUT} s (exit code {process.exitcode})")
        return _Worker(process, parent, lane)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker, put the spare in its place, and start a new spare off the request path."""
        metrics.RESTARTS.inc()
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        try:
            spare = self._spares.get_nowait()
            spare.lane = worker.lane
            worker.lane.put(spare)
            lane = self._spares
        except queue.Empty:  # several killed at once: the lane waits for its own successor
            lane = worker.lane
        threading.Thread(target=lambda: lane.put(self._spawn(lane)), daemon=True).start()

    def _acquire(self, timeout: float, shape: str) -> tuple[_Worker, float]:
        """A worker and the time the query may run on it (see the module's note on admission)."""
        try:
            return self._general.get(timeout=min(QUEUE_WAIT, timeout)), timeout
        except queue.Empty:
            pass
        if self._known_slow(shape):
            raise PoolBusy
        try:
            worker = self._express.get(timeout=EXPRESS_WAIT)
        except queue.Empty:
            raise PoolBusy from None
        if self._known_slow(shape):  # asked again: the shape may have proved slow while this query waited
            self._express.put(worker)
            raise PoolBusy
        return worker, min(timeout, EXPRESS_LIMIT)

    def _cheap(self, job: Job) -> int | None:
        """What kg.bounded proves of `job` (over the default dataset, its substitutions made), if it is
        cheap enough to be evaluated here: a bound of its work and of its answer's rows."""
        if not self._fast_work or self._fast_store is None or job.default_graphs or job.named_graphs:
            return None
        found = bounded.shape(with_values(job.query, dict(job.substitutions)))
        return None if found is None else self._proved(found)

    def _known_slow(self, shape: str) -> bool:
        with self._slow_lock:
            return shape in self._slow

    def _remember(self, shape: str, seconds: float) -> None:
        if not shape:
            return
        with self._slow_lock:
            if seconds > EXPRESS_LIMIT:
                self._slow[shape] = seconds
            else:
                self._slow.pop(shape, None)

    def run_here(self, job: Job) -> Outcome | None:
        """`job` evaluated in this process if it is proved cheap, else None (it is a query process's)."""
        at_most = self._cheap(job)
        if at_most is None:
            return None
        metrics.FAST.inc()
        status, payload = _answer(self._fast_store, job, at_most)
        if status == "bad":
            raise QueryError(payload)
        return payload

    def run(self, job: Job, timeout: float) -> Outcome:
        """Evaluate `job` within `timeout` seconds of running time."""
        here = self.run_here(job)
        if here is not None:
            return here
        worker, limit = self._acquire(timeout, job.shape)
        started = time.monotonic()
        try:
            worker.conn.send(job)
            if not worker.conn.poll(limit):
                self._replace(worker)
                self._remember(job.shape, float("inf"))
                raise QueryTimeout(express=limit < timeout)
            status, payload = worker.conn.recv()
            self._remember(job.shape, time.monotonic() - started)
        except (EOFError, OSError):
            worker.process.join(1)
            reason = _stopped(worker.process)
            self._replace(worker)
            raise QueryError(reason) from None
        worker.lane.put(worker)
        if status == "bad":
            raise QueryError(payload)
        return payload

    def close(self) -> None:
        for lane in (self._general, self._express, self._spares):
            while True:
                try:
                    worker = lane.get_nowait()
                except queue.Empty:
                    break
                worker.process.kill()
                worker.conn.close()


class RemoteRunner:
    """Jobs for a store reached over the protocol (kg.remote), run on the request's own thread: query
    processes cannot open sockets, and the remote store does the work. Same Outcome, same caps."""

    def __init__(self, store):
        self.store = store

    @staticmethod
    def run_here(_job: Job) -> None:
        return None  # the remote store does the work, and its time is not ours to prove

    def run(self, job: Job, timeout: float) -> Outcome:
        self.store.timeout = timeout
        try:
            return evaluate(self.store, job)
        except SyntaxError as e:
            raise QueryError(f"query does not parse: {_one_line(e)}") from None

    def close(self) -> None:
        self.store.session.close()
