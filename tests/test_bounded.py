"""monitoring.bounded: the one bounded-cache insert every per-key cache uses."""

from __future__ import annotations

import doctest

import pytest

from monitoring import bounded


def test_the_examples_run() -> None:
    assert doctest.testmod(bounded).failed == 0


@pytest.mark.parametrize(("inserts", "most", "expected"), [
    ([1, 2, 3], 2, {2: 20, 3: 30}),             # the oldest goes out first
    ([1, 2, 1], 2, {1: 10, 2: 20}),             # a key kept again does not push another out...
    ([1, 1, 1], 1, {1: 10}),                    # ...nor itself
    ([1, 2, 3, 4, 5], 3, {3: 30, 4: 40, 5: 50}),
], ids=["oldest-out", "existing-key", "same-key", "longer"])
def test_the_store_never_holds_more_than_most(inserts: list[int], most: int, expected: dict[int, int]) -> None:
    store: dict[int, int] = {}
    for key in inserts:
        assert bounded.keep(store, key, key * 10, most) == key * 10
        assert len(store) <= most
    assert store == expected
