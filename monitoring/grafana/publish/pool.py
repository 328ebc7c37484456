"""Run many requests with bounded concurrency, reporting progress to a callback."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from monitoring.grafana.publish.client import STOPPING, GrafanaError

T = TypeVar("T")
R = TypeVar("R")

# progress(label, done, total) after each item: how a caller shows progress (the command line draws a bar).
Progress = Callable[[str, int, int], None]


@dataclass
class Result(Generic[T, R]):
    item: T
    value: R | None = None
    error: GrafanaError | None = None


def run_all(items: Sequence[T], work: Callable[[T], R], concurrency: int, label: str = "",
            progress: Progress | None = None, describe: Callable[[T], str] = str) -> list[Result[T, R]]:
    """work(item) for every item, `concurrency` at a time, in item order.

    A GrafanaError fails only its item. An AuthError (bad credentials) or an UnreachableError (no connection
    can be made) stops the items not yet started and is raised once the running ones finish: nothing else
    could succeed.
    """
    stop = threading.Event()
    lock = threading.Lock()
    done = 0
    stopped: list[GrafanaError] = []

    def advance() -> None:
        nonlocal done
        with lock:
            done += 1
            if progress is not None:
                progress(label, done, len(items))

    def task(item: T) -> Result[T, R]:
        try:
            if stop.is_set():
                return Result(item)
            return Result(item, value=work(item))
        except STOPPING as exc:
            stop.set()
            stopped.append(exc)
            return Result(item, error=exc)
        except GrafanaError as exc:
            return Result(item, error=exc)
        except Exception as exc:  # an answer we did not expect: fail this item, keep the others going
            return Result(item, error=GrafanaError(f"{describe(item)}: unexpected {type(exc).__name__}: {exc}"))
        finally:
            advance()

    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(items)))) as pool:
        results = list(pool.map(task, items))
    if stopped:
        raise stopped[0]
    return results
