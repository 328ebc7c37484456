"""Calls that run in threads while the caller goes on: how the checks wait on several processes at once.

A thread that waits on a process holds no lock and needs almost no CPU, so a few of them let promtool, amtool
and the blackbox exporter work side by side while the calling thread runs the Python-side checks.
(concurrent.futures would do the same, but importing it imports logging: more than `validate` spends on
starting a process.)

The calling thread's checks take longer than any one process, so they decide when `validate` ends. A call in
the background, and every process it starts, therefore runs at a lower priority than the caller (niceness +5,
on Linux, where each thread has its own and a process starts with that of the thread that started it): where
the processes and the checks want more CPU than there is, the checks come first and the processes take the
rest.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Item = TypeVar("Item")


class Started(Generic[T]):
    """A call running in its own thread; `result()` waits for it and returns what it returned, or raises
    what it raised.

        version = Started(subprocess.run, ["promtool", "--version"])
        ...  # meanwhile, something else
        print(version.result().returncode)
    """

    def __init__(self, call: Callable[..., T], *args: Any) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call, args), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[..., T], args: tuple[Any, ...]) -> None:
        _yield_to_caller()
        try:
            self._value = call(*args)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def wait(self) -> None:
        """Until the call has returned or raised (what it raised is kept for `result()`)."""
        self._thread.join()

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


# How much lower a background call's priority is than its caller's (niceness; the kernel keeps it at most 19).
BACKGROUND_NICENESS = 5


def _yield_to_caller() -> None:
    """Lower this thread's priority, and with it that of every process it starts (Linux; elsewhere a no-op: there
    the niceness of a thread id would be that of some process)."""
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):  # a sandbox that refuses it: the call runs as before
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + BACKGROUND_NICENESS)


def usable_cpus() -> int:
    """How many CPUs this process may run on: how many tool processes are worth running side by side."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def map_at_most(call: Callable[[Item], T], items: Iterable[Item], at_once: int) -> list[T]:
    """call(item) for every item, at most at_once at a time, the results in the items' order.

        codes = map_at_most(lambda argv: subprocess.run(argv).returncode, commands, at_once=4)
    """
    todo = list(items)
    results: list[T | None] = [None] * len(todo)
    pending: Iterator[tuple[int, Item]] = iter(enumerate(todo))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                taken = next(pending, None)
            if taken is None:
                return
            results[taken[0]] = call(taken[1])

    workers = [Started(work) for _ in range(min(at_once, len(todo)))]
    for worker in workers:
        worker.result()
    return results  # type: ignore[return-value]
