"""out/manifest.json: what `generate` handed off, so every later command reads out/ alone.

It records the stack's import path, the tool's version, each file's origin (service, slo, dashboard, ...) and
sha256, and what the checks need to know of the model (route expectations, the metric catalog and series the
lint checks judge against). `validate`, `test`, `publish` and `diff` read it and out/; they never import the
stack or render anything. Staleness is a hash comparison.

    manifest = Manifest.read(Path("out"))
    manifest.changed_files(Path("out"))      # [] when out/ is exactly what generate wrote
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitoring.errors import OutputError

MANIFEST = "manifest.json"
FORMAT = 1
GENERATED_BY = "monitoring"
# 10,000 services write a manifest of about 32 MB (3.2 kB each, measured at 400): a larger one is not ours, and
# is refused before it is read into memory. No generated file comes near it either (the checks hold a file whole,
# twice over as text and data): the readers refuse a larger one before anything opens it.
MAX_BYTES = 256 << 20


# What identifies a file's state on disk without reading it: size, mtime, ctime (which no one can set) and inode.
Signature = tuple[int, int, int, int]


def signature(found: os.stat_result) -> Signature:
    return found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino


def sha256(text: str) -> str:
    import hashlib  # here, not at the top: `monitoring --help` imports this module and never hashes

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def tool_version() -> str:
    """The version of monitoring running (see monitoring.version)."""
    from monitoring.version import VERSION

    return VERSION


@dataclass(frozen=True)
class FileEntry:
    """One generated file: what produced it ("service 'api'", "slo 'api/availability'", ...) and its hash."""

    origin: str
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """The hand-off record of one generation. Build it with `Manifest.of`, store it with `text()`."""

    stack: str
    version: str
    files: Mapping[str, FileEntry]
    # What the checks need from the model, as plain data (see monitoring.checks.context).
    checks: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, stack: str, hashes: Mapping[str, str], origins: Mapping[str, str],
           checks: Mapping[str, Any]) -> Manifest:
        """From each file's sha256 (see `sha256`) and origin."""
        entries = {path: FileEntry(origins.get(path, "generated"), digest) for path, digest in hashes.items()}
        return cls(stack, tool_version(), entries, checks)

    def data(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "generated_by": GENERATED_BY,
            "version": self.version,
            "stack": self.stack,
            "files": {path: {"origin": e.origin, "sha256": e.sha256} for path, e in sorted(self.files.items())},
            "checks": self.checks,
        }

    def text(self) -> str:
        from monitoring.output.files import to_json

        return to_json(self.data())

    @classmethod
    def read(cls, out_dir: Path) -> Manifest:
        """The manifest of out_dir; OutputError when there is none (never generated) or it is not one this tool
        wrote, in any part: the readers trust every type in it, and every path names a file inside out_dir."""
        path = out_dir / MANIFEST
        try:
            found = os.stat(path)
            if not stat.S_ISREG(found.st_mode):  # a FIFO would block the read for ever
                raise OutputError(f"{path}: not a file generate wrote: run `monitoring generate` again")
            if found.st_size > MAX_BYTES:  # before reading: JSON is held whole, and twice
                raise OutputError(f"{path}: over {MAX_BYTES >> 20} MiB, not a manifest this tool wrote: "
                                  "run `monitoring generate` again")
            data = load_json(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise OutputError(f"{out_dir} has no generated output ({MANIFEST} is missing): "
                              "run `monitoring generate` first") from None
        except (OSError, ValueError, RecursionError) as exc:  # RecursionError: arrays nested thousands deep
            raise OutputError(f"{path}: not readable JSON ({exc}): run `monitoring generate` again") from None
        # `type(...) is int`: JSON's true is no format number, though Python holds True == 1
        if not isinstance(data, dict) or type(data.get("format")) is not int or data["format"] != FORMAT:
            raise OutputError(f"{path}: written by another version of this tool: run `monitoring generate` again")
        problem = _problem(data)
        if problem:  # edited by hand into another shape
            raise OutputError(f"{path}: not a manifest this tool wrote ({problem}): run `monitoring generate` again")
        if data["generated_by"] != GENERATED_BY:  # the same name and format by chance: another program's
            raise OutputError(f"{path}: generated_by is {data['generated_by']!r:.60}, not {GENERATED_BY!r}: not a "
                              "manifest this tool wrote: run `monitoring generate` again")
        files = {p: FileEntry(e["origin"], e["sha256"]) for p, e in data["files"].items()}
        return cls(data["stack"], data["version"], files, data["checks"])

    def paths(self, prefix: str = "", suffix: str = "") -> list[Path]:
        """Relative paths of the generated files under prefix ending in suffix, sorted."""
        return [Path(p) for p in sorted(self.files) if p.startswith(prefix) and p.endswith(suffix)]

    def origin(self, path: str) -> str:
        entry = self.files.get(path)
        return entry.origin if entry else "unknown"

    def differences(self, other: Manifest) -> list[str]:
        """'changed|missing|extra path' for each file whose hash differs between the two (self is on disk)."""
        lines = [f"missing {p}" for p in sorted(other.files.keys() - self.files.keys())]
        lines += [f"extra   {p}" for p in sorted(self.files.keys() - other.files.keys())]
        lines += [f"changed {p}" for p in sorted(self.files.keys() & other.files.keys())
                  if self.files[p].sha256 != other.files[p].sha256]
        if not lines and self.checks != other.checks:
            lines.append(f"changed {MANIFEST} (what the checks know of the model)")
        return lines

    def changed_files(self, out_dir: Path, signatures: dict[str, Signature] | None = None) -> list[str]:
        """Files of out_dir that are not what generate wrote: edited, deleted, replaced by a directory, unreadable,
        or added by hand ('changed', 'missing', 'directory', 'unreadable', 'extra' path); and, as 'symlink path' or
        'special path', what generate never writes (never followed nor opened).

        `signatures`, if given, receives the signature (size, mtime, ctime, inode) of each file found as
        generated, taken before it was read: a later change to the file changes its signature."""
        import hashlib

        regular, odd = walk(out_dir)
        lines = [f"extra   {path}" for path in sorted(regular - self.files.keys() - {MANIFEST})]
        lines += [line for line in odd if line.partition(" ")[2] != MANIFEST]
        for path, entry in sorted(self.files.items()):
            if path not in regular:  # gone, or a link or special file in its place: reported above, never read
                if not any(line.partition(" ")[2] == path for line in odd):
                    lines.append(f"{_gone(out_dir, path, odd)} {path}")
                continue
            file = out_dir / path
            try:
                found = os.lstat(file)
                with open(file, "rb") as opened:
                    digest = hashlib.file_digest(opened, "sha256").hexdigest()  # in pieces: any size fits
            except FileNotFoundError:  # gone since the walk
                lines.append(f"missing {path}")
                continue
            except OSError:  # there, but not for this user (mode 000), or failing to read
                lines.append(f"unreadable {path}")
                continue
            if digest != entry.sha256:
                lines.append(f"changed {path}")
            elif signatures is not None:
                signatures[path] = signature(found)
        return lines


def _gone(out_dir: Path, path: str, odd: list[str]) -> str:
    """How changed_files names a listed file that is not a regular file of out_dir: 'directory' when a
    directory took its place, else 'missing'. Never through a link: below one it is missing (the link is
    reported), since what lies beyond it is outside out_dir."""
    if any(path.startswith(line.partition(" ")[2] + "/") for line in odd):
        return "missing"
    try:
        return "directory" if stat.S_ISDIR(os.lstat(out_dir / path).st_mode) else "missing"
    except OSError:
        return "missing"


def walk(out_dir: Path, max_bytes: int | None = None) -> tuple[set[str], list[str]]:
    """(the regular files under out_dir, as relative POSIX paths; 'symlink path' and 'special path' lines for
    what generate never writes there), without following a link: nothing outside out_dir is looked at. With
    max_bytes, a regular file larger than that is an 'oversize path' line instead (one stat per file more)."""
    regular: set[str] = set()
    odd: list[str] = []
    pending = [("", str(out_dir))]
    while pending:
        prefix, directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    relative = prefix + entry.name
                    if entry.is_symlink():
                        odd.append(f"symlink {relative}")
                    elif entry.is_dir(follow_symlinks=False):
                        pending.append((relative + "/", entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        if max_bytes is not None and entry.stat(follow_symlinks=False).st_size > max_bytes:
                            odd.append(f"oversize {relative}")
                        else:
                            regular.add(relative)
                    else:  # a FIFO, socket or device: opening one can block a reader for ever
                        odd.append(f"special {relative}")
        except OSError as exc:
            raise OutputError(f"cannot read {directory}: {exc.strerror or type(exc).__name__}") from None
    return regular, sorted(odd)


def read_handoff(out_dir: Path) -> Manifest:
    """The manifest of out_dir, for a command that reads out/ (validate, test, publish, diff): OutputError
    unless out_dir is a directory that holds only directories and regular files of at most MAX_BYTES (a
    symbolic link can lead outside it, a FIFO can block a reader, the checks hold a file in memory whole) and
    a manifest this tool wrote."""
    if not out_dir.is_dir() and (out_dir.exists() or out_dir.is_symlink()):
        raise OutputError(f"{out_dir} is not a directory: run `monitoring generate`")
    if os.path.islink(out_dir / MANIFEST):
        odd = [f"symlink {MANIFEST}"]
    else:
        # The manifest first: a directory that never had one (`--out /`) is refused before its tree is walked.
        manifest = Manifest.read(out_dir)
        odd = walk(out_dir, MAX_BYTES)[1]
    if odd:
        shown = "; ".join(odd[:3]) + ("; ..." if len(odd) > 3 else "")
        raise OutputError(f"{out_dir} holds what generate never writes ({shown}): only directories and "
                          f"regular files of at most {MAX_BYTES >> 20} MiB belong there: run `monitoring generate` "
                          "again")
    # Another version renders out/ and records what its checks need in its own way: this version's checks
    # would judge (and publish would send) output they never saw generated. Generating again is cheap.
    running = tool_version()
    if manifest.version != running:
        raise OutputError(f"{out_dir / MANIFEST}: version {manifest.version!r:.40}: out/ was generated by another "
                          f"version of monitoring than this one ({running}): run `monitoring generate` again")
    return manifest


class _NotJSON:
    """Where load_json met a value JSON does not have (NaN, Infinity, a number beyond a float's range)."""


_NOT_JSON = _NotJSON()


def load_json(text: str) -> Any:
    """text as JSON, as Grafana (Go's encoding/json) and every other strict reader takes it: ValueError for what
    Python's json module reads and they refuse, NaN, Infinity, -Infinity or a number beyond a 64-bit float's
    range (1e400), its message naming the value and its JSON path. Every reader of out/'s JSON reads through it:
    what a check passes, publish can send.

        load_json('{"a": [1, 2.5]}')  # {'a': [1, 2.5]}; with NaN for 2.5, a ValueError naming NaN at a[1]
    """
    found: list[str] = []

    def constant(name: str) -> _NotJSON:
        found.append(name)
        return _NOT_JSON

    def number(spelled: str) -> float | _NotJSON:
        value = float(spelled)
        if math.isinf(value):
            found.append(spelled)
            return _NOT_JSON
        return value

    data = json.loads(text, parse_constant=constant, parse_float=number)
    if found:  # rare: the document is walked only then, to say where
        raise ValueError(f"{found[0]:.40} at {_json_path(data, _NOT_JSON) or 'the top'}: JSON has no such value, "
                         "and Grafana's reader refuses it")
    return data


def _json_path(data: Any, target: object) -> str | None:
    """The path (`panels[2].targets[0].expr`) of the first place in data that holds target itself, or None. Not
    recursive: a document nested thousands deep is walked too."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        where, value = pending.pop()
        if value is target:
            return where
        if isinstance(value, dict):
            pending.extend(reversed([(f"{where}.{key}" if where else str(key), item) for key, item in value.items()]))
        elif isinstance(value, list):
            pending.extend(reversed([(f"{where}[{index}]", item) for index, item in enumerate(value)]))
    return None


def read_json(path: Path) -> Any:
    """load_json of the file at path (UTF-8): OSError, ValueError (UnicodeDecodeError and json's errors are
    ValueErrors) or RecursionError for one that cannot be read so."""
    return load_json(path.read_text(encoding="utf-8"))


_SHA256 = re.compile(r"[0-9a-f]{64}")


def path_problem(path: str) -> str | None:
    """Why path is not one generate could have written under out/, or None. Generate writes relative POSIX
    paths that stay inside out/: no empty, '.' or '..' part, no NUL, and never the manifest itself."""
    if "\0" in path or path.startswith("/") or any(part in ("", ".", "..") for part in path.split("/")):
        return f"file {path!r} is not a path inside out/"
    return f"file {path!r} is the manifest itself" if path == MANIFEST else None


# Every key `Manifest.data` writes, with its type (format is checked before these): the readers trust each.
_KEYS: tuple[tuple[str, type, str], ...] = (
    ("generated_by", str, "a string"), ("version", str, "a string"), ("stack", str, "a string"),
    ("files", dict, "an object"), ("checks", dict, "an object"))


def _problem(data: dict[str, Any]) -> str | None:
    """What makes data (a manifest's JSON, format checked) not one this tool wrote, or None."""
    for key, kind, named in _KEYS:
        if key not in data:
            return f"{key} is missing"
        if not isinstance(data[key], kind):  # a checks of null or a list is no manifest of ours either
            return f"{key} is not {named}"
    files = data["files"]
    for path, entry in files.items():
        problem = path_problem(path)
        if problem:
            return problem
        if not isinstance(entry, dict) or not isinstance(entry.get("origin"), str):
            return f"file {path!r} has no origin"
        if not isinstance(entry.get("sha256"), str) or not _SHA256.fullmatch(entry["sha256"]):
            return f"file {path!r} has no sha256"
    from monitoring.checks.context import problem as checks_problem

    return checks_problem(data["checks"])


def blocking_file(out_dir: Path) -> Path | None:
    """out_dir or the first of its parents that exists but is not a directory (out/ cannot be there)."""
    for path in (out_dir, *out_dir.parents):
        if path.exists() or path.is_symlink():
            return None if path.is_dir() else path
    return None


def kind_of(path: Path) -> str:
    """What path is, for a message saying why out/ cannot be there ('a file', 'a symbolic link to nothing', 'a
    FIFO', ...): a dangling link is no file, and calling it one sends the reader looking for the wrong thing."""
    try:
        found = os.lstat(path)
    except OSError:
        return "missing"
    if stat.S_ISLNK(found.st_mode):
        try:
            os.stat(path)
        except OSError:  # it leads nowhere, or round in a loop
            return "a symbolic link to nothing"
        return "a symbolic link to a file"
    return _kind(found.st_mode)


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISREG, "a file"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a directory"))
    return next((kind for test, kind in kinds if test(mode)), "a special file")


def input_file_problem(path: Path, root: Path | None) -> str | None:
    """Why the tool must not read the file at path, one of the project's own (a hand-written test or dashboard,
    a rule file a test names), or None: it must be a regular file, as every file of out/ is (see `walk`), never
    a FIFO (a reader waits on it for ever), a device (/dev/zero fills memory), a socket or a directory. A
    symbolic link is followed to a regular file, one inside root when root is given: out/ holds no link, since
    one can lead outside it; a project's links inside it are its own layout. Looked at with stat alone: nothing
    is opened."""
    try:
        found = os.lstat(path)
    except OSError as exc:  # gone since it was listed, or not for this user
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    if stat.S_ISREG(found.st_mode):
        return None
    if not stat.S_ISLNK(found.st_mode):
        return f"{_kind(found.st_mode)}, not a regular file"
    try:
        target = os.stat(path)
    except OSError:  # it leads nowhere, or round in a loop
        return "a symbolic link to nothing"
    if not stat.S_ISREG(target.st_mode):
        return f"a symbolic link to {_kind(target.st_mode)}, not to a regular file"
    if root is not None:
        inside = os.path.realpath(root)
        if os.path.commonpath([inside, os.path.realpath(path)]) != inside:
            return f"a symbolic link to a file outside {root}"
    return None


def input_files(directory: Path, pattern: str, root: Path) -> list[Path]:
    """The files of the project directory `directory` whose names match pattern (a glob: `*.yml`), sorted, as the
    tool reads them: ProjectError, one line naming the first that is not a regular file or a symbolic link to one
    inside root, the project's directory (see `input_file_problem`), before any of them is read. [] when
    directory is not a directory."""
    from monitoring.errors import ProjectError

    if not directory.is_dir():
        return []
    found = sorted(directory.glob(pattern))  # glob only lists: it opens none of them
    for path in found:
        problem = input_file_problem(path, root)
        if problem is not None:
            shown = path.relative_to(root) if path.is_relative_to(root) else path
            raise ProjectError(f"{shown}: {problem}: the project's files are read only as regular files (or "
                               "symbolic links to one inside the project)")
    return found


def read_current(out_dir: Path) -> Manifest | None:
    """The manifest of out_dir if it has a usable one, else None (a first generation, or an older layout)."""
    try:
        return Manifest.read(out_dir)
    except OutputError:
        return None
