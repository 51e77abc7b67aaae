"""`ComputePool`: detection and offline distillation in worker processes, to use every core.

One server process holds everything with state (the stores and their locks, API keys, rate
limits, metrics, MCP sessions, the Slack connection); several uvicorn workers would each open
the memory store, whose directory lock admits one process. The GIL keeps that one process on
one core, so the pure, CPU-bound part of a request goes here instead: `detect()` and the
offline engine's `distill()`, both functions of the request alone.

Each worker has a pipe whose end the event loop watches: a call is one pickled message each
way and no thread. (concurrent.futures.ProcessPoolExecutor moves every call through two
helper threads; that cost the server about 1 ms of CPU per call, half a detection.)

A worker never sends an exception back: errors such as OversizeInputError do not survive
pickling, and the app's handlers should see the real one. A failed call answers None and the
server replays it in its own thread pool, where the same input raises the same error.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from threadpoolctl import threadpool_limits

from distiller import Distillation, Engine, Message, OfflineEngine, ReaderSpec
from distiller.detect import Detection, detect
from distiller.thread import Source

__all__ = ["ComputePool"]

log = logging.getLogger("distiller.api")
T = TypeVar("T")
# Seconds to let a worker finish its call on close() before it is terminated.
_CLOSE_GRACE = 5.0
# Seconds a new worker may take to import and warm up (about 5 s on a busy 2-core machine).
_START_TIMEOUT = 120.0
# What a worker sends once warm, before any result.
_READY = "ready"

_engine: OfflineEngine | None = None


def _worker(conn: Connection, engine: OfflineEngine | None) -> None:
    """A worker's life: warm up, then answer calls until the server closes its end."""
    global _engine
    # Ctrl-C reaches the whole process group; the server closes the pool itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One thread per BLAS/OpenMP library: the pool is the parallelism. Left at their default
    # (a thread per core, spinning between calls) the workers' idle BLAS threads took the
    # cores from each other and from the server: detect ran at 140 req/s instead of 370.
    threadpool_limits(limits=1)
    _engine = engine
    if engine is not None:
        engine.distill("Warm up: the deploy failed at 14:05.")
    detect(Message(text="Warm up: I hope this helps!"))
    conn.send(_READY)
    while True:
        try:
            task, args = conn.recv()
        except (EOFError, OSError):  # the server closed the pool, or died: so do we
            return
        try:
            result = task(*args)
        except Exception:  # replayed in the server process, which raises it properly
            result = None
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return
        except Exception:  # a result that does not pickle: replayed in the server too
            conn.send(None)


def _detect(message: Message, threshold: float | None) -> Detection:
    return detect(message, threshold=threshold)


def _distill(source: Source, spec: ReaderSpec) -> Distillation:
    assert _engine is not None, "a pool without an engine was asked to distill"
    return _engine.distill(source, spec)


class _WorkerLost(Exception):
    """The worker died with a call in flight (killed, or out of memory)."""


class _Worker:
    """One process and the server's end of its pipe; at most one call in flight."""

    def __init__(self, engine: OfflineEngine | None) -> None:
        # spawn, not fork: the server has threads (SQLite, faiss, anyio), and a forked child
        # could inherit one of their locks held.
        context = multiprocessing.get_context("spawn")
        self.conn, theirs = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_worker, args=(theirs, engine), name="distill-compute", daemon=True
        )
        self.process.start()
        theirs.close()
        self.pending: asyncio.Future[Any] | None = None
        self.ready = False


