"""Serialise plain data deterministically, and replace an output directory atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson

from monitoring import yaml_writer
from monitoring.errors import MonitoringError
from monitoring.manifest import MANIFEST


def to_yaml(data: Any, header: str = "") -> str:
    """Block-style YAML, keys in the renderer's order, after an optional header comment."""
    return yaml_writer.dump(data, header)


def to_json(data: Any) -> str:
    """Indented JSON with sorted keys; orjson, because the json module's indenting encoder is pure Python."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


_OLD_MARKER = ".generated-by-monitoring"  # what marked it before the manifest did
_MARKER = MANIFEST  # out/manifest.json: written by generate, it marks a directory as ours to replace


def _write_file(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def write_tree(files: Mapping[str, str], out_dir: Path) -> None:
    """Write files (relative path -> text) to a fresh directory, then swap it in for out_dir.

    If anything fails before the swap, out_dir is left exactly as it was.
    """
    out_dir = out_dir.resolve()
    if out_dir.exists() and any(out_dir.iterdir()) and not any((out_dir / m).exists() for m in (_MARKER, _OLD_MARKER)):
        raise MonitoringError(
            f"refusing to replace {out_dir}: it is not empty and was not written by this tool "
            f"(no {_MARKER} file)"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{out_dir.name}.", dir=out_dir.parent))
    try:
        for directory in sorted({(staging / relative).parent for relative in files}):
            directory.mkdir(parents=True, exist_ok=True)
        # File writes release the GIL: a few threads overlap the file system's latency.
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(_write_file, (staging / relative for relative in files), files.values()))
        if _MARKER not in files:
            (staging / _MARKER).write_text('{"generated_by": "monitoring"}\n')
        staging.chmod(0o755)
        previous = out_dir.with_name(f"{staging.name}.old")
        if out_dir.exists():
            os.rename(out_dir, previous)
        os.rename(staging, out_dir)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_tree(out_dir: Path) -> dict[str, str]:
    """Every generated file under out_dir, as write_tree was given it."""
    return {
        path.relative_to(out_dir).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(out_dir.rglob("*"))
        if path.is_file() and path.name != _MARKER
    }


def stale_files(files: Mapping[str, str], out_dir: Path) -> list[str]:
    """'changed|missing|extra path' for each difference between files and what out_dir holds."""
    current = read_tree(out_dir) if out_dir.is_dir() else {}
    lines = [f"missing {p}" for p in sorted(files.keys() - current.keys())]
    lines += [f"extra   {p}" for p in sorted(current.keys() - files.keys())]
    lines += [f"changed {p}" for p in sorted(files.keys() & current.keys()) if files[p] != current[p]]
    return lines
