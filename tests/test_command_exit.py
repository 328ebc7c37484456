"""The `monitoring` command ends without the interpreter's teardown (which frees a large model object by object),
but does everything an exit must: the stack's atexit handlers run, what was printed is flushed, the status is
main()'s, a thread the stack started is waited for, and a file it left open for writing is flushed. SIGTERM and
SIGHUP stop it as Ctrl-C does while it runs, and at once when it is done. Each run is a fresh process, as a user's
is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

STACK = '''
import atexit
import sys
import time
import threading
import time
from pathlib import Path

from monitoring import Alert, Receiver, Route, Routing, RuleGroup, Service, Stack

LOG = Path(__file__).parents[1] / "exit.log"
atexit.register(lambda: LOG.open("a").write("atexit\\n"))
sys.stdout.write("printed by the stack, unflushed")  # no newline: still in the buffer at the end


def later() -> None:
    time.sleep({thread_seconds})
    LOG.open("a").write("thread\\n")


if "{thread}" == "yes":
    threading.Thread(target=later, name={thread_name!r}).start()  # not a daemon: exit waits for it

stack = Stack(
    name="leaving",
    services=(Service(name="api", rule_groups=(RuleGroup(name="api.alerts", rules=(
        Alert(name="ApiDown", severity="critical", for_="5m", expr="up{{job='api'}} < {threshold}",
              summary="API down.", description="The API is down."),)),)),),
    routing=Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),)),
)
'''


def project(tmp_path: Path, thread: bool = False, threshold: str = "1", thread_seconds: float = 0.5,
            thread_name: str = "poller") -> Path:
    root = tmp_path / "project"
    (root / "leaving").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.monitoring]\nstack = "leaving.stack:stack"\n')
    (root / "leaving" / "__init__.py").write_text("")
    (root / "leaving" / "stack.py").write_text(STACK.format(thread="yes" if thread else "no", threshold=threshold,
                                                            thread_seconds=thread_seconds, thread_name=thread_name))
    return root


def monitoring(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command in a fresh process, its output buffered as it is by default into a pipe."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-m", "monitoring", *args], cwd=root, capture_output=True, text=True,
                          check=False, timeout=120, env=environ)


def log(root: Path) -> list[str]:
    path = root / "exit.log"
    return path.read_text().splitlines() if path.exists() else []


def test_the_stacks_atexit_handlers_run_and_what_it_printed_is_flushed(tmp_path: Path) -> None:
    root = project(tmp_path)
    done = monitoring(root, "generate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("printed by the stack, unflushed")
    assert "wrote " in done.stdout
    assert log(root) == ["atexit"]


def test_a_thread_the_stack_started_is_waited_for(tmp_path: Path) -> None:
    root = project(tmp_path, thread=True)
    done = monitoring(root, "generate")
    assert done.returncode == 0, done.stderr
    assert sorted(log(root)) == ["atexit", "thread"]
    assert "threads end" not in done.stderr  # a thread that ends soon is waited for without a word


def test_a_long_wait_for_the_stacks_thread_is_explained(tmp_path: Path) -> None:
    """Not a silent hang: past WAIT_EXPLAINED_AFTER, the exit says which threads it waits for (a name that would
    break the line, quoted)."""
    root = project(tmp_path, thread=True, thread_seconds=3.5, thread_name="poller\x1b[2J")
    done = monitoring(root, "generate")
    assert done.returncode == 0, done.stderr
    assert sorted(log(root)) == ["atexit", "thread"]
    assert done.stderr.splitlines()[-1] == ("monitoring: done; the process exits when these threads end (they are "
                                            "not daemon threads): 'poller\\x1b[2J'")


@pytest.mark.parametrize(("args", "status"), [(("generate",), 0), (("generate", "--check"), 0),
                                              (("frobnicate",), 2)])
def test_the_exit_status_is_the_commands(tmp_path: Path, args: tuple[str, ...], status: int) -> None:
    root = project(tmp_path)
    assert monitoring(root, "generate").returncode == 0
    done = monitoring(root, *args)
    assert done.returncode == status, done.stderr


def test_bad_input_still_exits_2_with_its_one_line_message(tmp_path: Path) -> None:
    root = project(tmp_path, threshold="'")  # an expression PromQL cannot parse
    done = monitoring(root, "generate")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "ApiDown" in done.stderr and "Traceback" not in done.stderr
    assert log(root) == ["atexit"]


@pytest.mark.parametrize("closed", [">&-", "2>&-", ">&- 2>&-"])
def test_a_command_started_with_its_output_closed_exits_as_the_interpreter_would(closed: str) -> None:
    """Python then has no sys.stdout (or sys.stderr) at all: nothing to flush, and --version still succeeds."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(["sh", "-c", f'exec "$0" -m monitoring --version {closed}', sys.executable],
                          capture_output=True, text=True, check=False, timeout=60, env=environ)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


