"""Serialise plain data deterministically, and replace an output directory atomically."""

from __future__ import annotations

import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from monitoring.errors import OutputError
from monitoring.output import yaml_writer
from monitoring.output.dir_swap import replace_dir
from monitoring.output.manifest import MANIFEST, Signature, kind_of, sha256, sha256_bytes, signature


def to_yaml(data: Any, header: str = "") -> str:
    """Block-style YAML, keys in the renderer's order, after an optional header comment."""
    return yaml_writer.dump(data, header)


def to_json(data: Any) -> str:
    """Indented JSON with sorted keys; orjson, because the json module's indenting encoder is pure Python."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"


_OLD_MARKER = ".generated-by-monitoring"  # what marked it before the manifest did
_MARKER = MANIFEST  # out/manifest.json: written by generate, it marks a directory as ours to replace


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
# A previous file read to compare it: never through a symbolic link, never waiting on a FIFO (POSIX flags).
_READ_AS_IT_IS = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
# The modes of what generate writes, whatever the umask of the process that writes it: out/ is the same tree,
# down to its modes, from every run (the swap gives the top directory 0o755 too).
FILE_MODE = 0o644
DIR_MODE = 0o755


class Written(NamedTuple):
    """A file already in the staging directory, written by the process that rendered it (see `write_staged`):
    its sha256 for the manifest, and its signature (None: hashed only, nothing written). A stream given to
    `write_tree` may carry one in place of a file's text. `kept`: not written, because the previous generation's
    file at its path holds exactly its bytes; `signature` is that file's, and write_tree links it into the new
    tree (see `Previous`).

        written = write_staged(str(staging), "prometheus/rules/api.rules.yml", text, made=set())
        assert written.sha256 == sha256(text)
    """

    sha256: str
    signature: Signature | None
    kept: bool = False


class Previous:
    """The output directory a generation replaces, and each of its files' sha256 as its manifest records them.

    A file whose new bytes are those the directory holds already is not written again: the same file (its inode,
    so its modification time) goes into the new tree, and only the files whose bytes changed are written. Tools
    that watch out/ by modification time (a config reloader, make, rsync, git's index) see what changed and
    nothing else. The manifest only says which files to look at: each is read and compared byte for byte.

        write_tree(files, out, previous=Previous(out, {p: e.sha256 for p, e in manifest.files.items()}))
    """

    def __init__(self, out_dir: Path, hashes: Mapping[str, str]) -> None:
        self.out_dir = str(out_dir.resolve())
        self.hashes = hashes
        self._plain: dict[str, bool] = {}  # folder -> no symbolic link on the way to it from out_dir

    def plain_folder(self, folder: str) -> bool:
        """Whether out_dir/folder is reached without a symbolic link (one lookup per folder)."""
        found = self._plain.get(folder)
        if found is None:
            path = os.path.join(self.out_dir, folder) if folder else self.out_dir
            found = self._plain[folder] = os.path.realpath(path) == path
        return found


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


def _holding(previous: Previous | None, relative: str, data: bytes, digest: str) -> Signature | None:
    """The signature of the previous generation's file at `relative` when it holds exactly `data`, else None.

    Only a file that could be taken into the new tree as it is: a regular file of FILE_MODE with no other name
    (a second hard link would share what out/ holds with a path outside it), reached without a symbolic link
    inside out/."""
    if previous is None or previous.hashes.get(relative) != digest:
        return None
    if not previous.plain_folder(os.path.dirname(relative)):
        return None
    path = os.path.join(previous.out_dir, relative)
    try:  # a FIFO put in its place opens without waiting for a writer, and is refused below
        fd = os.open(path, os.O_RDONLY | _READ_AS_IT_IS)
    except OSError:
        return None
    try:
        found = os.fstat(fd)
        if (not stat.S_ISREG(found.st_mode) or found.st_mode & 0o7777 != FILE_MODE or found.st_nlink != 1
                or found.st_size != len(data)):
            return None
        held = bytearray()
        while len(held) <= len(data) and (chunk := os.read(fd, len(data) + 1 - len(held))):
            held += chunk
        return signature(found) if held == data else None
    except OSError:
        return None
    finally:
        os.close(fd)


def write_staged(staging: str, relative: str, text: str, made: set[str], previous: Previous | None = None
                 ) -> Written:
    """Write one file into the staging directory write_tree made (see its `staged` argument), from any process,
    encoding it once for both the hash and the write. `made` holds the directories this process has made. A file
    `previous` holds already is not written: it is `kept` (see Previous).

    Directories are made one level at a time below `staging`, never `staging` itself: several processes may
    make the same one at once, and a process still writing after the staging directory was abandoned (deleted)
    fails instead of making it again."""
    data = text.encode("utf-8")
    digest = sha256_bytes(data)
    held = _holding(previous, relative, data, digest)
    if held is not None:
        return Written(digest, held, kept=True)
    _make_dirs(staging, os.path.dirname(relative), made)
    return Written(digest, _write_file(os.path.join(staging, relative), data))


def _make_dirs(staging: str, folder: str, made: set[str]) -> None:
    """folder and its parents below staging, each made once by this process (another may have made it first)."""
    if folder and folder not in made:
        path = staging
        for part in folder.split("/"):
            path = os.path.join(path, part)
            _make_dir(path)
        made.add(folder)


def hashed(text: str) -> Written:
    """What `write_staged` would answer for a file not written (generate --check)."""
    return Written(sha256(text), None)


# What write_tree is given for each file: its text, or what `write_staged` answered for it.
Content = str | Written


def write_tree(files: Mapping[str, str] | Iterable[tuple[str, Content]], out_dir: Path,
               signatures: dict[str, Signature] | None = None,
               staged: Callable[[Path], None] | None = None, previous: Previous | None = None) -> int:
    """Write files (relative path -> text, or a stream of such pairs) to a fresh directory, then swap it
    in for out_dir; the number of files written (those kept from `previous` not counted). `signatures`, if
    given, receives each file's signature as it was written (relative path -> size, mtime, ctime, inode), which
    the swap does not change.

    A stream is consumed as it comes, each file written before many more are asked for, so a generator of
    files never has them all in memory. A failure (the stream's included) or a kill at any point leaves
    out_dir as it was or fully replaced (see monitoring.output.dir_swap); a file-system error is an OutputError
    naming the path.

    `staged(directory)`, if given, is told the staging directory before the first file is asked for: whoever
    renders the stream may then write files there themselves (`write_staged`, in any process) and put a
    `Written` in the stream for each. A stream that fails is closed before the staging directory is deleted,
    so that whatever it runs stops first.

    `previous`, if given, describes out_dir as it is: a file whose bytes it holds already is not written but
    taken into the new tree as it is, modification time and all (see Previous); a `Written` in the stream may
    say the same (`kept`).
    """
    try:
        return _write_tree(files.items() if isinstance(files, Mapping) else files, out_dir.resolve(),
                           {} if signatures is None else signatures, staged, previous)
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
                staged: Callable[[Path], None] | None, previous: Previous | None) -> int:
    blocker = _not_a_directory(out_dir)
    if blocker is not None:
        raise OutputError(f"cannot write the output to {out_dir}: {blocker} is {kind_of(blocker)}, not a directory")
    if out_dir.exists() and any(out_dir.iterdir()) and not any((out_dir / m).exists() for m in (_MARKER, _OLD_MARKER)):
        raise OutputError(
            f"refusing to replace {out_dir}: it is not empty and was not written by this tool "
            f"(no {_MARKER} file)"
        )

    written = 0
    kept: list[tuple[str, Signature]] = []

    def fill(staging: Path) -> None:
        nonlocal written
        if staged is not None:
            staged(staging)
        try:
            written = _write_stream(files, staging, signatures, previous, kept)
        except BaseException:
            close = getattr(files, "close", None)  # a generator's: e.g. it stops the processes rendering for it
            if close is not None:
                close()
            raise
        # Only once the stream has ended: a generation that finds out/ unchanged stops it (abandoning the staging
        # directory), and a link made and removed again would still change the kept files' change times.
        _take_kept(kept, str(out_dir), str(staging))
        if not (staging / _MARKER).exists():  # generate streams out/manifest.json last; others get a bare marker
            _write_file(str(staging / _MARKER), b'{"generated_by": "monitoring"}\n')

    replace_dir(out_dir, fill)
    # A kept file's change time moved as the new tree linked it and again as the old tree's name went.
    signatures.update((relative, signature(os.lstat(out_dir / relative))) for relative, _ in kept)
    return written - len(kept)


def _take_kept(kept: list[tuple[str, Signature]], out_dir: str, staging: str) -> None:
    """Link each kept file of out_dir into the staging directory: the same file, if it is still as it was when
    its bytes were compared (else OutputError); copied where the file system has no hard links."""
    made: set[str] = set()
    for relative, held in kept:
        source, target = os.path.join(out_dir, relative), os.path.join(staging, relative)
        if signature(os.lstat(source)) != held:
            raise OutputError(f"{source} changed while generate ran: run it again")
        _make_dirs(staging, os.path.dirname(relative), made)
        try:
            os.link(source, target, follow_symlinks=False)
        except (OSError, NotImplementedError):  # no hard links here (EPERM, EMLINK...; no linkat): copied
            with open(source, "rb") as opened:
                _write_file(target, opened.read())


# Files written at once: opening a file costs milliseconds on a busy file system, and the writes release
# the GIL, so a few threads overlap that latency; bounding what is in flight keeps a stream's memory flat.
# They go to the threads in batches: a task per file cost more than many small files take to write.
_WRITERS = 4
_IN_FLIGHT = 64
_BATCH = 16


def _write_stream(files: Iterable[tuple[str, Content]], root: Path, signatures: dict[str, Signature],
                  previous: Previous | None, kept: list[tuple[str, Signature]]) -> int:
    """Write each file into root (its text in a writer thread), or note it in `kept` (see Previous); the count."""
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
                if text.kept:
                    kept.append((relative, text.signature))
                else:
                    signatures[relative] = text.signature
                continue
            if previous is not None and relative in previous.hashes:
                data = text.encode("utf-8")
                held = _holding(previous, relative, data, sha256_bytes(data))
                if held is not None:
                    kept.append((relative, held))
                    continue
            _make_dirs(base, os.path.dirname(relative), made)
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
