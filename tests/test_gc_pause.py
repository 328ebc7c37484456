"""The cyclic collector paused while a command builds a large model: what was made inside is not scanned by the
next young collection, is still freed by a full one when it is garbage, and what a caller froze stays frozen."""

from __future__ import annotations

import gc
import weakref

import pytest

from monitoring import gc_pause
from monitoring.gc_pause import no_cyclic_gc


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_the_collector_is_off_inside_and_as_it_was_after() -> None:
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cyclic_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_what_was_made_inside_leaves_the_young_generation_but_its_cycles_are_still_freed() -> None:
    gc.collect()
    with no_cyclic_gc():
        kept = [_Node() for _ in range(50_000)]
        first, second = _Node(), _Node()
        first.other, second.other = second, first  # garbage only a cyclic collection frees
        gone = weakref.ref(first)
        del first, second
        assert gc.get_count()[0] > 50_000  # all of it waits for the next young collection
    assert gc.get_count()[0] < 1_000  # moved as a whole: no young collection will scan it
    assert gone() is not None
    gc.collect()
    assert gone() is None
    assert len(kept) == 50_000


def test_what_the_caller_froze_stays_frozen() -> None:
    frozen = _Node()
    gc.freeze()
    try:
        assert not any(o is frozen for o in gc.get_objects())  # the permanent generation is not among them
        with no_cyclic_gc():
            made = [_Node() for _ in range(1_000)]
        # Still there, not back in the oldest generation. (Not the frozen count, which falls whenever anything
        # frozen is freed meanwhile, e.g. by another thread of the test run.)
        assert not any(o is frozen for o in gc.get_objects())
        assert len(made) == 1_000 and frozen.other is None
    finally:
        gc.unfreeze()


def test_what_python_keeps_frozen_does_not_stop_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.12 keeps some of its own objects frozen: as it would, frozen here before the package read the count."""
    gc.collect()
    gc.freeze()
    try:
        monkeypatch.setattr(gc_pause, "PYTHONS_OWN_FROZEN", gc.get_freeze_count())
        for _ in range(2):  # and again, once those have gone to the oldest generation with the rest
            with no_cyclic_gc():
                made = [_Node() for _ in range(5_000)]
                first, second = _Node(), _Node()
                first.other, second.other = second, first
                gone = weakref.ref(first)
                del first, second
            assert gc.get_count()[0] < 1_000
            assert gone() is not None  # in the oldest generation: no young collection freed it
            gc.collect()
            assert gone() is None and len(made) == 5_000
    finally:
        gc.unfreeze()
