"""YAML as the checks read and rewrite it: through libyaml when PyYAML has it (ten times faster than the
pure-Python loader and dumper, and the same data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load(text: str) -> Any:
    """One YAML document, as yaml.safe_load reads it."""
    return yaml.load(text, Loader=_Loader)


def read(path: Path) -> Any:
    """The YAML document of a UTF-8 file."""
    return load(path.read_text(encoding="utf-8"))


def dump(data: Any) -> str:
    """data as yaml.safe_dump(data, sort_keys=False) writes it: for checking copies, not for out/."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False)
