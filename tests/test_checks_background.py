"""monitoring.checks.background: calls in threads, results in order, errors handed back, a bound kept."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from monitoring.checks.background import BACKGROUND_NICENESS, Started, map_at_most
from monitoring.checks.tools import GO_GC_PERCENT, run_bounded


def test_started_returns_what_the_call_returned() -> None:
    assert Started(sorted, [3, 1, 2]).result() == [1, 2, 3]


def test_started_raises_what_the_call_raised() -> None:
    started = Started(int, "not a number")
    started.wait()  # waiting does not raise
    with pytest.raises(ValueError, match="not a number"):
        started.result()


@pytest.mark.parametrize(("count", "at_once"), [(0, 4), (1, 4), (5, 4), (12, 3), (7, 1)])
def test_map_at_most_keeps_the_order_and_the_bound(count: int, at_once: int) -> None:
    lock = threading.Lock()
    running = [0]
    most = [0]
    # The first calls wait until as many as the bound allows run together (or all the items do), so a bound
    # that is not kept, or one that is never reached, shows.
    together = threading.Barrier(min(count, at_once)) if count else None

    def call(item: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        if together is not None and item < min(count, at_once):
            together.wait(timeout=30)
        with lock:
            running[0] -= 1
        return item * item

    assert map_at_most(call, range(count), at_once) == [i * i for i in range(count)]
    assert most[0] == min(count, at_once)


def test_map_at_most_raises_what_a_call_raised() -> None:
    def call(item: int) -> int:
        if item == 3:
            raise RuntimeError("item 3")
        return item

    with pytest.raises(RuntimeError, match="item 3"):
        map_at_most(call, range(6), 2)


@pytest.mark.skipif(sys.platform != "linux", reason="each thread has its own niceness on Linux only")
def test_a_started_call_and_its_processes_yield_the_cpu_to_the_caller() -> None:
    """The caller's checks decide when validate ends: the processes a background call starts, and the call's own
    thread, run at a lower priority than the caller, which keeps its own."""
    caller = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    child = Started(run_bounded, [sys.executable, "-c", "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"])
    own = Started(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    expected = min(caller + BACKGROUND_NICENESS, 19)
    assert (int(child.result().stdout), own.result()) == (expected, expected)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == caller


@pytest.mark.parametrize(("environment", "seen"), [({}, GO_GC_PERCENT), ({"GOGC": "150"}, "150")])
def test_go_tools_collect_less_often_unless_the_environment_says(monkeypatch: pytest.MonkeyPatch,
                                                                 environment: dict[str, str], seen: str) -> None:
    monkeypatch.delenv("GOGC", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    said = run_bounded([sys.executable, "-c", "import os; print(os.environ['GOGC'])"]).stdout
    assert said.strip() == seen
