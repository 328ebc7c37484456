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


def read(path: Path) -> Any:
    """The YAML document of a UTF-8 file."""
    return load(path.read_text(encoding="utf-8"))


def dump(data: Any) -> str:
    """data as yaml.safe_dump(data, sort_keys=False) writes it: for checking copies, not for out/."""
    yaml, _, dumper = _yaml()
    return yaml.dump(data, Dumper=dumper, sort_keys=False)
