"""Finding promtool and amtool: $PROMTOOL/$AMTOOL, then PATH, then a container image; and running them.

A program found by name is trusted only once its `--version` names it ("promtool, version 2.42.0"), and a check
passes only on the output the real tool prints on success (promtool's "SUCCESS" for each file): an exit status
of 0 alone is what any program gives (`PROMTOOL=/bin/true`). Each run is a process group of its own, killed
whole when it outlives its time or the command is stopped: a wrapper script's children go with it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from monitoring.checks.report import process_output
from monitoring.errors import ToolMissingError

INSTALL_HINT = (
    "install them with `apt-get install prometheus prometheus-alertmanager prometheus-blackbox-exporter`, "
    "or install docker or podman to use the upstream images"
)

_IMAGES = {"promtool": "prom/prometheus", "amtool": "prom/alertmanager"}
_ENV = {"promtool": "PROMTOOL", "amtool": "AMTOOL"}


TIMEOUT = 300.0  # seconds for one run of a checking tool: a hang, not a large stack (callers split large work)
# Seconds for `--version`: the real tools answer in a few hundredths.
VERSION_TIMEOUT = 30.0
# After a kill, how long the output of what was killed is still read: a process that left the group (setsid)
# can hold the pipes open for ever.
_DRAIN_SECONDS = 5.0
# The Go runtime's garbage collection target for the tools run here, unless the environment sets one: each run
# lives a fraction of a second and several run at once, where collecting at Go's default (100: whenever the
# heap doubles) spends CPU the other runs wait for. 400 lets a heap grow to five times what is live before a
# collection: `promtool check rules` over 1,000 SLOs' rule files then takes 57 MB instead of 41 MB, and about a
# fifth less CPU.
GO_GC_PERCENT = "400"


@dataclass(frozen=True)
class Tool:
    """A runnable tool: argv prefix, and how it was found (for the report).

    `identity`, for a program found by name, is its `--version`, asked when first needed (see `version`): a run
    that passes without a word (every tool run here says something when it passes) is trusted only once that
    named the tool; else ToolMissingError. A run that says something is held to the tool's own success line
    (see `confirmed`): no other program prints it for these arguments."""

    name: str
    argv: tuple[str, ...]
    found_by: str  # "$PROMTOOL", its path on PATH, or the container image
    mount: Path | None = None
    identity: _Identity | None = field(default=None, compare=False, repr=False)

    def version(self) -> str:
        """The first line `--version` printed ("promtool, version 2.42.0+ds ..."); "" for a container image
        (the image is the upstream one, by name). ToolMissingError when the program is not this tool."""
        return "" if self.identity is None else self.identity.result()

    def run(self, *args: str, cwd: Path | None = None, timeout: float | None = None
            ) -> subprocess.CompletedProcess[str]:
        """The tool's run; one that outlives `timeout` seconds (default TIMEOUT) is killed and reads as a failed
        run (see `run_bounded`). ToolMissingError when it passed without a word and the program is not this tool
        (see `version`): the tool's own runs pay for no `--version`."""
        proc = run_bounded([*self.argv, *args], timeout, cwd)
        if proc.returncode == 0 and not (proc.stdout or "").strip() and not (proc.stderr or "").strip():
            self.version()
        return proc


# How each tool says it succeeded, as the real one prints it; no other program prints it for our arguments.
PROMTOOL_SUCCESS = re.compile(r"^\s*SUCCESS\b", re.MULTILINE)  # once for each file checked or tested
AMTOOL_CONFIG_SUCCESS = re.compile(r"^Checking '.*'\s+SUCCESS$", re.MULTILINE)  # once for each file
BLACKBOX_SUCCESS = re.compile(r"Config file is ok")


