"""Replace a directory with a freshly built one, so that a kill at any moment leaves the old tree or the new one.

How: the new tree is built in a sibling staging directory `<name>.<random>.new`, then exchanged with the target
in one atomic step, `renameat2(RENAME_EXCHANGE)` (Linux 3.15+, through ctypes). The staging path then holds the
old tree, which is deleted. A kill before the exchange leaves the old tree in place; a kill after it leaves the
new one; either way only a staging directory is left over, and the next run deletes it.

Fallback (other systems, or file systems without RENAME_EXCHANGE): two renames, target -> `<name>.<random>.old`
then staging -> target. A kill between them leaves no target; the next run finds the lone `.old` and renames it
back before anything else, so the old tree returns.

SIGINT, SIGTERM and SIGHUP are deferred from the first rename to the end of the swap: Ctrl-C during the swap takes
effect once the new tree is in place, and never deletes it.

Runs on one target are serialised with a lock on the parent directory, so one run never deletes another's
staging directory. Readers of the target (validate, test, publish) hold the same lock shared (`reading`): a swap
waits for them to finish, and they wait for a run under way, so none reads the old manifest and the new files.

For tests, `MONITORING_KILL_AT=<step>` kills the process with SIGKILL when it reaches that step (see STEPS),
and `MONITORING_SWAP=rename` forces the fallback.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

# ctypes, shutil and tempfile are imported where a run swaps or removes a tree: the readers (validate, test,
# publish) import this module for `reading` alone, and start their first binary as soon as they can.

# The points between file-system steps where a kill can land, in order.
STEPS = ("staging-created", "staged", "exchanged", "old-moved", "swapped", "old-deleted")

_HELD = ("SIGINT", "SIGTERM", "SIGHUP")  # what stops a run: not in the middle of the swap
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP)


def _kill_point(step: str) -> None:
    """Test hook: die here, as `kill -9` would, when MONITORING_KILL_AT names this step."""
    if os.environ.get("MONITORING_KILL_AT") == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False when this system cannot (the caller falls back)."""
    if os.environ.get("MONITORING_SWAP") == "rename" or not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # glibc before 2.28, or another libc
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


@contextmanager
def _signals_held() -> Iterator[None]:
    """Defer SIGINT, SIGTERM and SIGHUP to the end of the block (Python handlers, so any thread may receive them)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    held = [getattr(signal, name) for name in _HELD if hasattr(signal, name)]
    previous = {number: signal.signal(number, lambda number, frame: received.append(number)) for number in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        if received:
            signal.raise_signal(received[0])  # now handled as it would have been


@contextmanager
def _flocked(fd: int, kind: int) -> Iterator[None]:
    """Hold flock(kind) on fd (then close it) for the block."""
    try:
        fcntl.flock(fd, kind)
        yield
    finally:
        os.close(fd)


@contextmanager
def reading(target: Path) -> Iterator[None]:
    """Keep target as it is while the block reads it: no run swaps a new tree in meanwhile, and a run under way
    (rendering or swapping) is waited for. Without a parent directory to lock (none yet, or not readable),
    there is no run to wait for either, and the block runs unlocked.

        with reading(Path("out")):
            manifest = Manifest.read(Path("out"))   # and every file it lists: all of one generation
    """
    fd = _open_parent(target)
    with nullcontext() if fd is None else _flocked(fd, fcntl.LOCK_SH):
        yield


def _open_parent(target: Path) -> int | None:
    """A descriptor of target's parent directory, to lock; None when there is none this process can open."""
    try:
        return os.open(target.resolve().parent, os.O_RDONLY)
    except (OSError, RuntimeError):  # RuntimeError: a loop of symbolic links, on Pythons before 3.13
        return None


def _remove(tree: Path) -> None:
    """Delete a tree this tool made (a staging tree, or an old out/), directories made read-only in it
    included: a `chmod -w` in out/ must not keep the old tree beside it for ever. Best effort."""
    import shutil

    shutil.rmtree(tree, ignore_errors=True)
    if not os.path.lexists(tree):
        return
    # Something would not go: make each directory (never a link, which could lead outside) writable and
    # readable, each before the walk lists it, then again.
    _let_in(str(tree))
    for top, names, _ in os.walk(tree):
        for name in names:
            _let_in(os.path.join(top, name))
    shutil.rmtree(tree, ignore_errors=True)


def _let_in(directory: str) -> None:
    with contextlib.suppress(OSError):
        found = os.lstat(directory)
        if stat.S_ISDIR(found.st_mode):
            os.chmod(directory, stat.S_IMODE(found.st_mode) | stat.S_IRWXU)


def _leftovers(target: Path, suffix: str) -> list[Path]:
    return sorted(p for p in target.parent.glob(f"{target.name}.*{suffix}") if p.is_dir() and not p.is_symlink())


def recover(target: Path) -> None:
    """Undo what a killed run left: restore a lone `.old` tree, delete staging directories and old trees."""
    olds = _leftovers(target, ".old")
    if not target.exists() and olds:
        # Killed between the two renames of the fallback: the newest old tree is the last complete one.
        newest = max(olds, key=lambda p: p.stat().st_mtime_ns)
        os.rename(newest, target)
    for leftover in (*_leftovers(target, ".new"), *_leftovers(target, ".old")):
        _remove(leftover)


def tidy(target: Path) -> None:
    """`recover` for a run that writes nothing (out/ found up to date): what killed runs left beside target goes
    now, not at the next run that writes. Skipped while another run holds the lock: that run recovers itself."""
    fd = _open_parent(target)
    if fd is None:  # no parent (nothing left there), or one this process cannot read
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        recover(target.resolve())
    except OSError:  # the lock is taken, or the leftovers cannot be removed: they wait for the next run
        pass
    finally:
        os.close(fd)


def replace_dir(target: Path, fill: Callable[[Path], None]) -> None:
    """Build a new tree with fill(staging_dir), then swap it in for target in one step.

    If anything fails before the swap, target is left exactly as it was.
    """
    import tempfile

    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _flocked(os.open(parent, os.O_RDONLY), fcntl.LOCK_EX):
        recover(target)
        staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", suffix=".new", dir=parent))
        _kill_point("staging-created")
        try:
            fill(staging)
            staging.chmod(0o755)
        except BaseException:
            _remove(staging)
            raise
        _kill_point("staged")
        with _signals_held():
            _swap(staging, target)


def _swap(staging: Path, target: Path) -> None:
    if target.exists() and _exchange(staging, target):
        _kill_point("exchanged")
        _remove(staging)  # it now holds the old tree
        _kill_point("old-deleted")
        return
    old = staging.with_name(staging.name.removesuffix(".new") + ".old")
    if target.exists():
        os.rename(target, old)
        _kill_point("old-moved")
    os.rename(staging, target)
    _kill_point("swapped")
    _remove(old)
    _kill_point("old-deleted")
