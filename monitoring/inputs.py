"""What a generation read, so that `generate` with nothing changed stops before importing the stack.

While `generate` imports the stack and renders, a `Recording` notes what the output could depend on:

- every file opened for reading (an audit hook on "open": modules, data files, dashboards/*.dashboard.py) and
  every directory listed ("os.listdir", "os.scandir": the import system lists a directory to find a module, so
  a new module file changes the listing);
- every module imported, at the end (the tool's own included);
- every environment variable read (os.environ is wrapped in a recording mapping meanwhile; a stack that walks
  the whole environment depends on all of it);
- the resolved settings: the stack, out/, [tool.monitoring], sys.path, the Python version.

Files under the project directory are compared by content (sha256), others (site-packages, the standard library)
by size and modification time, as Python's own bytecode cache does. Environment values are kept only as one
sha256 over all of them. The record goes to `.monitoring_cache/` in the project directory (which ignores itself
in git), never into out/, together with the sha256 of the out/manifest.json it produced.

A later `generate` is answered from the record when every input is as recorded, out/manifest.json is the one
recorded, and every file of out/ has its manifest hash: then out/ is exactly what a generation would write.
`generate --check` and `generate --force` never take this shortcut. Not seen: a stack that branches on whether
a file exists without opening or listing it, or on anything but files and the environment (the clock, the
network): use `--force` for such a stack.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitoring.output.manifest import MANIFEST, Signature, read_current, signature

FORMAT = 1
CACHE_DIR = ".monitoring_cache"
# A file modified this close to (or after) the start of a generation may have changed while it ran: such a
# generation is not recorded. File times are coarse (a clock tick of a few milliseconds).
_RACY_NS = 50_000_000
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_ALL = "*"  # in place of the names read: the stack iterated over the whole environment


def _settings_key(settings: Mapping[str, str]) -> dict[str, Any]:
    return {"settings": dict(sorted(settings.items())), "python": sys.version, "executable": sys.executable,
            "path": list(sys.path)}


def _env_digest(names: list[str] | str) -> str:
    environ = os.environ
    pairs = sorted(environ.items()) if names == _ALL else [(n, environ.get(n)) for n in names]
    return hashlib.sha256(json.dumps(pairs).encode("utf-8")).hexdigest()


def _file_sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


def _stat(path: str) -> list[int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_size, found.st_mtime_ns]


def _listing(path: str) -> str | None:
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return None
    return hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)


class _RecordingEnviron(os._Environ):  # type: ignore[misc,name-defined]  # os.environ's own class
    """os.environ, noting each name read (with None when absent) and whether the whole of it was walked."""

    def __init__(self, real: Any, names: set[str], walked: list[bool]) -> None:
        super().__init__(real._data, real.encodekey, real.decodekey, real.encodevalue, real.decodevalue)
        self._names, self._walked = names, walked

    def __getitem__(self, key: str) -> str:
        self._names.add(key)
        return super().__getitem__(key)  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self._names.add(key)
        return super().__contains__(key)  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        self._walked[0] = True
        return super().__iter__()  # type: ignore[no-any-return]

    def __len__(self) -> int:
        self._walked[0] = True
        return super().__len__()  # type: ignore[no-any-return]

    def copy(self) -> dict[str, str]:
        self._walked[0] = True
        return dict(super().items())


_lock = threading.Lock()
_active: Recording | None = None
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    recording = _active
    if recording is None or event not in ("open", "os.listdir", "os.scandir"):
        return
    path = args[0] if args else None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    elif isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str):  # a file descriptor, or scandir() of the working directory
        path = "." if path is None and event != "open" else None
        if path is None:
            return
    if event == "open":
        mode, flags = args[1], args[2]
        writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & _WRITE_FLAGS)
        if not writes:
            recording.opened.append(path)
    else:
        recording.listed.append(path)


@dataclass
class Recording:
    """What one generation read; see the module docstring. Start it with `record()`."""

    project_dir: str
    out_dir: str
    key: dict[str, Any]  # the settings, taken when recording starts (before the stack's import changes sys.path)
    started_ns: int = field(default_factory=time.time_ns)
    opened: list[str] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)
    env_names: set[str] = field(default_factory=set)
    env_walked: list[bool] = field(default_factory=lambda: [False])
    complete: bool = True  # False: something was read before recording started (see `record`)

    def inputs(self) -> dict[str, Any] | None:
        """The record of the inputs, or None when it cannot be trusted (a file changed while generating)."""
        root = self.project_dir
        paths = {os.path.abspath(p) for p in self.opened}
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if isinstance(file, str):
                paths.add(os.path.abspath(file))
        files: dict[str, str] = {}
        stats: dict[str, list[int]] = {}
        for path in sorted(p for p in paths if self._counts(p) and f"{os.sep}__pycache__{os.sep}" not in p):
            found = _stat(path)
            if found is None or not os.path.isfile(path):
                continue  # a directory opened, or a file that is gone: nothing to compare
            if found[1] >= self.started_ns - _RACY_NS:
                return None
            if _inside(path, root):
                digest = _file_sha256(path)
                if digest is None:
                    return None
                files[path] = digest
            else:
                stats[path] = found
        listed = sorted({os.path.abspath(p) for p in self.listed})
        dirs = {path: _listing(path) for path in listed if self._counts(path)}
        names: list[str] | str = _ALL if self.env_walked[0] else sorted(self.env_names)
        return {"key": self.key, "files": files, "stats": stats, "dirs": dirs,
                "env": names, "env_sha256": _env_digest(names)}


    def _counts(self, path: str) -> bool:
        """Not out/ itself, nor the staging and old trees of its swap (`out.<random>.new`), nor the cache."""
        out = self.out_dir
        return not (_inside(path, out) or path.startswith(out + ".")
                    or _inside(path, os.path.join(self.project_dir, CACHE_DIR)))


def _hook_once() -> None:
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)  # hooks cannot be removed: this one does nothing unless a recording runs
        _hooked = True


@contextmanager
def record(project_dir: Path, out_dir: Path, settings: Mapping[str, str], fresh: bool,
           also_listed: tuple[Path, ...] = ()) -> Iterator[Recording]:
    """Record what the block reads. `fresh`: nothing of the stack was imported before (in a process that imported
    it already, its import-time reads went unseen, so the recording is marked incomplete and never stored).
    `also_listed`: directories whose listing matters even if the block finds them missing (dashboards/)."""
    global _active
    recording = Recording(str(project_dir.resolve()), str(out_dir.resolve()), _settings_key(settings),
                          complete=fresh)
    recording.listed.extend(str(p) for p in also_listed)
    with _lock:
        if _active is not None:  # another generation records in this process: neither can tell its reads apart
            recording.complete = False
            yield recording
            return
        _hook_once()
        real = os.environ
        # The same variables, seen through a recorder (not a new environment: hence the noqa).
        os.environ = _RecordingEnviron(real, recording.env_names, recording.env_walked)  # type: ignore[assignment]  # noqa: B003
        _active = recording
    try:
        yield recording
    finally:
        with _lock:
            _active = None
            os.environ = real  # type: ignore[assignment]  # noqa: B003


# What a forked process (a rendering worker, see monitoring.output.workers) reads is noted in its own copy of
# the recording: `mark` (in the parent, before forking) and `reads_since` (in the child, at its end) take what the
# child added, and `merge` (in the parent) adds it to the recording there.
Mark = tuple[int, int, frozenset[str], frozenset[str]]


def mark() -> Mark | None:
    """Where the active recording stands (None: no recording)."""
    recording = _active
    if recording is None:
        return None
    return len(recording.opened), len(recording.listed), frozenset(recording.env_names), frozenset(sys.modules)


def reads_since(start: Mark | None) -> dict[str, Any] | None:
    """What this process read since `start`, the modules it imported included (their files, as opened)."""
    recording = _active
    if start is None or recording is None:
        return None
    opened, listed, names, modules = start
    files = [getattr(sys.modules.get(name), "__file__", None) for name in set(sys.modules) - modules]
    return {"opened": recording.opened[opened:] + [f for f in files if isinstance(f, str)],
            "listed": recording.listed[listed:], "env": sorted(recording.env_names - names),
            "walked": recording.env_walked[0]}


def merge(reads: dict[str, Any] | None) -> None:
    """Add what another process read (`reads_since` there) to the active recording."""
    recording = _active
    if reads is None or recording is None:
        return
    recording.opened.extend(reads["opened"])
    recording.listed.extend(reads["listed"])
    recording.env_names.update(reads["env"])
    recording.env_walked[0] = recording.env_walked[0] or reads["walked"]


def _cache_file(project_dir: Path, out_dir: Path) -> Path:
    key = hashlib.sha256(str(out_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    return project_dir / CACHE_DIR / f"generate-{key}.json"


def store(recording: Recording, project_dir: Path, out_dir: Path, files: int, warnings: list[str],
          signatures: Mapping[str, Signature]) -> None:
    """Keep what generated out_dir (after it was written), for `unchanged`: the inputs, and each file of out/
    with the signature it had when generate wrote it or found it as generated (`signatures`, manifest.json
    included). Best effort: a cache that cannot be written only costs the next run its shortcut."""
    target = _cache_file(project_dir, out_dir)
    try:
        if not recording.complete or MANIFEST not in signatures:
            target.unlink(missing_ok=True)
            return
        target.parent.mkdir(exist_ok=True)  # first, so that the project directory's listing includes it
        ignore = target.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# written by `monitoring generate`: a cache, never committed\n*\n")
        inputs = recording.inputs()
        manifest = _file_sha256(str(out_dir / MANIFEST))
        if inputs is None or manifest is None:
            target.unlink(missing_ok=True)
            return
        data = {"format": FORMAT, "out_dir": str(out_dir.resolve()), "manifest_sha256": manifest,
                "files_count": files, "warnings": warnings, "stamped_ns": time.time_ns(),
                "out": {path: list(sig) for path, sig in sorted(signatures.items())}, **inputs}
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        partial.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    except OSError:
        pass


@dataclass(frozen=True)
class Unchanged:
    """out/ is what a generation would write: how many files it holds, and the warnings that generation gave."""

    files: int
    warnings: tuple[str, ...]


def unchanged(project_dir: Path, out_dir: Path, settings: Mapping[str, str]) -> Unchanged | None:
    """Unchanged when the recorded inputs are all as they were and out/ is exactly what they produced."""
    try:
        data = json.loads(_cache_file(project_dir, out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("out_dir") != str(out_dir.resolve()):
        return None
    if data["key"] != _settings_key(settings) or data["env_sha256"] != _env_digest(data["env"]):
        return None
    if any(_stat(path) != recorded for path, recorded in data["stats"].items()):
        return None
    if any(_listing(path) != recorded for path, recorded in data["dirs"].items()):
        return None
    if any(_file_sha256(path) != digest for path, digest in data["files"].items()):
        return None
    if not _out_as_left(out_dir, data["out"], data["stamped_ns"], data["manifest_sha256"]):
        return None
    return Unchanged(data["files_count"], tuple(data["warnings"]))


def _out_as_left(out_dir: Path, recorded: Mapping[str, list[int]], stamped_ns: int, manifest_sha256: str) -> bool:
    """Whether out_dir holds exactly the files generate left, each with the signature it had then (a changed
    file has another ctime at least). A file written too close to when the signatures were kept could have
    changed within the same clock tick: those are hashed, as git does with its racily clean entries."""
    root = str(out_dir)
    found: dict[str, Signature] = {}
    for directory, _, names in os.walk(root):
        relative = os.path.relpath(directory, root)
        for name in names:
            path = name if relative == "." else f"{relative}/{name}".replace(os.sep, "/")
            try:
                found[path] = signature(os.stat(os.path.join(directory, name)))
            except OSError:
                return False
    if found.keys() != recorded.keys() or any(list(found[p]) != recorded[p] for p in found):
        return False
    racy = [p for p, sig in recorded.items() if sig[1] >= stamped_ns - _RACY_NS]
    if not racy:
        return True
    if MANIFEST in racy and _file_sha256(os.path.join(root, MANIFEST)) != manifest_sha256:
        return False
    manifest = read_current(out_dir)
    if manifest is None:
        return False
    return all(_file_sha256(os.path.join(root, p)) == manifest.files[p].sha256 for p in racy if p != MANIFEST)
