"""Input files read with the line of every mapping, so each import error can name file:line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitoring.errors import InputFileError


class Mapping(dict):
    """A YAML mapping that remembers the line of each of its keys (1-based), and its own."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Mapping:  # type: ignore[override]
        mapping = Mapping(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
        return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)


@dataclass
class SourceFile:
    """One input file: its display name, and its documents (a rule file may hold several, `---` separated)."""

    path: Path
    name: str
    documents: list[Any] = field(default_factory=list)

    def error(self, line: int, message: str) -> InputFileError:
        return InputFileError(f"{self.name}:{line}: {message}")

    def at(self, mapping: Any, key: str | None = None) -> str:
        """'file:line' of a key of a mapping read from this file."""
        line = mapping.line_of(key) if isinstance(mapping, Mapping) and key else getattr(mapping, "line", 1)
        return f"{self.name}:{line or 1}"


def read(path: Path, name: str | None = None) -> SourceFile:
    """The parsed documents of a YAML or JSON file, or an InputFileError naming the line that does not parse."""
    display = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{display}:1: cannot read ({exc.__class__.__name__}: {exc})") from None
    if path.suffix == ".json":
        try:
            return SourceFile(path, display, [json.loads(text)])
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{display}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    try:
        documents = [d for d in yaml.load_all(text, Loader=_LineLoader) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputFileError(f"{display}:{line}: not valid YAML ({reason})") from None
    return SourceFile(path, display, documents)