class ComputePool:
    """`processes` workers that detect, and distill with a copy of `engine`, for the server.

    Only the offline engine is copied: an LLM engine waits on the network (threads suit it)
    and keeps a cache and counters that belong in the server process, so with one the pool
    only detects. Calls are made from one event loop at a time. A worker that dies is
    replaced, and its call replayed in the server process. `close()` stops the workers; they
    also exit by themselves when the server's end of their pipe closes, however the server
    ends (uvicorn re-raises SIGTERM after its shutdown, so code after `uvicorn.run` may not
    run).
    """

    def __init__(self, processes: int, engine: Engine) -> None:
        if processes < 1:
            raise ValueError("a compute pool needs at least 1 process; use 0 to run in-process")
        self.processes = processes
        self.engine = engine if type(engine) is OfflineEngine else None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: deque[_Worker] = deque()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._workers = [_Worker(self.engine) for _ in range(processes)]
        # Serve only once every worker is warm: a worker imports the app (~4 s of CPU), and
        # requests sent meanwhile would wait behind that.
        for worker in self._workers:
            try:
                started = worker.conn.poll(_START_TIMEOUT) and worker.conn.recv() == _READY
            except (EOFError, OSError):  # it died while starting
                started = False
            if not started:
                self.close()
                raise RuntimeError(
                    f"a compute worker did not start within {_START_TIMEOUT:.0f} s: run "
                    "`distill serve` without --compute-processes, and report the log"
                )
            worker.ready = True

    def runs(self, engine: Engine) -> bool:
        """Whether this pool's workers compute what `engine` would (same class and settings)."""
        return (
            self.engine is not None
            and type(engine) is OfflineEngine
            and engine.max_input_chars == self.engine.max_input_chars
            and engine.weights == self.engine.weights
        )

    async def detect(self, message: Message, threshold: float | None) -> Detection:
        """`distiller.detect.detect(message, threshold=threshold)`, in a worker."""
        return await self._run(_detect, (message, threshold), lambda: detect(message, threshold))

    async def distill(self, source: Source, spec: ReaderSpec) -> Distillation:
        """`engine.distill(source, spec)`, in a worker; ValueError if the pool has no engine."""
        engine = self.engine
        if engine is None:
            raise ValueError("this compute pool was given no offline engine: check runs() first")
        return await self._run(_distill, (source, spec), lambda: engine.distill(source, spec))

    async def _run(self, task: Callable[..., T], args: tuple[Any, ...], here: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._bind(loop)
        worker = await self._acquire()
        worker.pending = loop.create_future()
        try:
            worker.conn.send((task, args))
        except Exception as exc:
            worker.pending = None
            # A dead worker's pipe also reads as EOF, and _on_readable replaces it; arguments
            # that do not pickle leave the worker idle.
            if not isinstance(exc, OSError):
                self._release(worker)
            result = None
        else:
            try:
                result = await worker.pending
            except _WorkerLost:
                log.error(
                    "a compute worker died (killed, or out of memory); starting another and "
                    "running this request in the server process"
                )
                result = None
        if result is None:
            return await run_in_threadpool(here)
        return result  # type: ignore[no-any-return]

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the workers' pipes from `loop` (the server's; each asyncio.run in tests)."""
        if self._loop is not None and not self._loop.is_closed():
            for worker in self._workers:
                self._loop.remove_reader(worker.conn.fileno())
        self._loop = loop
        self._waiters.clear()
        self._idle = deque(w for w in self._workers if w.ready and w.pending is None)
        for worker in self._workers:
            loop.add_reader(worker.conn.fileno(), self._on_readable, worker)

    async def _acquire(self) -> _Worker:
        while not self._idle:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # we were handed a worker we no longer want: pass it on
                raise
        return self._idle.popleft()

    def _release(self, worker: _Worker) -> None:
        worker.pending = None
        self._idle.append(worker)
        self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _on_readable(self, worker: _Worker) -> None:
        pending = worker.pending
        try:
            result = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            if pending is not None and not pending.done():
                pending.set_exception(_WorkerLost())
            return
        if not worker.ready:  # a replacement worker, now warm
            worker.ready = True
            self._release(worker)
            return
        # A request that went away (client disconnect) leaves its future cancelled.
        if pending is not None and not pending.done():
            pending.set_result(result)
        self._release(worker)

    def _replace(self, dead: _Worker) -> None:
        assert self._loop is not None
        self._loop.remove_reader(dead.conn.fileno())
        dead.conn.close()
        dead.process.join(timeout=0)
        fresh = _Worker(self.engine)
        self._workers[self._workers.index(dead)] = fresh
        if dead in self._idle:
            self._idle.remove(dead)
        # It joins the idle workers when it says it is ready (_on_readable).
        self._loop.add_reader(fresh.conn.fileno(), self._on_readable, fresh)

    def close(self) -> None:
        """Stop the workers: each finishes its call in flight, or is terminated after 5 s."""
        if self._loop is not None and not self._loop.is_closed():
            for worker in self._workers:
                self._loop.remove_reader(worker.conn.fileno())
        for worker in self._workers:
            worker.conn.close()  # the worker reads EOF and returns
        for worker in self._workers:
            worker.process.join(timeout=_CLOSE_GRACE)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join()
