"""The build's work spread over processes: ``Workers.map`` runs a function over items
on ``jobs`` processes, in order, so the output is the serial build's byte for byte.

Render, readability, abbreviations and index give it their per-article work
(rendering a summary, grading an article, reading an article object into its
abbreviations, its analysed search document and statistics); ``each`` hands a few
large items a worker each (a Whoosh segment of thousands of articles, written by the
worker); ``start`` compresses the new objects for publish on processes of its own
meanwhile. Packing and writing the files stay in the build's process. The
pool starts with the first batch worth it (``PARALLEL_FROM`` items: a rebuild after a
few edits stays in one process, where starting workers would cost more than the work)
and uses the ``spawn`` start method, which needs every function it runs importable by
name, so none of them depends on what the parent held when forked.
``concurrent.futures`` does the rest; this module only decides when and how to chunk,
and hands out only a few chunks ahead of the one the build takes next (``AHEAD``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..errors import SatchelError

PARALLEL_FROM = 64  # items below which a batch runs in the build's own process
CHUNKS_PER_WORKER = 8  # chunks each worker gets: small enough to keep every worker busy
MAX_CHUNK = 32  # items a worker takes at once, at most
# Chunks handed out per worker before the build takes the first result: enough to keep
# each busy, and few, so that results a slower consumer has not taken yet (the Whoosh
# writer, publish's writes) do not pile up in the build's memory.
AHEAD = 3


def default_jobs() -> int:
    """The processes a build uses unless told: the cores this process may run on."""
    return len(os.sched_getaffinity(0))


class Workers:
    """Processes for the build's per-article work; ``jobs`` 1 runs everything in-process."""

    def __init__(self, jobs: int = 1):
        self.jobs = max(1, jobs)
        self.pool: ProcessPoolExecutor | None = None
        self.background: ProcessPoolExecutor | None = None  # ``start``'s own processes

    def map(self, function: Callable, items: Sequence, tick: Callable[[], None] = lambda: None):
        """``[function(item) for item in items]``, ``tick()`` called once per item done."""
        return list(self.imap(function, items, tick))

    def imap(self, function: Callable, items: Sequence, tick: Callable[[], None] = lambda: None):
        """``function(item)`` of each of ``items``, in order, each as soon as it is done:
        a caller that lets each result go holds one at a time, not all of them."""
        if self.jobs == 1 or len(items) < PARALLEL_FROM:
            for item in items:
                yield function(item)
                tick()
            return
        pool = self._pool()
        size = max(1, min(MAX_CHUNK, len(items) // (self.jobs * CHUNKS_PER_WORKER)))
        pending: deque[Future] = deque()
        for start in range(0, len(items), size):
            pending.append(pool.submit(_each, function, items[start : start + size]))
            if len(pending) > self.jobs * AHEAD:
                yield from _results(pending.popleft(), tick)
        while pending:
            yield from _results(pending.popleft(), tick)

    def each(self, function: Callable, items: Sequence):
        """``function`` of each of ``items``, in order, each as soon as it is done, every
        item handed to a worker of its own: for a few items that are each much work (a
        search segment of thousands of articles)."""
        if self.jobs == 1 or len(items) < 2:
            yield from map(function, items)
            return
        futures = [self._pool().submit(function, item) for item in items]
        for future in futures:
            yield _result(future)

    def start(self, function: Callable, items: Sequence) -> Callable[[int], object] | None:
        """Start ``function`` over ``items`` on processes of their own while the build goes
        on with other work (``map`` and ``imap`` keep theirs): a function giving the result
        of the item at a position, waiting for it if need be. None when ``jobs`` is 1, or
        when the items are too few to be worth starting processes for (none started yet):
        the caller computes them when it needs them."""
        if self.jobs == 1 or not items or (len(items) < PARALLEL_FROM and not self.background):
            return None
        if self.background is None:
            self.background = _spawned_pool(self.jobs)
        chunks = [
            self.background.submit(_each, function, items[start : start + MAX_CHUNK])
            for start in range(0, len(items), MAX_CHUNK)
        ]
        return lambda position: _result(chunks[position // MAX_CHUNK])[position % MAX_CHUNK]

    def _pool(self) -> ProcessPoolExecutor:
        """The processes of ``imap`` and ``each``, started the first time they are needed."""
        if self.pool is None:
            self.pool = _spawned_pool(self.jobs)
        return self.pool

    def close(self) -> None:
        for pool in (self.pool, self.background):
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        self.pool = self.background = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def _spawned_pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"))


def _each(function: Callable, chunk: Sequence) -> list:
    """``function`` of each item of a chunk, in a worker."""
    return [function(item) for item in chunk]


def _result(future: Future):
    """What a worker returned; a worker that ended without returning (killed, by the
    system short of memory for one) fails the build with a message saying so."""
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise SatchelError(
            "a build worker process ended before its work was done (killed, or out of "
            "memory?); nothing was published: build again, or with --jobs 1"
        ) from exc


def _results(future: Future, tick: Callable[[], None]):
    for result in _result(future):
        yield result
        tick()


SERIAL = Workers(1)  # the default of every stage that takes workers
