"""How long one request to Grafana may take, and how it is stopped: the state the client's retries, waits and
connections share while a thread makes one request.

The client sets `CURRENT.deadline` as a request starts. Three things then respect it:
- the waits between attempts (`wait`), which never sleep past it and end at once on cancel();
- the connection that reads the answer's status line and headers (the pools in `DEADLINE_POOLS`), which is shut
  down at the deadline: the read timeout bounds only each wait for a byte, and a head sent one byte at a time
  never meets it;
- the client's reading of the body, which checks the deadline after each piece.

    adapter.poolmanager.pool_classes_by_scheme = DEADLINE_POOLS
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import suppress
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import BaseHTTPResponse


class Cancelled(Exception):
    """Raised inside a request when the client was cancelled: no further attempt, no further wait."""


class OutOfTime(Exception):
    """Raised inside a request when the next wait would carry it past its deadline."""


class LateAnswer(Exception):
    """Raised inside a request when the answer's status line and headers had not all come by its deadline."""


class _RequestState(threading.local):
    """The request this thread is making: when it must end, how many attempts failed, whether to stop."""

    deadline: float = float("inf")
    failed: int = 0
    cancelled: threading.Event | None = None


CURRENT = _RequestState()


def wait(seconds: float) -> None:
    """Sleep between attempts, cut short by cancel(), and never past the request's deadline."""
    state = CURRENT
    if seconds > 0 and time.monotonic() + seconds > state.deadline:
        raise OutOfTime()
    if state.cancelled is not None:
        if state.cancelled.wait(max(seconds, 0)):
            raise Cancelled()
    elif seconds > 0:
        time.sleep(seconds)


class _Watch:
    """Shuts a connection's socket down at a deadline, unless told first that its head has come. The shutdown
    ends a read blocked on the socket at once (it reads as the end of the stream)."""

    def __init__(self, connection: HTTPConnection, deadline: float) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self._over = False
        self.cut = False
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._cut_off)
        self._timer.daemon = True
        self._timer.start()

    def _cut_off(self) -> None:
        with self._lock:
            if self._over:
                return
            self.cut = True
            sock = self._connection.sock
            if sock is not None:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def over(self) -> bool:
        """Stop watching; whether the socket was cut first."""
        with self._lock:  # after this, _cut_off does nothing: a head read in time keeps its body readable
            self._over = True
        self._timer.cancel()
        return self.cut


class _HeadByDeadline:
    """getresponse that ends at the request's deadline (LateAnswer) however slowly the head comes."""

    sock: socket.socket | None

    def getresponse(self) -> BaseHTTPResponse:
        deadline = CURRENT.deadline
        if deadline == float("inf"):  # not inside a client request: nothing to bound it by
            return super().getresponse()  # type: ignore[misc, no-any-return]
        watch = _Watch(self, deadline)  # type: ignore[arg-type]
        try:
            response: BaseHTTPResponse = super().getresponse()  # type: ignore[misc]
        except Exception:
            if watch.over():
                raise LateAnswer() from None
            raise
        if watch.over():
            response.close()
            raise LateAnswer()
        return response


class _HTTPConnection(_HeadByDeadline, HTTPConnection):
    pass


class _HTTPSConnection(_HeadByDeadline, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection  # type: ignore[assignment]


# What a pool manager makes its pools of, by scheme, in place of urllib3's own (the same but for the head's bound).
DEADLINE_POOLS: dict[str, Any] = {"http": _HTTPPool, "https": _HTTPSPool}
