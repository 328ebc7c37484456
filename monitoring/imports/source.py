"""Input files read with the line of every mapping, so each import error can name file:line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitoring.errors import InputFileError
from monitoring.imports.findings import Findings
from monitoring.imports.yaml_input import Mapping, UnreadableInput, parse_json, parse_yaml

__all__ = ["Mapping", "SourceFile", "read"]


@dataclass
class SourceFile:
    """One input file: its display name, and its documents (a rule file may hold several, `---` separated)."""

    path: Path
    name: str
    documents: list[Any] = field(default_factory=list)
    document_lines: list[int] = field(default_factory=list)  # the line each of documents starts on

    def error(self, line: int, message: str) -> InputFileError:
        return InputFileError(f"{self.name}:{line}: {message}")

    def at(self, mapping: Any, key: str | None = None) -> str:
        """'file:line' of a key of a mapping read from this file."""
        line = mapping.line_of(key) if isinstance(mapping, Mapping) and key else getattr(mapping, "line", 1)
        return f"{self.name}:{line or 1}"

    def only_first_document(self, findings: Findings, reader: str) -> None:
        """Name the documents after the first, which reader (Prometheus, Alertmanager) does not read either:
        `promtool check config` accepts such a file and uses its first document."""
        for line in self.document_lines[1:]:
            findings.unsupported(f"{self.name}:{line}", f"a further YAML document ({reader} reads only the first)",
                                 "not imported")


def read(path: Path, name: str | None = None) -> SourceFile:
    """The parsed documents of a YAML or JSON file, or an InputFileError naming the line that does not parse."""
    display = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{display}:1: cannot read ({exc.__class__.__name__}: {exc})") from None
    try:
        if path.suffix == ".json":
            return SourceFile(path, display, [parse_json(text)], [1])
        documents = parse_yaml(text)
    except UnreadableInput as exc:
        raise InputFileError(f"{display}:{exc.line or 1}: {exc.problem}") from None
    return SourceFile(path, display, [d.data for d in documents], [d.line for d in documents])
