"""Bounded caches: a plain dict that holds at most `most` entries, the oldest going out first.

What a large stack repeats (an expression's text, an SLO's shape, a plan's windows) is worked out once and kept
per key; the bound keeps memory flat however many keys a stack holds. A leaf: it imports nothing of the tool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def keep(store: dict[K, V], key: K, value: V, most: int) -> V:
    """store[key] = value, the oldest entry out first when the store already holds `most`; returns `value`.

    >>> store = {}
    >>> [keep(store, n, n * n, 2) for n in (1, 2, 3)]
    [1, 4, 9]
    >>> store
    {2: 4, 3: 9}
    """
    if len(store) >= most and key not in store:
        store.pop(next(iter(store)))
    store[key] = value
    return value


# An object's address, as id() gives it but without id()'s audit event: generate records what it reads with an
# audit hook (monitoring.inputs), which id() would call at every look-up. Unique among the objects alive.
address = object.__hash__

T = TypeVar("T")


def kept_for(store: dict[int, tuple[T, V]], obj: T, compute: Callable[..., V], most: int, *more: Any) -> V:
    """compute(obj, *more), kept in store per object (by its address) for objects that are not hashable or hash
    slowly; each entry holds the object, which then cannot be freed and its address reused. As `keep`, at most
    `most`. What `more` holds must be the same for every call on one store.

    >>> store = {}
    >>> key = ("a",)
    >>> kept_for(store, key, len, 2), kept_for(store, key, lambda _: -1, 2)
    (1, 1)
    """
    found = store.get(address(obj))
    if found is not None and found[0] is obj:
        return found[1]
    return keep(store, address(obj), (obj, compute(obj, *more)), most)[1]
