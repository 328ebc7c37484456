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

from monitoring import _PYTHONS_OWN_FROZEN

# What Python itself keeps frozen (3.12 freezes a few hundred of its own tuples at startup, and again at each full
# collection; 3.11 and 3.13 nothing), as the package read it: a frozen count above it is a caller's.
PYTHONS_OWN_FROZEN = _PYTHONS_OWN_FROZEN


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic collector off inside, as it was after (reference counting still frees what is acyclic).

    What was made inside and is still alive joins the oldest generation as it leaves: the next young collection
    would otherwise scan all of it (0.24 s after generating 10,000 services). A full collection still frees
    whatever of it is garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() <= PYTHONS_OWN_FROZEN:  # else unfreeze would let go of what a caller froze
                gc.freeze()  # every tracked object to the permanent generation, the young count back to 0...
                gc.unfreeze()  # ...and back into the oldest generation, in one move
            gc.enable()
