"""YAML as the checks read and rewrite it: generated files through monitoring.checks.block_yaml, anything else
through libyaml when PyYAML has it (ten times faster than the pure-Python loader and dumper, and the same data).

PyYAML is imported on first use, not with this module: reading out/ usually needs none of it, and importing it
costs about as much as reading every generated file.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from monitoring.checks import block_yaml
from monitoring.errors import OutputError

REGENERATE = "run `monitoring generate` to write out/ again"  # how a message about a file of out/ ends


@cache
def _yaml() -> tuple[Any, Any, Any]:
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader), getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def error() -> type[Exception]:
    """The exception PyYAML raises for text that is not YAML."""
    yaml, _, _ = _yaml()
    error_type: type[Exception] = yaml.YAMLError
    return error_type


def load(text: str) -> Any:
    """One YAML document, as yaml.safe_load reads it."""
    data = block_yaml.load(text)
    if data is not None:
        return data
    yaml, loader, _ = _yaml()
    return yaml.load(text, Loader=loader)


def load_all(text: str) -> Iterator[Any]:
    """Every YAML document of text, as yaml.safe_load_all reads them."""
    data = block_yaml.load(text)  # one document when it reads it
    if data is not None:
        return iter([data])
    yaml, loader, _ = _yaml()
    return yaml.load_all(text, Loader=loader)


def read_text(path: Path) -> str:
    """The text of a file of out/; OutputError, one line naming the file, if it is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise OutputError(f"{path}: not UTF-8 text, not as generate writes it: {REGENERATE}") from None


def read(path: Path, text: str | None = None) -> Any:
    """The YAML document of a UTF-8 file (text: its text, when the caller has it already); OutputError, one line
    naming the file, for text that is not YAML (a file of out/ edited by hand)."""
    try:
        return load(read_text(path) if text is None else text)
    except error() as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise OutputError(f"{path}: not YAML ({problem}{where}): {REGENERATE}") from None


def read_mapping(path: Path, text: str | None = None) -> dict[Any, Any]:
    """`read`, for a file whose document is a mapping (an empty file reads as an empty one); OutputError
    otherwise."""
    data = read(path, text)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise OutputError(f"{path}: a YAML {type(data).__name__}, not a mapping: {REGENERATE}")
    return data


def dump(data: Any) -> str:
    """data as yaml.safe_dump(data, sort_keys=False) writes it: for checking copies, not for out/."""
    yaml, _, dumper = _yaml()
    return yaml.dump(data, Dumper=dumper, sort_keys=False)
