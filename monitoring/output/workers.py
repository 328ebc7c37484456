"""Rendering in several processes: an ordered map over a large stack's units of work, run in forked workers.

Forked, so that each worker starts with the loaded, checked stack (and whatever the parent has computed) without
pickling it: only unit numbers go out, and each unit's result comes back through a pipe. Results are taken in
the order of the units, whichever worker finishes first, so the output is the serial output, byte for byte.
A few chunks of units are in flight per worker at most: the parent's memory stays flat however large the stack.
Several maps may be open at once: a map's units go out once every earlier map's have, so the workers go on to
the next map while this process still reads the last answers of the one before.

How many: `MONITORING_WORKERS=N` in the environment forces N processes (1 renders in this process, as a system
without fork does); otherwise a stack of at least `PARALLEL_FROM` services and SLOs is rendered in as many
processes as this one may run on CPUs, and a smaller one in this process (forking costs tens of milliseconds).
A process that runs other threads (a program that calls `monitoring.generate` from one of its own) renders in
itself unless told otherwise: a fork copies the locks another thread may hold at that moment, and a worker that
waits on one waits forever (Python 3.12 and later warn of it).

Each worker runs as a batch process (SCHED_BATCH): the same share of the CPU, but one the parent wakes with work
does not take the parent's CPU from it, which would hold up the parent's next message to the other worker.

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
import threading
import traceback
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from itertools import islice
from multiprocessing.connection import Connection, wait
from typing import Any

from monitoring.errors import RenderProcessError, UsageError

WORKERS_VARIABLE = "MONITORING_WORKERS"
MAX_WORKERS = 256  # MONITORING_WORKERS above this is a mistake: each worker is a process and two pipe ends
PARALLEL_FROM = 200  # services + SLOs: below this, starting the workers costs more than they save
_CHUNKS_PER_WORKER = 8  # per map: enough that the workers finish together, few enough that messages stay cheap
_MAX_CHUNK = 32
_AHEAD = 3  # chunks sent to a worker and not yet taken: bounds what waits in the pipes
# Units each worker must hold for this process to step away to work of its own (see Pool.meanwhile): two full
# chunks, so that a map of units that cost next to nothing (services without rules) does not leave them waiting.
_DEEP = 2 * _MAX_CHUNK
_PR_SET_PDEATHSIG = 1  # prctl(2)
_HELD_AT_FORK = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}

# What a worker does with one unit: run(unit, index) -> a picklable result.
Runner = Callable[[Callable[..., Any], int], Any]


def can_fork() -> bool:
    """Fork is what makes the workers cheap; it is safe to use on Linux (elsewhere: render in one process)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def worker_count(units: int) -> int:
    """How many processes should render a stack of `units` services and SLOs (1: this process alone)."""
    value = os.environ.get(WORKERS_VARIABLE, "").strip()
    if value:
        # ASCII digits, few of them: int() reads other scripts' digits too and fails on 5,000 digits; and a
        # number of processes past MAX_WORKERS forks until the system runs out of processes or files.
        if not (value.isascii() and value.isdigit() and len(value) <= 6 and 1 <= int(value) <= MAX_WORKERS):
            shown = value if len(value) <= 20 else f"{value[:20]}…"
            raise UsageError(f"{WORKERS_VARIABLE}={shown!r}: expected a whole number of processes from 1 to "
                             f"{MAX_WORKERS}")
        wanted = int(value)
    elif units < PARALLEL_FROM or not can_fork() or threading.active_count() > 1:
        # Small, or where a fork is not safe: off Linux, or beside other threads (see the module's docstring).
        # Off Linux this also keeps sched_getaffinity, which is Linux's, from being called.
        return 1
    else:
        wanted = len(os.sched_getaffinity(0))
    return wanted if wanted > 1 and can_fork() else 1


def window(size: int, workers: int) -> int:
    """How far ahead of the reader units are sent (their results wait here until read): twice what the
    workers hold at once, so that each has its own units to take even where one key is frequent."""
    return 2 * _AHEAD * size * workers


