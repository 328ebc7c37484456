"""The cyclic garbage collector paused while a command builds many objects that form no cycles.

Each collection scans every object alive: while a large model is loaded and rendered (generate), or while
validate reads out/ (every module of the checks is alive by then), the collections cost time and find nothing.

    with no_cyclic_gc():
        stack = project.load_stack()
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic collector off inside, as it was after (reference counting still frees what is acyclic)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
