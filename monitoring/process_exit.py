"""The user's code (the stack's module, a dashboard file) may not end the process while it is run.

`sys.exit()` raises SystemExit, which the callers turn into an error. `os._exit()` raises nothing: the process
would end at once with the status the user's code chose, 0 included, with nothing written and nothing said. While
`held()` runs, a call of os._exit in this process raises `ProcessExit` instead, which the callers report as they
report SystemExit. A process the user's code forks still exits through the real os._exit (a child has its own
process id), as its own code expects.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


class ProcessExit(BaseException):
    """os._exit(status) was called by the user's code while it was run (a BaseException, as SystemExit is: no
    `except Exception` of the user's own catches it)."""

    def __init__(self, status: object) -> None:
        super().__init__(status)
        self.status = status


@contextlib.contextmanager
def held() -> Iterator[None]:
    """os._exit raises ProcessExit in this process within the block.

        with held():
            importlib.import_module("alerts.stack")
    """
    real = os._exit
    pid = os.getpid()

    def refuse(status: int) -> None:
        if os.getpid() != pid:  # a process the user's code forked: its exit is its own
            real(status)
        raise ProcessExit(status)

    os._exit = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        os._exit = real
