"""The files of a new project, and writing them where nothing is in the way."""

from __future__ import annotations

import re
from pathlib import Path

from monitoring.errors import InitError
from monitoring.scaffold import templates

# The distribution on PyPI; the import name is `monitoring`.
DISTRIBUTION = "promstack-as-code"


def project_files(name: str) -> dict[str, str]:
    """Path (relative to the project) -> text, for a project called name.

        project_files("shop")["alerts/stack.py"]
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "monitoring"
    values = {"name": slug, "distribution": DISTRIBUTION}
    return {path: text.format(**values) if path in templates.FORMATTED else text
            for path, text in templates.FILES.items()}


def init_project(directory: Path, *, force: bool = False, name: str | None = None) -> list[Path]:
    """Write a new project into directory (created if missing); refuses a non-empty one unless force.

        init_project(Path("my-monitoring"))
    """
    if directory.exists() and not directory.is_dir():
        raise InitError(f"{directory}:1: is a file, not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        first = sorted(p.name for p in directory.iterdir())[0]
        raise InitError(f"{directory}: is not empty (it holds {first!r}): "
                        "init into an empty directory, or pass --force to write over matching files")
    written = []
    for relative, text in project_files(name or directory.resolve().name).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
