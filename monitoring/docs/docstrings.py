"""Docstrings as the source writes them, indentation and all, on every Python.

Python 3.13's compiler strips the indentation that a docstring's lines after the first have in common. An example
indented under text keeps its place, but an example that is all there is after the first line loses its indentation
and reads as text. The reference (docs/reference.md) and the tests tell examples by their indentation, so they read
docstrings from the source, where every Python keeps them as written.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import tokenize
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

_DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def written_docstring(obj: Any) -> str | None:
    """obj's own docstring (a class's, not one it inherits) as its source file writes it; `__doc__` where the source
    cannot be read or holds another text (a docstring set at run time)."""
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    if not isinstance(doc, str):
        return None
    written = _in_source(obj)
    # The same text but for the indentation the compiler may have taken: otherwise the source is not where it came from.
    return written if written is not None and inspect.cleandoc(written) == inspect.cleandoc(doc) else doc


def _in_source(obj: Any) -> str | None:
    if inspect.ismodule(obj):
        module, qualname = obj, ""
    else:
        module, qualname = sys.modules.get(getattr(obj, "__module__", None) or ""), getattr(obj, "__qualname__", None)
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not isinstance(qualname, str) or not path.endswith(".py"):
        return None
    try:
        changed = os.stat(path).st_mtime_ns
    except OSError:
        return None
    return _docstrings(path, changed).get(qualname)


@lru_cache(maxsize=256)
def _docstrings(path: str, changed: int) -> dict[str, str]:
    """The docstrings of a source file by the qualified name of what each documents ('' for the module's own);
    `changed` (the file's modification time) keeps a rewritten file from being read from the cache."""
    try:
        with tokenize.open(path) as source:  # the encoding its coding line or BOM gives, UTF-8 otherwise
            tree = ast.parse(source.read(), path)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    found: dict[str, str] = {}
    pending: list[tuple[ast.AST, str]] = [(tree, "")]
    while pending:
        node, qualname = pending.pop()
        doc = ast.get_docstring(node, clean=False)  # type: ignore[arg-type]
        if doc is not None:
            found[qualname] = doc
        prefix = f"{qualname}.<locals>." if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else (
            f"{qualname}." if qualname else "")
        pending.extend((inner, prefix + inner.name) for inner in _defined_in(node))
    return found


def _defined_in(node: ast.AST) -> Iterator[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef]:
    """The classes and functions node defines directly: in its body, or in an `if`, `try` or `with` block of it."""
    pending = list(ast.iter_child_nodes(node))
    while pending:
        child = pending.pop()
        if isinstance(child, _DEFINITIONS):
            yield child
        else:
            pending.extend(ast.iter_child_nodes(child))
