"""Write an import's files into a project directory, never over existing files unless forced."""

from __future__ import annotations

from pathlib import Path

from monitoring.errors import InputFileError
from monitoring.imports.project import ImportResult


def write_import(result: ImportResult, directory: Path, *, force: bool = False) -> list[Path]:
    """Write result.files under directory; an InputFileError names the first file that exists (without force)."""
    targets = [(directory / rel, text) for rel, text in sorted(result.files.items())]
    if not force:
        for path, _ in targets:
            if path.exists():
                raise InputFileError(f"{path}:1: exists already: import into another --package, or pass --force")
    for path, text in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return [path for path, _ in targets]