KEEPS_OPEN = '''
import io

KEPT = open(LOG.with_name("kept-open.log"), "w")  # never closed: the interpreter flushes it as it frees it
KEPT.write("buffered in a file the stack keeps open\\n")
REAL = sys.stdout
sys.stdout = io.StringIO()  # the stack keeps what is printed to itself...
print("printed to the real standard output", file=sys.__stdout__)  # ...and writes to the real one
'''


@pytest.mark.parametrize("thread", [False, True])
def test_what_the_stack_left_in_buffers_is_written_as_the_interpreter_would(tmp_path: Path, thread: bool) -> None:
    root = project(tmp_path, thread=thread)
    with (root / "leaving" / "stack.py").open("a") as stack:
        stack.write(KEEPS_OPEN)
    done = monitoring(root, "generate")
    assert done.returncode == 0, done.stderr
    assert (root / "kept-open.log").read_text() == "buffered in a file the stack keeps open\n"
    assert done.stdout.startswith("printed by the stack, unflushed")
    assert "printed to the real standard output\n" in done.stdout


SLOW_IMPORT = '''
LOG.with_name("importing").touch()
time.sleep(60)
'''


def _stopped_while_importing(root: Path, number: signal.Signals, ignored: bool = False
                             ) -> subprocess.CompletedProcess[str]:
    """generate, sent `number` while its stack is being imported (once it has said so)."""
    with (root / "leaving" / "stack.py").open("a") as stack:
        stack.write(SLOW_IMPORT.replace("60", "3") if ignored else SLOW_IMPORT)
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}

    def disposition() -> None:
        signal.signal(number, signal.SIG_IGN if ignored else signal.SIG_DFL)

    proc = subprocess.Popen([sys.executable, "-m", "monitoring", "generate"], cwd=root, env=environ, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=disposition)
    try:
        deadline = time.monotonic() + 60
        while not (root / "importing").exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the stack was never imported"
            time.sleep(0.02)
        proc.send_signal(number)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize(("number", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_while_the_stack_is_imported_stops_the_command_as_ctrl_c_would(
        tmp_path: Path, number: signal.Signals, status: int) -> None:
    """Not "the stack does not import" (exit 2), and not a silent death: one line, 128 + the signal's number."""
    root = project(tmp_path)
    done = _stopped_while_importing(root, number)
    assert (done.returncode, done.stderr) == (status, f"monitoring: terminated ({number.name})\n")
    assert not (root / "out").exists()


def test_a_signal_the_command_was_started_to_ignore_stays_ignored(tmp_path: Path) -> None:
    root = project(tmp_path)
    done = _stopped_while_importing(root, signal.SIGHUP, ignored=True)  # as under nohup
    assert done.returncode == 0, done.stderr
    assert (root / "out" / "manifest.json").exists()


def test_a_signal_once_the_command_is_done_ends_it_at_once(tmp_path: Path) -> None:
    """Waiting for the stack's thread at exit, nothing is left to clean up: SIGTERM kills as it would any program
    (not an exception raised inside the interpreter's wait, which it reports and then ignores)."""
    root = project(tmp_path)
    with (root / "leaving" / "stack.py").open("a") as stack:
        stack.write("\nthreading.Thread(target=time.sleep, args=(60,)).start()\n")
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen([sys.executable, "-m", "monitoring", "generate"], cwd=root, env=environ, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not (root / "out" / "manifest.json").exists():
            assert proc.poll() is None and time.monotonic() < deadline, "generate never wrote out/"
            time.sleep(0.02)
        time.sleep(0.5)  # past the swap, into the wait for the thread
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    # (Were the machine so slow that the signal came before the command was done: stopped as in the tests above.)
    assert (proc.returncode, err) in [(-signal.SIGTERM, ""), (143, "monitoring: terminated (SIGTERM)\n")]
