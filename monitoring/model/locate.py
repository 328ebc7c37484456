"""Where a nameless part sits in its parent: "receiver 'chat': slack[0]" for a Slack config with no name.

A part such as `Slack(...)` is built (and fails) before the `Receiver(...)` around it exists, so its error
cannot come from the parent. It can still say where it is: the constructor call's position in the user's
source, read with `ast`, shows the enclosing calls. Only used to word an error; when the source is not
available or the part is not written inside a named definition, there is nothing to add.
"""

from __future__ import annotations

import ast
import linecache
import sys
from bisect import bisect_right
from functools import lru_cache
from types import CodeType
from typing import Any

from monitoring.bounded import kept_for

# The line tables read (see `line_at`), per code object: few, as a process runs few distinct user functions.
_TABLES_KEPT = 256
_tables: dict[int, tuple[CodeType, tuple[list[int], list[int], list[int | None]]]] = {}


class Site:
    """Where the user's code made a definition: the code it was running and the offset of the call in it. The
    line is worked out when it is asked for (an error, `defined_at`), not as each definition is made: a frame's
    f_lineno reads the code's line table from its start, so a module that wrote its definitions in one long list
    made the load quadratic (20,000 metrics in one list: 10 s, of which 0.5 s to build them).

        Site(frame.f_code, frame.f_lasti).resolved()   # ('alerts/stack.py', 12), as (file, frame.f_lineno)
    """

    __slots__ = ("code", "offset")

    def __init__(self, code: CodeType, offset: int) -> None:
        self.code, self.offset = code, offset

    def resolved(self) -> tuple[str, int | None]:
        """(file, line): the line frame.f_lineno gave at the call (None for an instruction without one)."""
        return self.code.co_filename, line_at(self.code, self.offset)

    def __eq__(self, other: object) -> bool:
        # As the (file, line) it stands for, which a pickled copy holds: pydantic compares two definitions by
        # their whole dicts first, and only then field by field, so sites that are unequal for two equal
        # definitions would have every level of a stack compared twice over.
        if isinstance(other, Site):
            return (self.code is other.code and self.offset == other.offset) or self.resolved() == other.resolved()
        return self.resolved() == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.resolved())

    def __reduce__(self) -> tuple[Any, ...]:
        return tuple, (self.resolved(),)  # pickled as (file, line): a code object does not pickle

    def __copy__(self) -> Site:
        return self  # immutable, as a tuple is

    def __deepcopy__(self, memo: dict[int, Any]) -> Site:
        return self


def line_at(code: CodeType, offset: int) -> int | None:
    """The line of the instruction at byte `offset` of code (frame.f_lasti), as frame.f_lineno reads it: looked up
    in the code's line table, read once per code object."""
    if offset < 0:  # (before the first instruction)
        return code.co_firstlineno
    starts, ends, lines = kept_for(_tables, code, _line_table, _TABLES_KEPT)
    index = bisect_right(starts, offset) - 1
    return lines[index] if index >= 0 and offset < ends[index] else None


def _line_table(code: CodeType) -> tuple[list[int], list[int], list[int | None]]:
    """The code's instruction ranges as (starts, ends, lines)."""
    ranges = list(code.co_lines())
    return [start for start, _, _ in ranges], [end for _, end, _ in ranges], [line for _, _, line in ranges]


def call_position(depth: int, is_user_file: object) -> tuple[str, int, int] | None:
    """(file, line, column) of the innermost constructor call in the user's code."""
    frame = sys._getframe(depth + 1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if is_user_file(filename):  # type: ignore[operator]
            positions = list(frame.f_code.co_positions())
            index = frame.f_lasti // 2
            if 0 <= index < len(positions):
                line, _, column, _ = positions[index]
                if line is not None and column is not None:
                    return filename, line, column
            return None
        frame = frame.f_back
    return None


@lru_cache(maxsize=32)
def _parents(filename: str, text: str) -> tuple[dict[int, ast.AST], list[ast.Call]]:
    tree = ast.parse(text, filename)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    return parents, calls


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def enclosing_path(position: tuple[str, int, int] | None, names: dict[str, tuple[str, tuple[str, ...]]],
                   ) -> tuple[str, str] | None:
    """("receiver 'chat'", "slack[0]") for the call at position, written inside a named definition.

    names maps a class name to (its kind, its name fields).
    """
    if position is None:
        return None
    filename, line, column = position
    text = "".join(linecache.getlines(filename))
    if not text:
        return None
    try:
        parents, calls = _parents(filename, text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    # The innermost call that spans the position; the instruction of a call points at the call itself.
    here = [c for c in calls if (c.lineno, c.col_offset) <= (line, column) <= (c.end_lineno or 0, c.end_col_offset or 0)
            and _callee(c) in names]
    if not here:
        return None
    node: ast.AST = max(here, key=lambda c: (c.lineno, c.col_offset))
    path: list[str] = []
    while True:
        parent = parents.get(id(node))
        index = ""
        if isinstance(parent, ast.Tuple | ast.List):
            index = f"[{parent.elts.index(node)}]"  # type: ignore[arg-type]
            node, parent = parent, parents.get(id(parent))
        if not isinstance(parent, ast.keyword) or parent.arg is None:
            return None
        path.insert(0, parent.arg.removesuffix("_") + index)
        call = parents.get(id(parent))
        if not isinstance(call, ast.Call) or _callee(call) not in names:
            return None
        kind, name_fields = names[_callee(call)]
        for keyword in call.keywords:
            if keyword.arg in name_fields and isinstance(keyword.value, ast.Constant):
                return f"{kind} {keyword.value.value!r}", ".".join(path)
        node = call
