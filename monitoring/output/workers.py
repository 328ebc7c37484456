"""Rendering in several processes: an ordered map over a large stack's units of work, run in forked workers.

Forked, so that each worker starts with the loaded, checked stack (and whatever the parent has computed) without
pickling it: only unit numbers go out, and each unit's result comes back through a pipe. Results are taken in
the order of the units, whichever worker finishes first, so the output is the serial output, byte for byte.
A few chunks of units are in flight per worker at most: the parent's memory stays flat however large the stack.

How many: `MONITORING_WORKERS=N` in the environment forces N processes (1 renders in this process, as a system
without fork does); otherwise a stack of at least `PARALLEL_FROM` services and SLOs is rendered in as many
processes as this one may run on CPUs, and a smaller one in this process (forking costs tens of milliseconds).

Failures: an error raised in a worker is raised again here, the same exception when it can be pickled, with
the worker's formatted traceback as its cause; a worker that dies (killed, out of memory) is a
`RenderProcessError`. Either way the other workers are stopped, and nothing waits forever.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import signal
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from monitoring.errors import RenderProcessError, UsageError

WORKERS_VARIABLE = "MONITORING_WORKERS"
PARALLEL_FROM = 200  # services + SLOs: below this, starting the workers costs more than they save
_CHUNKS_PER_WORKER = 8  # per map: enough that the workers finish together, few enough that messages stay cheap
_MAX_CHUNK = 32
_AHEAD = 3  # chunks sent to a worker and not yet taken: bounds what waits in the pipes
_PR_SET_PDEATHSIG = 1  # prctl(2)

# What a worker does with one unit: run(unit, index) -> a picklable result.
Runner = Callable[[Callable[..., Any], int], Any]


def can_fork() -> bool:
    """Fork is what makes the workers cheap; it is safe to use on Linux (elsewhere: render in one process)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def worker_count(units: int) -> int:
    """How many processes should render a stack of `units` services and SLOs (1: this process alone)."""
    value = os.environ.get(WORKERS_VARIABLE, "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise UsageError(f"{WORKERS_VARIABLE}={value!r}: expected a whole number of processes, 1 or more")
        wanted = int(value)
    elif units < PARALLEL_FROM:
        return 1
    else:
        wanted = len(os.sched_getaffinity(0))
    return wanted if wanted > 1 and can_fork() else 1


class _RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker, as the worker formatted it (shown as the cause)."""

    def __str__(self) -> str:
        return str(self.args[0])


class _Worker:
    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.pending = 0  # chunks sent and not yet received

    def send(self, task: object) -> None:
        try:
            self.conn.send(task)
        except OSError:
            raise self.died() from None
        self.pending += 1

    def receive(self) -> list[Any]:
        wait([self.conn, self.process.sentinel])  # whichever comes first: the answer, or the worker's end
        try:
            status, *answer = self.conn.recv() if self.conn.poll() else ("died",)
        except (EOFError, OSError):
            status = "died"
        if status == "died":
            raise self.died()
        self.pending -= 1
        if status == "ok":
            return answer[0]  # type: ignore[no-any-return]
        error, formatted = answer
        if error is None:  # it could not be pickled: its traceback says what it was
            raise RuntimeError(f"rendering failed in process {self.process.pid}:\n{formatted}")
        raise error from _RemoteTraceback(formatted)

    def died(self) -> RenderProcessError:
        self.process.join(1)
        code = self.process.exitcode
        if code is not None and code < 0:
            how = f"was killed by {signal.Signals(-code).name}"
            if -code == signal.SIGKILL:
                how += " (out of memory?)"
        else:
            how = "ended" if code is None else f"exited with status {code}"
        return RenderProcessError(f"rendering stopped: worker process {self.process.pid} {how} before it finished")


class Pool:
    """`count` forked processes that run units of work and answer in order; use it as a context manager.

        with Pool(2, lambda unit, index: unit(stack, index)) as pool:
            texts = list(pool.map(render_one, len(stack.services)))
    """

    def __init__(self, count: int, run: Runner) -> None:
        context = multiprocessing.get_context("fork")
        self._workers: list[_Worker] = []
        try:
            for number in range(count):
                here, there = context.Pipe()
                # The child closes the parent's ends it inherits, its own and its elders': then the parent's
                # death (kill -9) is an end of file for every worker, which then exits.
                inherited = [w.conn for w in self._workers] + [here]
                process = context.Process(target=_serve, args=(there, run, inherited, os.getpid()), daemon=True,
                                          name=f"monitoring-render-{number}")
                process.start()
                there.close()
                self._workers.append(_Worker(process, here))
        except BaseException:
            self.terminate()
            raise

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        if kind is None and not any(w.pending for w in self._workers):
            self.close()
        else:
            self.terminate()

    def map(self, unit: Callable[..., Any], count: int) -> Iterator[Any]:
        """run(unit, index) for index in range(count), in order; `unit` must be a module-level function (it is
        sent by name)."""
        size = max(1, min(_MAX_CHUNK, -(-count // (len(self._workers) * _CHUNKS_PER_WORKER))))
        starts = iter(range(0, count, size))
        order: deque[_Worker] = deque()

        def send_more() -> None:
            while True:
                worker = min(self._workers, key=lambda w: w.pending)
                if worker.pending >= _AHEAD:
                    return
                start = next(starts, None)
                if start is None:
                    return
                worker.send((unit, start, min(start + size, count)))
                order.append(worker)

        send_more()
        while order:
            results = order.popleft().receive()
            send_more()  # before handing the results on: the workers go on while the caller uses them
            yield from results

    def close(self) -> None:
        """Let every worker finish and exit."""
        for worker in self._workers:
            with contextlib.suppress(OSError):  # a worker that is gone already: terminate() cleans up
                worker.conn.send(None)
        for worker in self._workers:
            worker.process.join(5)
        self.terminate()  # any worker still there (none, normally)

    def terminate(self) -> None:
        """Stop every worker now (an error or an interrupt: their work is no longer wanted)."""
        for worker in self._workers:
            if worker.process.exitcode is None:
                worker.process.terminate()
        for worker in self._workers:
            worker.process.join(5)
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers = []


def _die_with(parent: int) -> None:
    """Be killed when the parent dies, even in the middle of a unit (Linux's parent-death signal); a parent
    killed before this was set has made us an orphan already."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _serve(conn: Connection, run: Runner, inherited: list[Connection], parent: int) -> None:
    """A worker's loop: (unit, start, stop) -> ("ok", results) or ("error", exception, traceback); None ends it."""
    for other in inherited:
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with(parent)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if task is None:
            return
        unit, start, stop = task
        try:
            conn.send(("ok", [run(unit, index) for index in range(start, stop)]))
        except BaseException as exc:  # every failure goes back to the parent, which decides
            conn.send(("error", _portable(exc), traceback.format_exc()))


def _portable(error: BaseException) -> BaseException | None:
    """The exception if it survives pickling both ways (then the parent raises the same one), else None."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # any exception class may fail to pickle in its own way
        return None
    return error
