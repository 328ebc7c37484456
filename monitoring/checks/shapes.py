"""The shape of data read back from a file (JSON or YAML), checked before anything trusts it.

A shape is a type (`str`, `int`, `bool`, `float`; an int is never a bool here, as in JSON), `None` for null,
`[item]` for a list, `{str: value}` for an object with any keys, a dict of field -> shape for an object with
those fields (the ones under `OPTIONAL` may be absent; other fields are not looked at), a frozenset for one of
its strings, or a tuple for any of its shapes.

    mismatch({"receivers": ["pager", 5]}, {"receivers": [str]}, "route")  # 'route.receivers[1] is not str'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

OPTIONAL = "?"


def mismatch(value: Any, shape: Any, where: str) -> str | None:
    """Where value first departs from shape, or None; where names value in the message."""
    found = mismatch_at(value, shape, where)
    return None if found is None else found[0]


def document_problem(document: Any, shape: Any) -> tuple[str, tuple[Any, ...]] | None:
    """`mismatch_at` for a whole document, its message naming fields from its top ("spec.metrics is not a list",
    "the document is not an object")."""
    found = mismatch_at(document, shape, "")
    if found is None:
        return None
    message = found[0].removeprefix(".")
    return (f"the document{message}" if message.startswith(" ") else message), found[1]


def mismatch_at(value: Any, shape: Any, where: str) -> tuple[str, tuple[Any, ...]] | None:
    """`mismatch`, and the keys and indexes from value to what departs (to find its line in a file)."""
    # A manifest holds thousands of series: they are looked over without a word, and explained only when wrong.
    return None if fits(value, shape) else _explain(value, shape, where)


def fits(value: Any, shape: Any) -> bool:
    """Whether value has shape."""
    if type(value) is shape:
        return True
    if isinstance(shape, tuple):
        return any(fits(value, one) for one in shape)
    if shape is None:
        return value is None
    if isinstance(shape, type):
        return isinstance(value, shape) and type(value) is not bool  # bool is an int to Python, never to JSON
    if isinstance(shape, frozenset):
        return isinstance(value, str) and value in shape
    if isinstance(shape, list):
        return isinstance(value, list) and _all_fit(value, shape[0])
    if not isinstance(value, dict):
        return False
    if str in shape:
        return _all_fit(value.values(), shape[str])
    optional = shape.get(OPTIONAL, {})
    return all((key in value and fits(value[key], one)) for key, one in shape.items() if key != OPTIONAL) and \
        all(fits(value[key], one) for key, one in optional.items() if key in value)


def _all_fit(values: Iterable[Any], shape: Any) -> bool:
    if type(shape) is type and all(type(value) is shape for value in values):  # names: no call per item
        return True
    return all(fits(value, shape) for value in values)


def _explain(value: Any, shape: Any, where: str, parts: tuple[Any, ...] = ()) -> tuple[str, tuple[Any, ...]] | None:
    """mismatch, the long way: with where each value is; and the keys and indexes that lead to it (`parts`)."""
    if isinstance(shape, tuple):
        if any(_explain(value, one, where, parts) is None for one in shape):
            return None
        # A list or an object where one alternative is of its kind: what inside it departs from that one.
        same_kind = [one for one in shape if (isinstance(one, list) and isinstance(value, list))
                     or (isinstance(one, dict) and isinstance(value, dict))]
        if len(same_kind) == 1:
            return _explain(value, same_kind[0], where, parts)
        return f"{where}: {value!r:.40} is not " + " or ".join(_named(one) for one in shape), parts
    if shape is None or isinstance(shape, type):
        # bool is an int to Python, never to JSON's readers
        fits = value is None if shape is None else isinstance(value, shape) and (shape is bool or
                                                                                type(value) is not bool)
        return None if fits else (f"{where} is not {getattr(shape, '__name__', 'null')}", parts)
    if isinstance(shape, frozenset):
        if isinstance(value, str) and value in shape:
            return None
        return f"{where}: {value!r:.40} is not one of {', '.join(sorted(shape))}", parts
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{where} is not a list", parts
        return next((m for i, item in enumerate(value)
                     if (m := _explain(item, shape[0], f"{where}[{i}]", (*parts, i)))), None)
    if not isinstance(value, dict):
        return f"{where} is not an object", parts
    if str in shape:  # {str: value}
        return next((m for k, item in value.items()
                     if (m := _explain(item, shape[str], f"{where}.{k}", (*parts, k)))), None)
    optional = shape.get(OPTIONAL, {})
    for key, field_shape in [*((k, v) for k, v in shape.items() if k != OPTIONAL), *optional.items()]:
        if key not in value:
            if key in optional:
                continue
            return f"{where} has no {key}", parts
        found = _explain(value[key], field_shape, f"{where}.{key}", (*parts, key))
        if found:
            return found
    return None


def _named(shape: Any) -> str:
    """How a message names a shape: str, null, a list, an object, one of a, b."""
    if shape is None:
        return "null"
    if isinstance(shape, type):
        return shape.__name__
    if isinstance(shape, list):
        return "a list"
    if isinstance(shape, frozenset):
        return f"one of {', '.join(sorted(shape))}"
    return "an object"
