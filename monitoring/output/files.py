"""Serialise plain data deterministically, and replace an output directory atomically."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from monitoring.errors import OutputError
from monitoring.output import yaml_writer
from monitoring.output.dir_swap import replace_dir
from monitoring.output.manifest import MANIFEST, Signature, sha256, sha256_bytes, signature


def to_yaml(data: Any, header: str = "") -> str:
    """Block-style YAML, keys in the renderer's order, after an optional header comment."""
    return yaml_writer.dump(data, header)


def to_json(data: Any) -> str:
    """Indented JSON with sorted keys; orjson, because the json module's indenting encoder is pure Python."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


_OLD_MARKER = ".generated-by-monitoring"  # what marked it before the manifest did
_MARKER = MANIFEST  # out/manifest.json: written by generate, it marks a directory as ours to replace


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
# The modes of what generate writes, whatever the umask of the process that writes it: out/ is the same tree,
# down to its modes, from every run (the swap gives the top directory 0o755 too).
FILE_MODE = 0o644
DIR_MODE = 0o755


class Written(NamedTuple):
    """A file already in the staging directory, written by the process that rendered it (see `write_staged`):
    its sha256 for the manifest, and its signature (None: hashed only, nothing written). A stream given to
    `write_tree` may carry one in place of a file's text.

        written = write_staged(str(staging), "prometheus/rules/api.rules.yml", text, made=set())
        assert written.sha256 == sha256(text)
    """

    sha256: str
    signature: Signature | None


def _write_file(path: str, data: bytes) -> Signature:
    # os.open and os.write rather than Path.write_text: a large stack writes tens of thousands of files, and the
    # text layer's per-file cost showed in the profile.
    fd = os.open(path, _CREATE, FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        # Of the open file, not looked up by path again. In the staging directory, whose random name no one
        # else knows, nothing changes the file afterwards.
        found = os.fstat(fd)
        if found.st_mode & 0o7777 != FILE_MODE:  # a umask that takes more than group and others' write
            os.fchmod(fd, FILE_MODE)
            found = os.fstat(fd)
        return signature(found)
    finally:
        os.close(fd)


def _make_dir(path: str) -> None:
    """Make directory path with DIR_MODE, whatever the umask; one that another process made first is left be."""
    try:
        os.mkdir(path, DIR_MODE)
    except FileExistsError:
        return
    os.chmod(path, DIR_MODE)  # the umask may have taken bits from mkdir's mode


def _write_batch(base: str, batch: list[tuple[str, str]]) -> list[Signature]:
    return [_write_file(os.path.join(base, relative), text.encode("utf-8")) for relative, text in batch]


def write_staged(staging: str, relative: str, text: str, made: set[str]) -> Written:
    """Write one file into the staging directory write_tree made (see its `staged` argument), from any process,
    encoding it once for both the hash and the write. `made` holds the directories this process has made.

    Directories are made one level at a time below `staging`, never `staging` itself: several processes may
    make the same one at once, and a process still writing after the staging directory was abandoned (deleted)
    fails instead of making it again."""
    data = text.encode("utf-8")
    folder = os.path.dirname(relative)
    if folder and folder not in made:
        path = staging
        for part in folder.split("/"):
            path = os.path.join(path, part)
            _make_dir(path)  # or another process made it first
        made.add(folder)
    return Written(sha256_bytes(data), _write_file(os.path.join(staging, relative), data))


def hashed(text: str) -> Written:
    """What `write_staged` would answer for a file not written (generate --check)."""
    return Written(sha256(text), None)


# What write_tree is given for each file: its text, or what `write_staged` answered for it.
Content = str | Written


def write_tree(files: Mapping[str, str] | Iterable[tuple[str, Content]], out_dir: Path,
               signatures: dict[str, Signature] | None = None,
               staged: Callable[[Path], None] | None = None) -> int:
    """Write files (relative path -> text, or a stream of such pairs) to a fresh directory, then swap it
    in for out_dir; the number of files written. `signatures`, if given, receives each file's signature as
    it was written (relative path -> size, mtime, ctime, inode), which the swap does not change.

    A stream is consumed as it comes, each file written before many more are asked for, so a generator of
    files never has them all in memory. A failure (the stream's included) or a kill at any point leaves
    out_dir as it was or fully replaced (see monitoring.output.dir_swap); a file-system error is an OutputError
    naming the path.

    `staged(directory)`, if given, is told the staging directory before the first file is asked for: whoever
    renders the stream may then write files there themselves (`write_staged`, in any process) and put a
    `Written` in the stream for each. A stream that fails is closed before the staging directory is deleted,
    so that whatever it runs stops first.
    """
    try:
        return _write_tree(files.items() if isinstance(files, Mapping) else files, out_dir.resolve(),
                           {} if signatures is None else signatures, staged)
    except OSError as exc:  # a file where a directory should be, a read-only or pseudo file system, no space...
        raise OutputError(f"cannot write the output to {out_dir}: {_os_reason(exc)}") from None


def _os_reason(exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or type(exc).__name__}{where}"


def _not_a_directory(out_dir: Path) -> Path | None:
    """out_dir or the first of its parents that exists but is not a directory."""
    for path in (out_dir, *out_dir.parents):
        if path.exists() or path.is_symlink():
            return None if path.is_dir() else path
    return None


def _write_tree(files: Iterable[tuple[str, Content]], out_dir: Path, signatures: dict[str, Signature],
                staged: Callable[[Path], None] | None) -> int:
    blocker = _not_a_directory(out_dir)
    if blocker is not None:
        raise OutputError(f"cannot write the output to {out_dir}: {blocker} is a file, not a directory")
    if out_dir.exists() and any(out_dir.iterdir()) and not any((out_dir / m).exists() for m in (_MARKER, _OLD_MARKER)):
        raise OutputError(
            f"refusing to replace {out_dir}: it is not empty and was not written by this tool "
            f"(no {_MARKER} file)"
        )

    written = 0

    def fill(staging: Path) -> None:
        nonlocal written
        if staged is not None:
            staged(staging)
        try:
            written = _write_stream(files, staging, signatures)
        except BaseException:
            close = getattr(files, "close", None)  # a generator's: e.g. it stops the processes rendering for it
            if close is not None:
                close()
            raise
        if not (staging / _MARKER).exists():  # generate streams out/manifest.json last; others get a bare marker
            _write_file(str(staging / _MARKER), b'{"generated_by": "monitoring"}\n')

    replace_dir(out_dir, fill)
    return written


# Files written at once: opening a file costs milliseconds on a busy file system, and the writes release
# the GIL, so a few threads overlap that latency; bounding what is in flight keeps a stream's memory flat.
# They go to the threads in batches: a task per file cost more than many small files take to write.
_WRITERS = 4
_IN_FLIGHT = 64
_BATCH = 16


def _write_stream(files: Iterable[tuple[str, Content]], root: Path, signatures: dict[str, Signature]) -> int:
    made: set[str] = set()
    pending: deque[tuple[list[tuple[str, str]], Future[list[Signature]]]] = deque()
    batch: list[tuple[str, str]] = []  # (relative path, text)
    count = 0
    base = str(root)
    with ThreadPoolExecutor(max_workers=_WRITERS) as pool:

        def settle(done: tuple[list[tuple[str, str]], Future[list[Signature]]]) -> None:
            written, future = done
            signatures.update(zip((relative for relative, _ in written), future.result(), strict=True))

        for relative, text in files:
            count += 1
            if isinstance(text, Written):  # written already, where it was rendered
                if text.signature is None:
                    raise RuntimeError(f"{relative} was hashed, not written")  # a bug: not from write_staged
                signatures[relative] = text.signature
                continue
            folder = os.path.dirname(relative)
            if folder and folder not in made:
                path = base
                for part in folder.split("/"):
                    path = os.path.join(path, part)
                    _make_dir(path)
                made.add(folder)
            batch.append((relative, text))
            if len(batch) == _BATCH:
                pending.append((batch, pool.submit(_write_batch, base, batch)))
                batch = []
            if len(pending) * _BATCH + len(batch) >= _IN_FLIGHT:
                settle(pending.popleft())
        if batch:
            pending.append((batch, pool.submit(_write_batch, base, batch)))
        for done in pending:
            settle(done)
    return count


def read_tree(out_dir: Path) -> dict[str, str]:
    """Every generated file under out_dir, as write_tree was given it."""
    return {
        path.relative_to(out_dir).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(out_dir.rglob("*"))
        if path.is_file() and path.name != _MARKER
    }
