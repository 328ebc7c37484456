"""Pieces of YAML text for files written in parts: the writer's spelling of a scalar, or of `key: value` at an
indentation. Block YAML is compositional (a value's lines are the same wherever it sits, indented), so a file put
together from these pieces is exactly what `to_yaml` writes for the whole; tests compare the two."""

from __future__ import annotations

from typing import Any

from monitoring.output import yaml_writer
from monitoring.output.files import to_yaml


def scalar(value: str) -> str:
    """A one-line string as the YAML writer spells it as a mapping value or a list item (the writer keeps the
    spellings of recurring strings); a multi-line string is a block, spelled by `under`."""
    return yaml_writer.one_line(value)


def under(key: str, value: Any, indent: str) -> str:
    """`key: value` as YAML lines at `indent`."""
    return indent + to_yaml({key: value})[:-1].replace("\n", "\n" + indent) + "\n"


def items(values: list[Any], indent: str) -> str:
    """The items of a block list, as YAML lines at `indent` (without the key the list is under)."""
    text = under("k", values, indent)
    return text[text.index("\n") + 1:]
