"""Run many requests with bounded concurrency, and show progress on a terminal."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TextIO, TypeVar

from monitoring.publish.client import AuthError, GrafanaError

T = TypeVar("T")
R = TypeVar("R")

FEW = 5  # up to this many items finish too fast for a progress bar to help


class Progress:
    """`label [#####.....] 120/500` on one line of stderr, redrawn at most 10 times a second.

    Only when the stream is a terminal and there are more than a few items, so logs stay clean.
    """

    def __init__(self, label: str, total: int, stream: TextIO | None) -> None:
        self.label, self.total, self.stream = label, total, stream
        self.enabled = stream is not None and total > FEW and _isatty(stream)
        self.done = 0
        self._lock = threading.Lock()
        self._drawn = 0.0

    def advance(self) -> None:
        with self._lock:
            self.done += 1
            now = time.monotonic()
            if self.enabled and (now - self._drawn >= 0.1 or self.done == self.total):
                self._drawn = now
                width = 30
                filled = width * self.done // max(self.total, 1)
                assert self.stream is not None
                self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
                self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._drawn:
            assert self.stream is not None
            self.stream.write("\r\x1b[K")  # erase the bar: what follows starts on a clean line
            self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class Result(Generic[T, R]):
    item: T
    value: R | None = None
    error: GrafanaError | None = None


def run_all(items: Sequence[T], work: Callable[[T], R], concurrency: int, label: str = "",
            stream: TextIO | None = None, describe: Callable[[T], str] = str) -> list[Result[T, R]]:
    """work(item) for every item, `concurrency` at a time, in item order.

    A GrafanaError fails only its item. An AuthError (bad credentials) stops the items not yet started and is
    raised once the running ones finish: nothing else could succeed.
    """
    stop = threading.Event()
    progress = Progress(label, len(items), stream)
    auth: list[AuthError] = []

    def task(item: T) -> Result[T, R]:
        try:
            if stop.is_set():
                return Result(item)
            return Result(item, value=work(item))
        except AuthError as exc:
            stop.set()
            auth.append(exc)
            return Result(item, error=exc)
        except GrafanaError as exc:
            return Result(item, error=exc)
        except Exception as exc:  # an answer we did not expect: fail this item, keep the others going
            return Result(item, error=GrafanaError(f"{describe(item)}: unexpected {type(exc).__name__}: {exc}"))
        finally:
            progress.advance()

    try:
        if not items:
            return []
        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(items)))) as pool:
            results = list(pool.map(task, items))
    finally:
        progress.close()
    if auth:
        raise auth[0]
    return results
