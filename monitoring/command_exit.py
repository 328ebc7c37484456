"""How the `monitoring` command stops: on a signal, and at its end.

Stopped by a signal: SIGINT raises KeyboardInterrupt (Python's own), and SIGTERM (a CI runner's timeout, a service
manager) and SIGHUP (the terminal closed) raise `Terminated`, a KeyboardInterrupt too, so that whatever is under
way ends as on Ctrl-C: the staging directory of out/ deleted and out/ as it was, the worker processes stopped and
waited for, and every `except KeyboardInterrupt: raise` of the code that runs the user's own (the stack's import,
hand-written dashboards) lets it through. A signal the command was started with ignored (`nohup`) stays ignored.

Stopped by its reader: when what reads its standard output (or error) goes away (`monitoring validate | head -1`),
the command ends at once, without a word, with ExitStatus.BROKEN_PIPE (see `reader_gone`), as a command that
SIGPIPE ended would.

At its end the command leaves without the interpreter's teardown (see `leave`), unless that teardown has work to
do that only it does: a thread still running, or a file the stack left open for writing, whose buffer the
interpreter flushes as it frees it. A wait for threads that lasts says so on stderr (`WAIT_EXPLAINED_AFTER`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType
from typing import NoReturn

from monitoring.errors import ExitStatus

_STOPPING = ("SIGTERM", "SIGHUP")
# Seconds the exit waits for threads still running before it names them: one just finishing says nothing.
WAIT_EXPLAINED_AFTER = 2.0


class Terminated(KeyboardInterrupt):
    """The command was sent SIGTERM or SIGHUP: it stops as on Ctrl-C, and exits with 128 + the signal's number.

        try:
            generate()
        except Terminated as stopped:
            status = stopped.exit_status  # ExitStatus.TERMINATED for SIGTERM
    """

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number

    @property
    def name(self) -> str:
        return signal.Signals(self.number).name

    @property
    def exit_status(self) -> ExitStatus:
        return ExitStatus(128 + self.number)


def stop_on_signals() -> None:
    """Until `leave`, SIGTERM and SIGHUP raise Terminated in this process, where they were left at their default."""
    for name in _STOPPING:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) == signal.SIG_DFL:
            signal.signal(number, _stop)


def _default_again() -> None:
    """Once the command is done there is nothing left to clean up: a signal ends the process at once, as it would
    have from the start (not an exception in the middle of an atexit handler or of waiting for a thread)."""
    for name in _STOPPING:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is _stop:
            signal.signal(number, signal.SIG_DFL)


def _name_the_threads_waited_for(after: float = WAIT_EXPLAINED_AFTER) -> None:
    """If the exit is still waiting for threads `after` seconds from now (ones the stack started and did not make
    daemons), one line on stderr names them: the command's work is done, and the wait is theirs, not a hang."""
    import threading

    def explain() -> None:  # in the timer's own thread, a daemon: not among those named
        waiting = sorted(t.name if t.name.isprintable() else repr(t.name) for t in threading.enumerate()
                         if t is not threading.main_thread() and not t.daemon and t.is_alive())
        if waiting:
            print(f"monitoring: done; the process exits when these threads end (they are not daemon threads): "
                  f"{', '.join(waiting)}", file=sys.stderr, flush=True)

    timer = threading.Timer(after, explain)
    timer.daemon = True  # not waited for itself
    timer.start()


def _stop(number: int, frame: FrameType | None) -> None:
    signal.signal(number, signal.SIG_DFL)  # a second one ends the process at once, cleaned up or not
    raise Terminated(number)


Descriptors = frozenset[tuple[int, int, int]]


def open_for_writing() -> Descriptors | None:
    """(descriptor, device, inode) of each file this process has open for writing; None where they cannot be
    listed."""
    import fcntl

    try:
        numbers = [int(name) for name in os.listdir("/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd")]
    except OSError:
        return None
    found = set()
    for number in numbers:
        try:
            if fcntl.fcntl(number, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
                continue
            stat = os.fstat(number)
        except OSError:  # the listing's own descriptor, closed since
            continue
        found.add((number, stat.st_dev, stat.st_ino))
    return frozenset(found)


def reader_gone(exc: BaseException) -> bool:
    """Whether exc is the broken pipe of standard output or error, whose reader has gone away (EPIPE; not that of
    a pipe to another program, which keeps its meaning). Those streams are then silenced: what is still in their
    buffers goes nowhere, and neither this process's own flush at its end nor the interpreter's fails again."""
    import errno

    if not isinstance(exc, OSError) or exc.errno != errno.EPIPE:
        return False
    return output_gone(1, 2)


def output_gone(*fds: int) -> bool:
    """Whether the reader of one of fds (default: standard output) has gone away; each such one is silenced, as
    `reader_gone` says. For output written where a broken pipe raises nothing (argparse's help ignores it)."""
    broken = [fd for fd in fds or (1,) if _pipe_broken(fd)]
    for fd in broken:
        _silence(fd)
    return bool(broken)


def _pipe_broken(fd: int) -> bool:
    """Whether fd is a pipe or socket with nothing left to read it (poll says POLLERR, or POLLHUP)."""
    import select

    try:
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        events = poller.poll(0)
    except (OSError, ValueError, AttributeError):  # closed, or no poll on this system
        return False
    return any(event & (select.POLLERR | select.POLLHUP) for _, event in events)


def _silence(fd: int) -> None:
    """fd writes to /dev/null from now on."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(null, fd)
    except OSError:
        pass
    finally:
        os.close(null)


def leave(status: int, inherited: Descriptors | None) -> NoReturn:
    """Exit with status. `inherited`: what open_for_writing() answered as the command started.

    The interpreter's last acts are a cyclic collection over everything still alive and the teardown of every
    module, which after a large stack's generate free its whole model object by object (0.5 s and 0.15 s at
    10,000 services); nothing of it needs freeing as the process ends. What exit must do is done here: the atexit
    handlers (the user's stack may have some) and the standard streams flushed. Where the teardown has more to do,
    a thread to wait for or a file opened since the start still open for writing (its buffer is flushed as it is
    freed), the interpreter exits as usual."""
    import gc
    import threading

    _default_again()
    now = open_for_writing()
    if threading.active_count() > 1 or now is None or inherited is None or now - inherited:
        _name_the_threads_waited_for()
        # What the command printed is flushed now, not by the interpreter, which would say "Exception ignored ...
        # BrokenPipeError" and exit 120 when the reader has gone.
        sys.exit(_flushed(status))  # not frozen: the teardown's collection may be what frees (and flushes) a file
    gc.freeze()
    import atexit

    atexit._run_exitfuncs()
    os._exit(_flushed(status))


def _flushed(status: int) -> int:
    """status, once the standard streams are flushed: ExitStatus.BROKEN_PIPE when the reader of one has gone, 120
    (as the interpreter's own exit) when one cannot be flushed otherwise."""
    # sys.__stdout__ too: a stack that replaced sys.stdout may have printed to the real one.
    streams = {id(stream): stream for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)}
    for stream in streams.values():
        # None: started with the stream closed (`>&-`); closed by the stack. The interpreter skips both.
        if stream is None or getattr(stream, "closed", False):
            continue
        try:
            stream.flush()
        except (OSError, ValueError) as exc:
            if reader_gone(exc):
                status = ExitStatus.BROKEN_PIPE
                # what is left in the buffer now goes to /dev/null: the interpreter's own flush succeeds too
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            elif status != ExitStatus.BROKEN_PIPE:
                status = 120  # as the interpreter would exit
    return status
