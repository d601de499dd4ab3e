"""A pool of worker processes that outlives its workers: a crash or a hang costs one task.

Each task goes to a worker process (started with ``spawn``, so no forked torch state).
The handler is a generator: every item it yields goes back to the parent at once, so a
task that dies part-way keeps the items it finished. A worker that exits without
finishing its task (a segfault, an abort) is reported as a crash and replaced; one that
runs past the timeout is killed, reported as a timeout and replaced.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait

CRASH = "crash"
TIMEOUT = "timeout"
HANDLER_ERROR = "handler error"

_ITEM, _DONE, _ERROR = "item", "done", "error"


@dataclass
class TaskOutcome:
    """What one task produced: the items it yielded, and why it stopped early if it did."""

    task: object
    items: list = field(default_factory=list)
    failure: str | None = None  # CRASH, TIMEOUT, HANDLER_ERROR or None
    detail: str = ""
    exit_code: int | None = None  # a crashed worker's; negative: the signal that killed it


def _serve(connection: Connection, handler: Callable, env: dict[str, str]) -> None:
    """The worker's loop: run each task received, sending its items, then a done mark."""
    os.environ.update(env)
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        try:
            for item in handler(task):
                connection.send((_ITEM, item))
            connection.send((_DONE, None))
        except Exception:  # a bug in the handler: report it, keep serving
            connection.send((_ERROR, traceback.format_exc()))


@dataclass
class _Worker:
    process: multiprocessing.Process
    connection: Connection
    outcome: TaskOutcome | None = None
    deadline: float = 0.0


class WorkerPool:
    """Runs tasks on ``jobs`` worker processes, each task under a wall-clock ``timeout``.

    ``handler(task)`` must be an importable module-level generator function; ``env`` is
    set in every worker before its first task.
    """

    def __init__(self, handler: Callable, jobs: int, timeout: float, env: dict[str, str]):
        self._handler, self._jobs, self._timeout, self._env = handler, jobs, timeout, env
        self._context = multiprocessing.get_context("spawn")
        self._pending: deque = deque()
        self._workers: list[_Worker] = []

    def submit(self, task) -> None:
        """Queue one more task; allowed while :meth:`run` is being iterated."""
        self._pending.append(task)

    def run(self, tasks: Iterable) -> Iterator[TaskOutcome]:
        """Run ``tasks`` (and any submitted meanwhile), yielding each outcome as it ends."""
        self._pending.extend(tasks)
        try:
            while self._pending or any(w.outcome for w in self._workers):
                self._start_tasks()
                yield from self._collect()
        finally:
            self._close()

    def _start_tasks(self) -> None:
        while self._pending and len(self._busy()) < self._jobs:
            worker = self._idle_worker() or self._spawn()
            task = self._pending.popleft()
            worker.outcome = TaskOutcome(task)
            worker.deadline = time.monotonic() + self._timeout
            worker.connection.send(task)

    def _collect(self) -> Iterator[TaskOutcome]:
        busy = self._busy()
        wait_for = max(0.0, min(w.deadline for w in busy) - time.monotonic())
        ready = wait([w.connection for w in busy], timeout=wait_for)
        for worker in busy:
            if worker.connection in ready:
                yield from self._receive(worker)
            elif time.monotonic() >= worker.deadline:
                yield self._retire(worker, TIMEOUT, f"no result within {self._timeout:g} s")

    def _receive(self, worker: _Worker) -> Iterator[TaskOutcome]:
        try:
            kind, payload = worker.connection.recv()
        except (EOFError, ConnectionError):
            worker.process.join(timeout=5)
            worker.outcome.exit_code = worker.process.exitcode
            yield self._retire(worker, CRASH, f"worker exited with code {worker.process.exitcode}")
            return
        if kind == _ITEM:
            worker.outcome.items.append(payload)
            return
        outcome, worker.outcome = worker.outcome, None
        if kind == _ERROR:
            outcome.failure, outcome.detail = HANDLER_ERROR, payload
        yield outcome

    def _retire(self, worker: _Worker, failure: str, detail: str) -> TaskOutcome:
        """Stop a worker that crashed or hung, and return its task's outcome."""
        outcome = worker.outcome
        outcome.failure, outcome.detail = failure, detail
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.connection.close()
        self._workers.remove(worker)
        return outcome

    def _busy(self) -> list[_Worker]:
        return [w for w in self._workers if w.outcome]

    def _idle_worker(self) -> _Worker | None:
        return next((w for w in self._workers if not w.outcome), None)

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child_end, self._handler, self._env),
                                         daemon=True)
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self._workers.append(worker)
        return worker

    def _close(self) -> None:
        for worker in self._workers:
            worker.connection.close()  # the worker sees EOF and returns
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
        self._workers.clear()