def confirmed(proc: subprocess.CompletedProcess[str], success: re.Pattern[str], times: int = 1) -> tuple[bool, str]:
    """(passed, details) of a run: passed when it exited 0 and printed `success` at least `times` times (once
    for each file it was given), as the real tool does; details is its output, and a line saying why a run
    that exited 0 did not pass."""
    output = process_output(proc)
    if proc.returncode != 0:
        return False, output
    seen = len(success.findall(output))
    if seen >= times:
        return True, output
    said = (f"{Path(proc.args[0]).name} exited 0 without printing its success line for each file ({seen} of "
            f"{times}): not the output of the real tool")
    return False, "\n".join(filter(None, [output, said]))


# Each tool process still running, by its process group (its own: see run_bounded).
_running: set[subprocess.Popen[str]] = set()
_running_lock = threading.Lock()
_stop_at_exit = False
# Set by stop_running until resume_running: a thread whose run was killed may go on to its next run, which must
# end at once too, or the command would wait for it as it stops.
_stopped = False


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL to proc's process group: proc and whatever it started (a wrapper script's children)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(proc.pid, signal.SIGKILL)


def stop_running() -> None:
    """Kill every tool process still running, with its children: the command is stopping (Ctrl-C, SIGTERM, its
    exit). They run in sessions of their own, which a signal to this process's group does not reach. Runs started
    after this, until `resume_running`, are killed as they start."""
    global _stopped
    with _running_lock:
        _stopped = True
        running = list(_running)
    for proc in running:
        _kill_group(proc)


def resume_running() -> None:
    """Runs start and run again (a new command, or the threads of a stopped one all ended)."""
    global _stopped
    with _running_lock:
        _stopped = False


def run_bounded(argv: list[str], timeout: float | None = None, cwd: Path | None = None, *, one_stream: bool = False
                ) -> subprocess.CompletedProcess[str]:
    """subprocess.run, except that a process still running after `timeout` seconds (default TIMEOUT) is killed
    with every process it started, and gives a failed CompletedProcess (status -9) whose stderr says so: the
    check fails with that line, never with a traceback. `one_stream`: stderr goes into stdout, in the order
    written, and so does that line.

    The process starts a session of its own (so its own process group): killing the group on a timeout, or
    when this call is interrupted, or by `stop_running`, leaves none of its children running."""
    global _stop_at_exit
    timeout = TIMEOUT if timeout is None else timeout
    # errors="replace": a tool echoes paths and file contents, whose bytes need not be UTF-8 (an out/ under a
    # directory named in Latin-1); its output is read by a person, never parsed byte for byte.
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT if one_stream else subprocess.PIPE,
                            text=True, errors="replace", cwd=cwd, env={"GOGC": GO_GC_PERCENT, **os.environ},
                            start_new_session=True)
    with _running_lock:
        _running.add(proc)
        stopped = _stopped
        if not _stop_at_exit:  # a process interrupted in another thread is still killed as the command ends
            atexit.register(stop_running)
            _stop_at_exit = True
    if stopped:  # started as the command stops: ended at once, and read as a run that did not finish
        _kill_group(proc)
    try:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            _kill_group(proc)
            stdout, stderr = _drained(proc, expired)
            said = f"{Path(argv[0]).name} did not finish within {timeout:g} s and was stopped"
            if one_stream:
                return subprocess.CompletedProcess(argv, -9, f"{stdout}\n{said}\n", None)
            return subprocess.CompletedProcess(argv, -9, stdout, "\n".join(filter(None, [stderr.rstrip(), said])))
    except BaseException:  # KeyboardInterrupt, Terminated: nothing of the run may outlive the command
        _kill_group(proc)
        proc.wait()
        raise
    finally:
        with _running_lock:
            _running.discard(proc)
    return subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)


def _drained(proc: subprocess.Popen[str], expired: subprocess.TimeoutExpired) -> tuple[str, str]:
    """What a killed process wrote: read to the end, unless something outside its group holds the pipes."""
    def text(value: str | bytes | None) -> str:
        return value.decode(errors="replace") if isinstance(value, bytes) else value or ""

    try:
        stdout, stderr = proc.communicate(timeout=_DRAIN_SECONDS)  # goes on from where the timeout stopped it
        return stdout or "", stderr or ""
    except subprocess.TimeoutExpired:
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        proc.wait()
        return text(expired.stdout), text(expired.stderr)