class _RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker, as the worker formatted it (shown as the cause)."""

    def __str__(self) -> str:
        return str(self.args[0])


class _Failure:
    """A unit that raised in a worker: raised here when its turn comes, so the first failure in order wins."""

    def __init__(self, error: BaseException | None, formatted: str, pid: int) -> None:
        self.error, self.formatted, self.pid = error, formatted, pid

    def raise_(self) -> None:
        if self.error is None:  # it could not be pickled: its traceback says what it was
            raise RuntimeError(f"rendering failed in process {self.pid}:\n{self.formatted}")
        raise self.error from _RemoteTraceback(self.formatted)


def signal_name(number: int) -> str:
    """SIGKILL for 9; any other number too (the real-time signals beyond SIGRTMIN have no name of their own)."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class _Worker:
    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        self.conn = conn
        # The chunks sent and not yet answered, in order, each with the map it is of (None: the farewell).
        self.sent: deque[tuple[_Map | None, list[int]]] = deque()

    def send(self, of: _Map | None, chunk: list[int]) -> None:
        """The units of `chunk` of the map to run (None: none, and farewell)."""
        try:
            self.conn.send((None if of is None else of.unit, chunk))
        except OSError:
            raise self.died() from None
        self.sent.append((of, chunk))

    def receive(self) -> tuple[_Map | None, list[tuple[int, Any]]]:
        """The next answer: its map, and (index, result) for each unit of the chunk, up to a failure."""
        try:
            status, *answer = self.conn.recv() if self.conn.poll() else ("died",)
        except (EOFError, OSError):
            status = "died"
        if status == "died":
            raise self.died()
        of, chunk = self.sent.popleft()
        chunk = chunk or [-1]  # the farewell answers at -1
        results = answer[0]
        done = list(zip(chunk, results, strict=False))
        if status == "error":
            done.append((chunk[len(results)], _Failure(answer[1], answer[2], self.process.pid)))
        return of, done

    def died(self) -> RenderProcessError:
        self.process.join(1)
        code = self.process.exitcode
        if code is not None and code < 0:
            how = f"was killed by {signal_name(-code)}"
            if -code == signal.SIGKILL:
                how += " (out of memory?)"
        else:
            how = "ended" if code is None else f"exited with status {code}"
        return RenderProcessError(f"rendering stopped: worker process {self.process.pid} {how} before it finished")


