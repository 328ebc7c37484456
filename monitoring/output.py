"""Serialise plain data deterministically, and replace an output directory atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson

from monitoring import yaml_writer
from monitoring.errors import MonitoringError


def to_yaml(data: Any, header: str = "") -> str:
    """Block-style YAML, keys in the renderer's order, after an optional header comment."""
    return yaml_writer.dump(data, header)


def to_json(data: Any) -> str:
    """Indented JSON with sorted keys; orjson, because the json module's indenting encoder is pure Python."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


_MARKER = ".generated-by-monitoring"


def _write_file(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def write_tree(files: Mapping[str, str] | Iterable[tuple[str, str]], out_dir: Path) -> int:
    """Write files (relative path -> text, or a stream of such pairs) to a fresh directory, then swap it
    in for out_dir; the number of files written.

    A stream is consumed as it comes, each file written before the next is asked for, so a generator of
    files never has them all in memory. If anything fails before the swap (the stream included), out_dir
    is left exactly as it was.
    """
    out_dir = out_dir.resolve()
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / _MARKER).exists():
        raise MonitoringError(
            f"refusing to replace {out_dir}: it is not empty and was not written by this tool "
            f"(no {_MARKER} file)"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{out_dir.name}.", dir=out_dir.parent))
    try:
        count = _write_stream(files.items() if isinstance(files, Mapping) else files, staging)
        (staging / _MARKER).write_text("This directory is replaced whole by `monitoring generate`.\n")
        staging.chmod(0o755)
        previous = out_dir.with_name(f"{staging.name}.old")
        if out_dir.exists():
            os.rename(out_dir, previous)
        os.rename(staging, out_dir)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


# Files written at once: opening a file costs milliseconds on a busy file system, and the writes release
# the GIL, so a few threads overlap that latency; bounding what is in flight keeps a stream's memory flat.
_WRITERS = 4
_IN_FLIGHT = 64


def _write_stream(files: Iterable[tuple[str, str]], root: Path) -> int:
    made: set[Path] = set()
    pending: deque[Future[None]] = deque()
    count = 0
    with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
        for relative, text in files:
            path = root / relative
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            pending.append(pool.submit(_write_file, path, text))
            count += 1
            if len(pending) >= _IN_FLIGHT:
                pending.popleft().result()
        for future in pending:
            future.result()
    return count


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
