"""What a generation read, so that `generate` with nothing changed stops before importing the stack.

While `generate` imports the stack and renders, a `Recording` notes what the output could depend on:

- every file opened in a way that can read what it held (an audit hook on "open" and "sqlite3.connect":
  modules, data files, dashboards/*.dashboard.py, a database; "r+" and "a+" too, not "w" or "a"), found or not
  (a stack that falls back when a file is missing depends on its absence), every path whose existence or kind was
  asked (os.stat, os.lstat, os.access: Path.exists, os.path.isfile...), and every directory listed
  ("os.listdir", "os.scandir": the import system lists a directory to find a module, so a new module file
  changes the listing); a name relative to a directory's descriptor (dir_fd, as os.fwalk's users open files)
  as the path it names there;
- every module imported, at the end (the tool's own included);
- every environment variable read, through os.environ, os.environb or any reference to them (their class
  notes the reads meanwhile; a stack that walks the whole environment depends on all of it);
- the resolved settings: the stack, out/, [tool.monitoring], sys.path, the Python version and its options (-O,
  -W, -X),
  and the working directory when a path was given relative to it or the generation asked for it (os.getcwd:
  Path.cwd(), os.path.abspath of a relative path), or sys.path holds a relative entry.

Each file and listing is taken when first seen (before it is read) and again at the end: one that changed while
the generation ran (an editor saved meanwhile) may not be what it read, so that generation is not recorded; nor is
one that read a file modified within a tick of the file system's clock before it started (two seconds where file
times are whole seconds, as on ext2/3 with small inodes or FAT), whose next change could keep its times.

Files under the project directory are compared by content (sha256), others (site-packages, the standard library) by
size, modification and change time and inode (a copy that keeps the size and the modification time still changes the
other two). Environment values, as they were when the generation started, are kept only as one sha256 over all of
them. The record goes to `.monitoring_cache/` in the project directory (which ignores itself in git), never into
out/, together with the sha256 of the out/manifest.json it produced.

A later `generate` is answered from the record when every input is as recorded, out/manifest.json is the one
recorded, and every file of out/ has its manifest hash: then out/ is exactly what a generation would write.
`generate --check` and `generate --force` never take this shortcut. A generation that runs another program or
opens a network connection depends on what cannot be recorded: it is not recorded. Not seen: a stack that
depends on anything else (the clock, a file read through a descriptor it did not open by name): use `--force`
for such a stack.

The record is only ever a reason to skip work, never trusted for more: one that is not exactly of the shape
written here (a damaged or edited file, another format, larger than `_MAX_RECORD`), or reached through a
symbolic link, counts as no record; it is read and written only inside the project directory, and it names
no file outside the project whose content would be read.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitoring.errors import OutputError
from monitoring.output.manifest import MANIFEST, Signature, read_current, signature, walk

FORMAT = 2
CACHE_DIR = ".monitoring_cache"
# A file modified this close to (or after) the start of a generation may have changed while it ran: such a
# generation is not recorded. File times are coarse (a clock tick of a few milliseconds)...
_RACY_NS = 50_000_000
# ...or, on some file systems (ext2/3 with small inodes, FAT, some network ones), whole seconds (two on FAT): a
# change within the same second as the last keeps every time of the file.
_RACY_COARSE_NS = 2_000_000_000
# An open that can read what the file held: not write-only, and neither emptying it nor making a new one.
_FRESH_FLAGS = os.O_TRUNC | os.O_EXCL
_ALL = "*"  # in place of the names read: the stack iterated over the whole environment
# A record larger than this is not read (it would hold some 500,000 files of out/): a damaged or planted file
# must not cost the memory of reading it.
_MAX_RECORD = 64 * 1024 * 1024
# Events after which a generation depends on what cannot be recorded: another program's output, the network.
_UNSEEN = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
                     "os.startfile/2", "socket.connect", "socket.getaddrinfo", "urllib.Request"})
# The events that name what is read (sqlite opens its file in C).
_READ = frozenset({"open", "os.listdir", "os.scandir", "sqlite3.connect"})
# Every event the hook acts on: one set lookup turns the others away. A large stack's load raises hundreds of
# thousands (sys._getframe and frame.f_code, as each definition finds the line that made it).
_ACTED_ON = _UNSEEN | _READ
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _racy(mtime_ns: int, ctime_ns: int, since_ns: int) -> bool:
    """Whether a file with these times may have changed at or after since_ns without changing them: modified
    within one tick of its file system's clock before then, or after. A change time in whole seconds (which the
    kernel sets, unlike the modification time) says the file system keeps no finer time."""
    window = _RACY_COARSE_NS if ctime_ns % 1_000_000_000 == 0 else _RACY_NS
    return max(mtime_ns, ctime_ns) >= since_ns - window


def _settings_key(settings: Mapping[str, str]) -> dict[str, Any]:
    import locale

    # The encodings too: open() without one decodes by the locale, which Python reads at start-up from LC_ALL,
    # LC_CTYPE, LANG and PYTHONUTF8 in C, never through os.environ.
    # And the interpreter's options, which Python too reads at start-up (PYTHONOPTIMIZE, PYTHONWARNINGS): -O and -OO
    # change __debug__, assert statements and docstrings, -W error makes a warning of the stack's an error.
    return {"settings": dict(sorted(settings.items())), "python": sys.version, "executable": sys.executable,
            "path": list(sys.path), "encoding": [locale.getpreferredencoding(False), sys.getfilesystemencoding()],
            "optimize": sys.flags.optimize, "warnings": list(sys.warnoptions),
            "x": {str(k): str(v) for k, v in sorted(sys._xoptions.items())}}


def _env_digest(names: list[str] | str, environ: Mapping[str, str] | None = None) -> str:
    """One sha256 over the named variables (all of them: _ALL) of environ (default: this process's)."""
    environ = os.environ if environ is None else environ
    pairs = sorted(environ.items()) if names == _ALL else [(n, environ.get(n)) for n in names]
    return hashlib.sha256(json.dumps(pairs).encode("utf-8")).hexdigest()


def _open_regular(path: str | Path, flags: int = 0, max_size: int | None = None) -> int | None:
    """A descriptor of path when it is a regular file (of at most max_size bytes), else None: a FIFO or a device
    (/dev/zero) named by a damaged record must neither block nor be read forever. `flags` adds to os.open's."""
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | flags)
    except (OSError, ValueError):
        return None
    try:
        found = os.fstat(fd)
        if stat.S_ISREG(found.st_mode) and (max_size is None or found.st_size <= max_size):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _file_sha256(path: str) -> str | None:
    fd = _open_regular(path)
    if fd is None:
        return None
    try:
        with open(fd, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None


def _state(path: str, inside: bool) -> str | list[int] | None:
    """What a generation could have depended on at path: None when nothing is there, "dir" or "other" for what
    is not a regular file, else its content's sha256 (inside the project) or its stat signature (outside)."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(found.st_mode):
        return "dir"
    if not stat.S_ISREG(found.st_mode):
        return "other"
    if not inside:
        return list(signature(found))
    digest = _file_sha256(path)
    return None if digest is None else f"sha256:{digest}"


def _listing(path: str, out_dir: str, cache_dir: str) -> str | None:
    """The names in directory path, as one sha256; without out/ (and the staging trees of its swap,
    `out.<random>.new`), the cache and __pycache__, which generate itself (and its imports) makes."""
    try:
        names = [n for n in os.listdir(path) if n != "__pycache__"]
    except (OSError, ValueError):
        return None
    out_parent, out = os.path.split(out_dir)
    if path == out_parent:
        names = [n for n in names if n != out and not n.startswith(out + ".")]
    if path == os.path.dirname(cache_dir):
        names = [n for n in names if n != CACHE_DIR]
    # As bytes: a name that is not UTF-8 (a stray latin-1 file) is a str with surrogates here.
    return hashlib.sha256(b"\n".join(sorted(os.fsencode(n) for n in names))).hexdigest()


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def _as_path(path: Any) -> str | None:
    """A path argument as a str, None for a file descriptor (or anything else that names no path)."""
    if isinstance(path, bytes):
        return os.fsdecode(path)
    if isinstance(path, os.PathLike):
        return _as_path(os.fspath(path))
    return path if isinstance(path, str) else None


_lock = threading.Lock()
_active: Recording | None = None
_hooked = False
_own = threading.local()  # `busy` while the recording itself reads (its reads are not the stack's)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event not in _ACTED_ON:
        return
    recording = _active
    if recording is None or getattr(_own, "busy", False):
        return
    if event in _UNSEEN:
        recording.unseen = True
        return
    path = _as_path(args[0]) if args else None
    if path is None and args and event != "open":  # scandir() of the working directory, or of a descriptor
        path = "." if args[0] is None else _descriptor_path(args[0])
        if path is None:
            recording.unseen = True  # a listing that cannot be named cannot be compared
            return
    if path is None:  # open() of a descriptor: its file was opened by name before, or is no file
        return
    if event == "sqlite3.connect":
        if path != ":memory:":
            recording.see_file(path)
    elif event == "open":
        if _reads(args[1], args[2]):
            recording.see_file(path)
    else:
        recording.see_listing(path)


def _reads(mode: object, flags: object) -> bool:
    """Whether an open (open()'s mode, or os.open's flags) can read what the file held: "r", "r+" and "a+" can,
    "w", "w+", "x" and "a" cannot (they empty it, make it, or only add to it)."""
    if isinstance(mode, str):
        return "r" in mode or ("a" in mode and "+" in mode)
    flags = flags if isinstance(flags, int) else 0
    return flags & os.O_ACCMODE != os.O_WRONLY and not flags & _FRESH_FLAGS


def _descriptor_path(fd: object) -> str | None:
    """The directory an open descriptor stands for (os.fwalk and glob's dir_fd list through one), on Linux."""
    if not isinstance(fd, int):
        return None
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def _named(recording: Recording, path: Any, dir_fd: object) -> str | None:
    """The path a call names, relative to the directory of dir_fd when it has one (an audit event does not say
    so: os.open's names only the path); None for a descriptor, or a name whose directory cannot be told (the
    generation is then not recorded)."""
    name = _as_path(path)
    if name is None or dir_fd is None or os.path.isabs(name):
        return name
    directory = _descriptor_path(dir_fd)
    if directory is None:
        recording.unseen = True
        return None
    return os.path.join(directory, name)


def _probing(real: Callable[..., Any]) -> Callable[..., Any]:
    """os.stat, os.lstat or os.access, noting the path asked about (what Path.exists and os.path.isfile use)."""

    def probe(path: Any, *args: Any, **kwargs: Any) -> Any:
        recording = _active
        if recording is not None and not getattr(_own, "busy", False):
            name = _named(recording, path, kwargs.get("dir_fd"))
            if name is not None:
                recording.see_file(name)
        return real(path, *args, **kwargs)

    probe.__wrapped__ = real  # type: ignore[attr-defined]
    return probe


def _opening(real: Callable[..., int]) -> Callable[..., int]:
    """os.open, noting a path given relative to a directory's descriptor (dir_fd) as the file it names; its audit
    event, which names the path alone, is then not taken as one relative to the working directory."""

    def open_(path: Any, flags: int, mode: int = 0o777, *, dir_fd: int | None = None) -> int:
        recording = _active
        if recording is None or dir_fd is None or getattr(_own, "busy", False):
            return real(path, flags, mode, dir_fd=dir_fd)
        name = _named(recording, path, dir_fd)
        if name is not None and _reads(None, flags):
            recording.see_file(name)
        _own.busy = True  # its audit event: noted above
        try:
            return real(path, flags, mode, dir_fd=dir_fd)
        finally:
            _own.busy = False

    open_.__wrapped__ = real  # type: ignore[attr-defined]
    return open_


def _asking_cwd(real: Callable[[], Any]) -> Callable[[], Any]:
    """os.getcwd or os.getcwdb, noting that the generation asked for the working directory (Path.cwd(),
    os.path.abspath of a relative path): the record then holds the directory it ran in."""

    def getcwd() -> Any:
        recording = _active
        if recording is not None and not getattr(_own, "busy", False):
            recording.cwd_used[0] = True
        return real()

    getcwd.__wrapped__ = real  # type: ignore[attr-defined]
    return getcwd


def _noting_environ() -> dict[str, Any]:
    """Methods of os._Environ (the class of os.environ and os.environb) that note what is read, so that every
    reference to either is seen, one taken before the recording started included. Returns the class's own
    methods, None for one it inherits (`_restore_environ` puts them back)."""
    cls = os._Environ  # type: ignore[attr-defined]
    names = ("__getitem__", "__contains__", "__iter__", "__len__", "copy", "__repr__")
    own = {name: cls.__dict__.get(name) for name in names}
    real = {name: getattr(cls, name) for name in names}

    def note(key: object) -> None:
        recording = _active
        if recording is not None and isinstance(key, (str, bytes)):
            recording.env_names.add(key if isinstance(key, str) else os.fsdecode(key))

    def walked() -> None:
        recording = _active
        if recording is not None:
            recording.env_walked[0] = True

    def getitem(self: Any, key: Any) -> Any:
        note(key)
        return real["__getitem__"](self, key)

    def contains(self: Any, key: object) -> bool:
        note(key)
        return bool(real["__contains__"](self, key))

    def whole(name: str) -> Callable[..., Any]:
        def method(self: Any) -> Any:
            walked()
            return real[name](self)
        return method

    cls.__getitem__, cls.__contains__ = getitem, contains
    for name in ("__iter__", "__len__", "copy", "__repr__"):
        setattr(cls, name, whole(name))
    return own


def _restore_environ(own: Mapping[str, Any]) -> None:
    cls = os._Environ  # type: ignore[attr-defined]
    for name, method in own.items():
        if method is None:
            delattr(cls, name)
        else:
            setattr(cls, name, method)


@dataclass
class Recording:
    """What one generation read; see the module docstring. Start it with `record()`."""

    project_dir: str
    out_dir: str
    key: dict[str, Any]  # the settings, taken when recording starts (before the stack's import changes sys.path)
    started_ns: int = field(default_factory=time.time_ns)
    opened: list[str] = field(default_factory=list)  # opened or probed (os.stat...), found or not
    listed: list[str] = field(default_factory=list)
    # What each counted path held when first seen (before it was read), by its absolute path; a file's or a
    # listing's "f" or "d" key. Compared at the end: what changed while the generation ran may not be what it read.
    first: dict[str, Any] = field(default_factory=dict)
    env_names: set[str] = field(default_factory=set)
    env_walked: list[bool] = field(default_factory=lambda: [False])
    cwd_used: list[bool] = field(default_factory=lambda: [False])  # the working directory was asked for
    complete: bool = True  # False: something was read before recording started (see `record`)
    unseen: bool = False  # True: the generation ran a program or used the network (see _UNSEEN)
    cwd: str = field(default_factory=os.getcwd)
    # The environment as the generation started: a variable the stack sets itself (os.environ.setdefault) is
    # then compared as it will be found at the start of the next run, not as the stack left it.
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def see_file(self, path: str) -> None:
        self.opened.append(path)
        self._first("f", path)

    def see_listing(self, path: str) -> None:
        self.listed.append(path)
        self._first("d", path)

    def _first(self, kind: str, path: str) -> None:
        absolute = os.path.abspath(os.path.join(self.cwd, path))
        key = kind + absolute
        if key in self.first or not self._counts(absolute):
            return
        _own.busy = True
        try:
            self.first[key] = (self._state(absolute) if kind == "f" else self._listing(absolute))
        except Exception:  # in the stack's own open or listdir: never its failure, only the record's
            self.unseen = True
        finally:
            _own.busy = False

    def _state(self, path: str) -> str | list[int] | None:
        return _state(path, _inside(path, self.project_dir))

    def _listing(self, path: str) -> str | None:
        return _listing(path, self.out_dir, os.path.join(self.project_dir, CACHE_DIR))

    def inputs(self) -> dict[str, Any] | None:
        """The record of the inputs, or None when it cannot be trusted (a file changed while generating)."""
        if self.unseen:
            return None
        named = {p: os.path.abspath(os.path.join(self.cwd, p)) for p in {*self.opened, *self.listed}}
        paths = {named[p] for p in self.opened}
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if isinstance(file, str):
                paths.add(os.path.abspath(os.path.join(self.cwd, file)))
        states: dict[str, str | list[int] | None] = {}
        for path in sorted(p for p in paths if self._counts(p) and f"{os.sep}__pycache__{os.sep}" not in p):
            try:
                found = os.stat(path)
            except (OSError, ValueError):
                found = None
            # A file changed since (or just before) the generation started may not be what it read. The change
            # time too: a copy can keep the modification time. A directory's times change with its entries,
            # which the listings cover.
            if (found is not None and stat.S_ISREG(found.st_mode)
                    and _racy(found.st_mtime_ns, found.st_ctime_ns, self.started_ns)):
                return None
            states[path] = self._state(path)
            if self.first.get("f" + path, states[path]) != states[path]:
                return None
        dirs = {path: self._listing(path) for path in sorted({named[p] for p in self.listed}) if self._counts(path)}
        if any(self.first.get("d" + path, listing) != listing for path, listing in dirs.items()):
            return None
        # The working directory matters when a path was relative to it, the generation asked for it, or the
        # import system looks for modules in it (an empty or relative entry of sys.path).
        relative = (self.cwd_used[0] or any(not os.path.isabs(p) and self._counts(named[p]) for p in named)
                    or any(not os.path.isabs(p) for p in [*self.key["path"], *sys.path] if isinstance(p, str)))
        names: list[str] | str = _ALL if self.env_walked[0] else sorted(self.env_names)
        return {"key": self.key, "cwd": self.cwd if relative else None, "paths": states, "dirs": dirs,
                "env": names, "env_sha256": _env_digest(names, self.environ)}

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


# The functions of os replaced while a recording runs, by what replaces each.
_WRAPPERS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "stat": _probing, "lstat": _probing, "access": _probing, "open": _opening,
    "getcwd": _asking_cwd, "getcwdb": _asking_cwd}
_SUPPORTS = (os.supports_dir_fd, os.supports_fd, os.supports_follow_symlinks, os.supports_effective_ids)


@contextmanager
def record(project_dir: Path, out_dir: Path, settings: Mapping[str, str], fresh: bool,
           also_listed: tuple[Path, ...] = ()) -> Iterator[Recording]:
    """Record what the block reads. `fresh`: nothing of the stack was imported before (in a process that imported
    it already, its import-time reads went unseen, so the recording is marked incomplete and never stored).
    `also_listed`: directories whose listing matters even if the block finds them missing (dashboards/)."""
    global _active
    # Imported here, not while recording: at import it keeps the working directory (ORIGINAL_DIR), which the
    # rendering workers never use, and asking for it would tie the record to the directory generate ran in.
    import multiprocessing.process  # noqa: F401

    recording = Recording(str(project_dir.resolve()), str(out_dir.resolve()), _settings_key(settings),
                          complete=fresh)
    for path in also_listed:
        recording.see_listing(str(path))
    with _lock:
        if _active is not None:  # another generation records in this process: neither can tell its reads apart
            recording.complete = False
            yield recording
            return
        _hook_once()
        probes = {name: (getattr(os, name), wrap(getattr(os, name))) for name, wrap in _WRAPPERS.items()}
        for name, (real, probe) in probes.items():
            setattr(os, name, probe)
            for supports in _SUPPORTS:  # shutil asks whether os.stat and os.open take dir_fd by identity
                if real in supports:
                    supports.add(probe)
        environ = _noting_environ()
        _active = recording
    try:
        yield recording
    finally:
        with _lock:
            _active = None
            for name, (real, probe) in probes.items():
                setattr(os, name, real)
                for supports in _SUPPORTS:
                    supports.discard(probe)
            _restore_environ(environ)


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
    return {"opened": recording.opened[opened:] + [f for f in files if isinstance(f, str)], "first": recording.first,
            "listed": recording.listed[listed:], "env": sorted(recording.env_names - names),
            "walked": recording.env_walked[0], "cwd": recording.cwd_used[0], "unseen": recording.unseen}


def merge(reads: dict[str, Any] | None) -> None:
    """Add what another process read (`reads_since` there) to the active recording."""
    recording = _active
    if reads is None or recording is None:
        return
    recording.opened.extend(reads["opened"])
    for key, seen in reads["first"].items():
        recording.first.setdefault(key, seen)
    recording.listed.extend(reads["listed"])
    recording.env_names.update(reads["env"])
    recording.env_walked[0] = recording.env_walked[0] or reads["walked"]
    recording.cwd_used[0] = recording.cwd_used[0] or reads["cwd"]
    recording.unseen = recording.unseen or reads["unseen"]


def _cache_file(project_dir: Path, out_dir: Path) -> Path:
    key = hashlib.sha256(os.fsencode(out_dir.resolve())).hexdigest()[:16]  # a name need not be UTF-8
    return project_dir / CACHE_DIR / f"generate-{key}.json"


def _cache_dir(project_dir: Path) -> bool:
    """Whether the project's cache directory is a directory of its own, not a symbolic link to another place
    (whose files the record would read, replace or delete)."""
    try:
        return stat.S_ISDIR(os.lstat(project_dir / CACHE_DIR).st_mode)
    except OSError:
        return False


def _create(path: Path, text: str) -> None:
    """Write a new file at path, never through a symbolic link planted there (O_EXCL refuses any name taken)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    with open(fd, "w", encoding="utf-8") as file:
        file.write(text)


def store(recording: Recording, project_dir: Path, out_dir: Path, files: int, warnings: list[str],
          signatures: Mapping[str, Signature]) -> None:
    """Keep what generated out_dir (after it was written), for `unchanged`: the inputs, and each file of out/
    with the signature it had when generate wrote it or found it as generated (`signatures`, manifest.json
    included). Best effort: a cache that cannot be written only costs the next run its shortcut."""
    target = _cache_file(project_dir, out_dir)
    try:
        if not _cache_dir(project_dir):
            if os.path.lexists(target.parent):  # a file, or a link to elsewhere: not ours to use
                return
            target.parent.mkdir()  # first, so that the project directory's listing includes it
        if not recording.complete or MANIFEST not in signatures:
            target.unlink(missing_ok=True)
            return
        ignore = target.parent / ".gitignore"
        if not os.path.lexists(ignore):
            _create(ignore, "# written by `monitoring generate`: a cache, never committed\n*\n")
        inputs = recording.inputs()
        manifest = _file_sha256(str(out_dir / MANIFEST))
        if inputs is None or manifest is None:
            target.unlink(missing_ok=True)
            return
        data = {"format": FORMAT, "out_dir": str(out_dir.resolve()), "manifest_sha256": manifest,
                "files_count": files, "warnings": warnings, "stamped_ns": time.time_ns(),
                "out": {path: list(sig) for path, sig in sorted(signatures.items())}, **inputs}
        for left in target.parent.glob(f".{target.name}.*"):  # of runs killed before they renamed theirs
            left.unlink(missing_ok=True)  # a link planted there goes, never its target
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        _create(partial, json.dumps(data, sort_keys=True))
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
    if not os.path.lexists(out_dir / MANIFEST):
        # No out/ as a generation leaves it (every record lists the manifest): the record, which can be several
        # megabytes, is not even read.
        return None
    data = _read_record(project_dir, out_dir)
    if data is None or data["key"] != _settings_key(settings) or data["env_sha256"] != _env_digest(data["env"]):
        return None
    if data["cwd"] is not None and data["cwd"] != os.getcwd():
        return None
    root, out = str(project_dir.resolve()), str(out_dir.resolve())
    cache = os.path.join(root, CACHE_DIR)
    if any(_listing(path, out, cache) != recorded for path, recorded in data["dirs"].items()):
        return None
    if any(_state(path, _inside(path, root)) != recorded for path, recorded in data["paths"].items()):
        return None
    if not _out_as_left(out_dir, data["out"], data["stamped_ns"], data["manifest_sha256"]):
        return None
    return Unchanged(data["files_count"], tuple(data["warnings"]))


def _read_record(project_dir: Path, out_dir: Path) -> dict[str, Any] | None:
    """The record kept for out_dir, when there is one exactly as `store` writes them; else None."""
    if not _cache_dir(project_dir):
        return None
    # Not through a symbolic link, and not larger than a record can be.
    fd = _open_regular(_cache_file(project_dir, out_dir), _NOFOLLOW, _MAX_RECORD)
    if fd is None:
        return None
    try:
        with open(fd, "rb") as file:
            text = file.read(_MAX_RECORD + 1)  # the file could have grown since it was measured
        data = json.loads(text) if len(text) <= _MAX_RECORD else None
    except (OSError, ValueError, RecursionError):
        return None
    root = str(project_dir.resolve())
    return data if _well_formed(data, root, str(out_dir.resolve())) else None


def _ints(value: object, count: int) -> bool:
    return isinstance(value, list) and len(value) == count and all(type(v) is int for v in value)


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _path_state(path: str, value: object, root: str) -> bool:
    """A recorded state as `_state` gives it; a content hash only for a file of the project (a record never
    makes generate read a file outside the project)."""
    if value is None or value in ("dir", "other"):
        return True
    if isinstance(value, str):
        return value.startswith("sha256:") and _inside(path, root)
    return _ints(value, 4)


def _well_formed(data: object, root: str, out: str) -> bool:
    """Whether data is a record of this format for this out/, every field of the type `store` writes."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("out_dir") != out:
        return False
    fields = {"key": dict, "cwd": (str, type(None)), "paths": dict, "dirs": dict, "env": (list, str),
              "env_sha256": str, "manifest_sha256": str, "files_count": int, "warnings": list, "stamped_ns": int,
              "out": dict}
    if any(not isinstance(data.get(name), kind) or isinstance(data.get(name), bool) for name, kind in fields.items()):
        return False
    env = data["env"]
    return ((env == _ALL or _strings(env)) and _strings(data["warnings"])
            and all(isinstance(p, str) and _path_state(p, v, root) for p, v in data["paths"].items())
            and all(isinstance(p, str) and (v is None or isinstance(v, str)) for p, v in data["dirs"].items())
            and all(_ints(v, 4) for v in data["out"].values()))


def _out_as_left(out_dir: Path, recorded: Mapping[str, list[int]], stamped_ns: int, manifest_sha256: str) -> bool:
    """Whether out_dir holds exactly the files generate left, each with the signature it had then (a changed
    file has another ctime at least). A file written too close to when the signatures were kept could have
    changed within the same clock tick: those are hashed, as git does with its racily clean entries."""
    root = str(out_dir)
    try:
        regular, odd = walk(out_dir)  # as `generate` and `validate` see out/: a link or a FIFO is a difference
    except OutputError:
        return False
    if odd or regular != recorded.keys():
        return False
    found: dict[str, Signature] = {}
    for path in regular:
        try:
            found[path] = signature(os.lstat(os.path.join(root, path)))
        except OSError:
            return False
    if found.keys() != recorded.keys() or any(list(found[p]) != recorded[p] for p in found):
        return False
    racy = [p for p, sig in recorded.items() if _racy(sig[1], sig[2], stamped_ns)]
    if not racy:
        return True
    if MANIFEST in racy and _file_sha256(os.path.join(root, MANIFEST)) != manifest_sha256:
        return False
    manifest = read_current(out_dir)
    if manifest is None:
        return False
    return all(_file_sha256(os.path.join(root, p)) == manifest.files[p].sha256 for p in racy if p != MANIFEST)