class _Schedule:
    """Which units go to which worker: the earliest not sent, within a window ahead of the reader (which
    bounds the results held here), preferring for each worker the units of its keys, so that what a process
    caches per key (an SLO shape's planned tests) is mostly computed in one process rather than in each.

    Each key is given to one worker up front, the most frequent keys first, each to the worker with the fewest
    units so far; a worker idle with none of its own units waiting takes those of the earliest unit's key (and
    keeps the key).

    The last units of the last map go out in smaller chunks (`tail`): nothing comes after them for a worker to go
    on with, and units waiting behind another worker's chunk would leave this one idle until they are done."""

    def __init__(self, count: int, keys: Sequence[Hashable] | None, size: int, window: int,
                 workers: list[_Worker]) -> None:
        if keys is not None:
            # Each key as a small number: the parent looks at units' keys often, and a key such as an SLO's shape is
            # a tuple, whose hash Python works out anew each time.
            numbers: dict[Hashable, int] = {}
            keys = [None if key is None else numbers.setdefault(key, len(numbers)) for key in keys]
        self.count, self.keys, self.size, self.window = count, keys, size, window
        self.left = count  # units not sent yet
        self.processes = len(workers)  # the workers it hands units to
        self.sent = bytearray(count)
        self.first_unsent = 0
        self.reader = 0  # the next index to hand on
        self.own: dict[_Worker, set[Hashable]] = {worker: set() for worker in workers}
        if keys is not None:
            load = dict.fromkeys(workers, 0)
            counts = Counter(key for key in keys if key is not None)
            for key, units in sorted(counts.items(), key=lambda item: -item[1]):
                worker = min(workers, key=load.__getitem__)
                self.own[worker].add(key)
                load[worker] += units

    def all_sent(self) -> bool:
        """Whether every unit has gone out."""
        while self.first_unsent < self.count and self.sent[self.first_unsent]:
            self.first_unsent += 1
        return self.first_unsent == self.count

    def chunk_for(self, worker: _Worker, tail: bool = False) -> list[int]:
        """The worker's next chunk, [] for none now. `tail`: the map is the last; as its last units go out, a
        chunk holds at most half of each worker's even share of those left, so that the workers finish together."""
        if self.all_sent():
            return []
        size = min(self.size, -(-self.left // (2 * self.processes))) if tail else self.size
        sent, keys, own = self.sent, self.keys, self.own[worker]
        # The units not sent yet within the window, looked at only until the chunk is full: the parent asks
        # often.
        waiting = range(self.first_unsent, min(self.reader + self.window, self.count))
        if keys is None:
            chunk = list(islice((i for i in waiting if not sent[i]), size))
        else:
            chunk = list(islice((i for i in waiting if not sent[i] and (keys[i] is None or keys[i] in own)), size))
            if not chunk and worker.sent:
                return []  # it has work still: better to wait than to compute another key's caches
            first = None if chunk else next((i for i in waiting if not sent[i]), None)
            if first is not None:
                # Nothing of its own, and idle: it takes the earliest unit's key (one key: one more to cache).
                chunk = list(islice((i for i in waiting if not sent[i] and keys[i] == keys[first]), size))
        self.left -= len(chunk)
        for index in chunk:
            self.sent[index] = 1
            if keys is not None:
                own.add(keys[index])
        return chunk


class _Map:
    """One map: its units, which of them go where (its schedule), and the answers not yet read."""

    def __init__(self, unit: Callable[..., Any], count: int, schedule: _Schedule) -> None:
        self.unit, self.count, self.schedule = unit, count, schedule
        self.ready: dict[int, Any] = {}


class Pool:
    """`count` forked processes that run units of work and answer in order; use it as a context manager.

        with Pool(2, lambda unit, index: unit(stack, index)) as pool:
            texts = list(pool.map(render_one, len(stack.services)))
    """

    def __init__(self, count: int, run: Runner, farewell: Callable[[], Any] = lambda: None,
                 on_farewell: Callable[[Any], None] = lambda answer: None) -> None:
        """`farewell()` runs in each worker as it ends, and its answer goes to `on_farewell` here (what the
        worker read, for monitoring.inputs)."""
        context = multiprocessing.get_context("fork")
        self._workers: list[_Worker] = []
        self._on_farewell = on_farewell
        self._maps: list[_Map] = []  # the maps not yet read to the end, in the order they were made
        self._meanwhile: deque[Callable[[], None]] = deque()
        try:
            for number in range(count):
                here, there = context.Pipe()
                # The child closes the parent's ends it inherits, its own and its elders': then the parent's
                # death (kill -9) is an end of file for every worker, which then exits.
                inherited = [w.conn for w in self._workers] + [here]
                process = context.Process(target=_serve, args=(there, run, farewell, inherited, os.getpid()),
                                          daemon=True, name=f"monitoring-render-{number}")
                # Ctrl-C (and a closed terminal's SIGHUP) reaches the whole process group, and the command turns
                # SIGTERM into an exception (monitoring.cli): held back in a worker until it has set its own
                # dispositions (see _serve), or one just forked would die of Ctrl-C, which would read as a crash,
                # or raise the parent's exception, with a traceback.
                held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_AT_FORK)
                try:
                    process.start()
                    there.close()
                    # Known before the signals held back here are let in: one of them raises (SIGHUP, SIGTERM
                    # become exceptions), and terminate() must then stop this worker too.
                    self._workers.append(_Worker(process, here))
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, held)
        except BaseException:
            self.terminate()
            raise

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        if kind is None and not any(w.sent for w in self._workers):
            self.close()
        else:
            self.terminate()

    def meanwhile(self, task: Callable[[], None]) -> None:
        """Run task() here while the workers are busy: the first time this process would wait for them while
        each holds `_DEEP` units or more, or at close."""
        self._meanwhile.append(task)

    def _run_meanwhile(self) -> None:
        while self._meanwhile:
            self._meanwhile.popleft()()

    def map(self, unit: Callable[..., Any], count: int, keys: Sequence[Hashable] | None = None) -> Iterator[Any]:
        """run(unit, index) for index in range(count), in order. `unit` must be a module-level function (it
        is sent by name); `keys[index]`, if given, says which units share what a process caches (None: nothing).
        The first units are sent at once, or as soon as the earlier maps' have all gone out: the workers start
        on them while the caller does something else (reads the earlier maps)."""
        workers = self._workers
        size = max(1, min(_MAX_CHUNK, -(-count // (len(workers) * _CHUNKS_PER_WORKER))))
        made = _Map(unit, count, _Schedule(count, keys, size, window(size, len(workers)), workers))
        self._maps.append(made)
        self._send_more()
        return self._results(made)

    def _next_chunk(self, worker: _Worker) -> tuple[_Map, list[int]] | None:
        """The worker's next chunk, of the earliest map with units to send: a map's units go out once every
        earlier map's have. None: nothing for it now."""
        for of in self._maps:
            chunk = of.schedule.chunk_for(worker, tail=of is self._maps[-1])
            if chunk:
                return of, chunk
            if not of.schedule.all_sent():
                return None  # that map holds it back (its window ahead of its reader, or its keys)
        return None

    def _send_more(self) -> None:
        if all(len(worker.sent) >= _AHEAD for worker in self._workers):
            return  # every worker is full
        for worker in sorted(self._workers, key=lambda w: len(w.sent)):
            while len(worker.sent) < _AHEAD and (chunk := self._next_chunk(worker)) is not None:
                worker.send(*chunk)

    def _receive(self, of: _Map) -> None:
        """Whatever answers have come, waiting for one, each kept by its map: a worker that has finished does
        not wait for the reader, and one that died is found at once."""
        busy = [w for w in self._workers if w.sent]
        if not busy:  # an idle worker always takes the earliest unit, unless a map made earlier and not read holds
            # it back (a caller's bug): never wait forever
            raise RuntimeError(f"unit {of.schedule.reader} of {of.unit.__name__} was never sent to a worker")
        if self._meanwhile and all(sum(len(chunk) for _, chunk in w.sent) >= _DEEP for w in self._workers):
            self._run_meanwhile()
        arrived = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
        for worker in busy:
            if worker.conn in arrived or worker.process.sentinel in arrived:
                answered, done = worker.receive()
                if answered is not None:
                    answered.ready.update(done)

    def _results(self, of: _Map) -> Iterator[Any]:
        schedule = of.schedule
        try:
            while schedule.reader < of.count:
                # More goes out when the next result is not here yet, and once a chunk's worth has been read (the
                # window ahead of the reader has moved by that much): not after every result, whose look at the
                # schedule mostly finds nothing to send.
                if schedule.reader % schedule.size == 0 or schedule.reader not in of.ready:
                    self._send_more()
                while schedule.reader not in of.ready:
                    self._receive(of)
                    self._send_more()
                result = of.ready.pop(schedule.reader)
                schedule.reader += 1
                if isinstance(result, _Failure):
                    result.raise_()
                yield result
        finally:
            self._maps.remove(of)  # read to the end, failed or abandoned: it holds no later map back

    def close(self) -> None:
        """Let every worker finish and exit, with its farewell."""
        try:
            self._run_meanwhile()
            for worker in self._workers:
                worker.send(None, [])
            for worker in self._workers:
                wait([worker.conn, worker.process.sentinel])
                answer = worker.receive()[1][0][1]
                if isinstance(answer, _Failure):
                    answer.raise_()
                self._on_farewell(answer)
            for worker in self._workers:
                worker.process.join(5)
        finally:
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


def _batch() -> None:
    """This process scheduled as a batch process, Linux's SCHED_BATCH (see the module's docstring)."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def _serve(conn: Connection, run: Runner, farewell: Callable[[], Any], inherited: list[Connection],
           parent: int) -> None:
    """A worker's loop: (unit, indices) -> ("ok", results) or ("error", results so far, exception, traceback);
    (None, []) -> ("ok", [farewell()]), and it ends."""
    for other in inherited:
        other.close()
    # Ctrl-C and a closed terminal's SIGHUP reach the whole process group: the parent stops us (SIGTERM, at its
    # default whatever the parent's handler).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD_AT_FORK)  # (held back while we were forked, see Pool)
    _die_with(parent)
    _batch()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        unit, chunk = task
        results: list[Any] = []
        try:
            if unit is None:
                conn.send(("ok", [farewell()]))
                return
            for index in chunk:
                results.append(run(unit, index))
            conn.send(("ok", results))
        except BaseException as exc:  # every failure goes back to the parent, which decides
            conn.send(("error", results, _portable(exc), traceback.format_exc()))


def _portable(error: BaseException) -> BaseException | None:
    """The exception if it survives pickling both ways (then the parent raises the same one), else None."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # any exception class may fail to pickle in its own way
        return None
    return error