def _identity(name: str, path: str, found_by: str) -> str:
    """The first line of `path --version` when it names the tool ("promtool, version 2.42.0+ds ..."), else
    ToolMissingError saying what it printed: a program that is not the tool would pass every check it runs."""
    try:
        proc = run_bounded([path, "--version"], min(VERSION_TIMEOUT, TIMEOUT), one_stream=True)
    except OSError as exc:  # not a program at all (no #! line, a directory)
        raise ToolMissingError(f"{path} (from {found_by}) is not {name}: it cannot be run "
                               f"({exc.strerror or type(exc).__name__}): {INSTALL_HINT}") from None
    first = next((line.strip() for line in (proc.stdout or "").splitlines() if line.strip()), "")
    if proc.returncode == 0 and first.startswith(f"{name}, version "):
        return first
    if proc.returncode == -9:  # stopped by run_bounded: its last line says so
        raise ToolMissingError(f"{path} (from {found_by}) is not {name}: `{Path(path).name} --version` did not finish "
                          f"within {min(VERSION_TIMEOUT, TIMEOUT):g} s, where {name} prints '{name}, version ...' at "
                          f"once: {INSTALL_HINT}")
    printed = f"printed {first[:80]!r}" if first else "printed nothing"
    status = f" and exited {proc.returncode}" if proc.returncode else ""
    raise ToolMissingError(f"{path} (from {found_by}) is not {name}: `{Path(path).name} --version` {printed}{status}, "
                           f"where {name} prints '{name}, version ...': {INSTALL_HINT}")


class _Identity:
    """A program's `--version` (see `_identity`), asked the first time it is needed; the answer kept once it named
    the tool, a failure asked again (a program that did not answer may be slow, not wrong)."""

    def __init__(self, name: str, path: str, found_by: str) -> None:
        self.name, self.path, self.found_by = name, path, found_by
        self._answer: str | None = None
        self._lock = threading.Lock()

    def result(self) -> str:
        with self._lock:
            if self._answer is None:
                self._answer = _identity(self.name, self.path, self.found_by)
            return self._answer


# One identity per tool and program (path and stat signature): a process that finds the tools again (the library
# called in a loop) asks once.
_identities: dict[tuple[str, str, str, int, int, int], _Identity] = {}
_identities_lock = threading.Lock()


def _identified(name: str, path: str, found_by: str) -> _Identity:
    try:
        found = os.stat(path)
    except OSError:  # gone since `which` found it: the run says so
        return _Identity(name, path, found_by)
    key = (name, found_by, path, found.st_mtime_ns, found.st_size, found.st_ino)
    with _identities_lock:
        return _identities.setdefault(key, _Identity(name, path, found_by))


def find_tool(name: str, workdir: Path) -> Tool:
    """The tool to run, or ToolMissingError with a one-line install hint."""
    override = os.environ.get(_ENV[name])
    if override:
        path = shutil.which(override)
        if path is None:
            raise ToolMissingError(f"${_ENV[name]}={override!r} is not an executable")
        return Tool(name, (path,), f"${_ENV[name]}", identity=_identified(name, path, f"${_ENV[name]}"))
    path = shutil.which(name)
    if path:
        return Tool(name, (path,), path, identity=_identified(name, path, "PATH"))
    for engine in ("docker", "podman"):
        engine_path = shutil.which(engine)
        if engine_path and _engine_works(engine_path):
            mount = workdir.resolve()
            argv = (engine_path, "run", "--rm", "-v", f"{mount}:{mount}", "-w", str(mount),
                    "--entrypoint", name, _IMAGES[name])
            return Tool(name, argv, f"{engine} image {_IMAGES[name]}", mount)
    raise ToolMissingError(f"{name} not found ($${_ENV[name]}, PATH, docker, podman): {INSTALL_HINT}")


def _engine_works(engine: str) -> bool:
    try:
        return run_bounded([engine, "info"], timeout=20).returncode == 0
    except OSError:
        return False
