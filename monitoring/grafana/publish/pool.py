"""Run many requests with bounded concurrency, reporting progress to a callback.

The workers are daemon threads, and the caller waits for them in short slices: Ctrl-C or SIGTERM reaches the
caller at once, and the requests still in flight are abandoned rather than waited for (the process may exit
without them; the client's cancel() ends their retries). A ThreadPoolExecutor would make the interrupt wait for
every running request, retries included, and the interpreter's exit wait for its threads too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from monitoring.grafana.publish.client import STOPPING, GrafanaError

T = TypeVar("T")
R = TypeVar("R")

# progress(label, done, total) after each item: how a caller shows progress (the command line draws a bar).
Progress = Callable[[str, int, int], None]
# How often the waiting caller wakes: the longest a signal's handler may wait to run.
POLL = 0.1


@dataclass
class Result(Generic[T, R]):
    item: T
    value: R | None = None
    error: GrafanaError | None = None
    started: bool = True  # False: skipped, because an earlier item stopped the run


def run_all(items: Sequence[T], work: Callable[[T], R], concurrency: int, label: str = "",
            progress: Progress | None = None, describe: Callable[[T], str] = str,
            on_result: Callable[[Result[T, R]], None] | None = None) -> list[Result[T, R]]:
    """work(item) for every item, `concurrency` at a time, in item order.

    A GrafanaError fails only its item. An AuthError (bad credentials) or an UnreachableError (no connection
    can be made) stops the items not yet started and is raised once the running ones finish: nothing else
    could succeed. on_result(result) is called as each item ends, one call at a time, so that a caller knows
    what was done even when the run stops part-way. A KeyboardInterrupt in the caller (Ctrl-C, SIGTERM) starts
    nothing more and returns at once, leaving the running items to the daemon threads.
    """
    if not items:
        return []
    stop = threading.Event()  # a STOPPING error: start nothing more
    lock = threading.Lock()
    finished = threading.Event()
    results: list[Result[T, R] | None] = [None] * len(items)
    order = iter(range(len(items)))
    stopped: list[GrafanaError] = []
    done = 0

    def task(item: T) -> Result[T, R]:
        if stop.is_set():
            return Result(item, started=False)
        try:
            return Result(item, value=work(item))
        except STOPPING as exc:
            stop.set()
            stopped.append(exc)
            return Result(item, error=exc)
        except GrafanaError as exc:
            return Result(item, error=exc)
        except Exception as exc:  # an answer we did not expect: fail this item, keep the others going
            return Result(item, error=GrafanaError(f"{describe(item)}: unexpected {type(exc).__name__}: {exc}"))

    def worker() -> None:
        nonlocal done
        while True:
            with lock:
                index = next(order, None)
            if index is None:
                return
            result = task(items[index])
            with lock:
                results[index] = result
                done += 1
                if on_result is not None:
                    on_result(result)
                if progress is not None:
                    progress(label, done, len(items))
                if done == len(items):
                    finished.set()

    try:
        for number in range(max(1, min(concurrency, len(items)))):
            threading.Thread(target=worker, name=f"publish {label} {number + 1}", daemon=True).start()
        while not finished.wait(POLL):
            pass
    except BaseException:
        stop.set()  # the items not yet started end at once, as skipped
        raise
    if stopped:
        raise stopped[0]
    return [result for result in results if result is not None]
