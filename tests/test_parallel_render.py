"""Rendering in several processes gives what one process gives: the same files, bytes, order, warnings,
origins and manifest; and its failures are those of one process, plus a clear one for a worker that dies."""

from __future__ import annotations

import importlib.util
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import monitoring
from monitoring import api, inputs
from monitoring.checks import context
from monitoring.cli import main
from monitoring.errors import DefinitionError, RenderProcessError, UsageError
from monitoring.grafana import dashboards as grafana_dashboards
from monitoring.model.stack import Stack
from monitoring.output import emitters, workers
from monitoring.output.emitters import GenerateContext, iter_files
from monitoring.output.files import Previous, Written, read_tree, write_staged
from monitoring.output.manifest import Manifest, signature
from monitoring.project import Project
from monitoring.render import rules

ROOT = Path(__file__).resolve().parent.parent


def _benchmark(name: str) -> ModuleType:
    """A module of benchmarks/ (not a package): its synthetic stacks are the large stacks parallelism is for."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        sys.path.insert(0, str(ROOT / "benchmarks"))  # a benchmark imports its siblings
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _slo_stack() -> Stack:
    return _benchmark("bench_slo").synthetic_stack(48)  # type: ignore[no-any-return]


def _service_stack() -> Stack:
    return _benchmark("bench_generate").synthetic_stack(40, dashboards=True)  # type: ignore[no-any-return]


def _repository_stack() -> Stack:
    return Project.find(ROOT).load_stack()


def _kubernetes_stack() -> Stack:
    from tests.stacks.kubernetes import stack

    return stack


STACKS: dict[str, Callable[[], Stack]] = {"slos": _slo_stack, "services": _service_stack,
                                          "repository": _repository_stack, "kubernetes": _kubernetes_stack}


class _CountingPool(workers.Pool):
    started: list[int] = []

    def __init__(self, count: int, *args: Any) -> None:
        _CountingPool.started.append(count)
        super().__init__(count, *args)


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The worker counts of the pools iter_files starts (none: it rendered in this process)."""
    _CountingPool.started = []
    monkeypatch.setattr(emitters, "Pool", _CountingPool)
    return _CountingPool.started


# files, warnings, origins, what the manifest tells the checks
Rendered = tuple[list[tuple[str, str]], list[str], list[tuple[str, str]], dict[str, Any] | None]


def _render(stack: Stack, project: Project | None = None) -> Rendered:
    ctx = GenerateContext("tests.parallel:stack", project)
    files = list(iter_files(stack, ctx))
    return files, ctx.warnings, list(ctx.origins.items()), ctx.checks


@pytest.mark.parametrize("name", sorted(STACKS))
def test_several_processes_render_the_same_files_in_the_same_order(
        name: str, monkeypatch: pytest.MonkeyPatch, pools: list[int]) -> None:
    stack = STACKS[name]()
    project = Project.find(ROOT) if name == "repository" else None  # with its hand-written dashboards
    monkeypatch.setenv(workers.WORKERS_VARIABLE, "1")
    serial = _render(stack, project)
    assert pools == []
    monkeypatch.setenv(workers.WORKERS_VARIABLE, "3")
    parallel = _render(stack, project)
    assert pools == [3]
    assert [path for path, _ in parallel[0]] == [path for path, _ in serial[0]]
    assert parallel == serial
    if name == "slos":
        assert serial[1], "the synthetic SLOs give warnings: their order is compared too"
    if name == "services":  # each has an alert no tests are generated for: the workers say why
        assert serial[3] is not None and len(serial[3][context.UNTESTED]) == len(stack.services)
    if name in ("repository", "kubernetes"):
        assert any(path.startswith("kubernetes/") for path, _ in serial[0])
    if name == "repository":
        assert any(origin.startswith("hand-written:") for _, origin in serial[2])


def _checked_in(record: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each SLO check and each SLO rendered leaves a line in record: (check|render) <pid> <slo>."""
    real_check, real_render = emitters.slo_late_checks, emitters.slo.render_text

    def check(stack: Stack, index: int) -> None:
        with record.open("a") as lines:
            lines.write(f"check {os.getpid()} {stack.slos[index].name}\n")
        real_check(stack, index)

    def render(stack: Stack, slo: Any, header: str) -> str:
        with record.open("a") as lines:
            lines.write(f"render {os.getpid()} {slo.name}\n")
        return real_render(stack, slo, header)

    monkeypatch.setattr(emitters, "slo_late_checks", check)
    monkeypatch.setattr(emitters.slo, "render_text", render)


def test_the_workers_check_each_slo_before_anything_renders_and_fail_as_one_process_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools: list[int]) -> None:
    """Stack.check()'s per-SLO part runs in the workers, all of it before any file renders; the problem raised
    is the first one Stack.check() finds in one process (the SLOs' in order, whichever worker finds one first)."""
    from monitoring import SLO
    from monitoring.model.slo import RatioSLI

    stack = _slo_stack()
    service = stack.slos[0].service
    metric = next(s for s in stack.services if s.name == service).metrics[0].name
    # The total selects nothing the errors do not: no test series can be planned for these two.
    unplannable = RatioSLI(errors=f'{metric}_count{{job=~".*"}}', total=f"{metric}_count")
    slos = list(stack.slos)
    for at in (30, 9):
        slos.insert(at, SLO(name=f"unplannable-{at}", service=service, objective="99", sli=unplannable))
    stack = stack.model_copy(update={"slos": tuple(slos)})  # made: only the check finds it
    with pytest.raises(DefinitionError) as serial:
        stack.check()
    assert "unplannable-9" in str(serial.value) and "no test series" in str(serial.value)

    record = tmp_path / "record"
    _checked_in(record, monkeypatch)
    monkeypatch.setenv(workers.WORKERS_VARIABLE, "2")
    with pytest.raises(DefinitionError) as parallel:
        _render(stack)
    assert pools == [2]
    assert str(parallel.value) == str(serial.value)
    lines = [line.split() for line in record.read_text().splitlines()]
    assert {pid for _, pid, _ in lines} - {str(os.getpid())}, "the workers check the SLOs"
    assert str(os.getpid()) not in {pid for _, pid, _ in lines}
    assert "unplannable-9" in {name for _, _, name in lines}
    assert [kind for kind, _, _ in lines if kind != "check"] == [], "nothing renders before the check passes"

    # Without a problem: every SLO checked once, each before any SLO renders.
    record.unlink()
    _render(_slo_stack())
    kinds = [kind for kind, _, _ in (line.split() for line in record.read_text().splitlines())]
    assert kinds.count("check") == len(_slo_stack().slos)
    assert kinds.index("render") == kinds.count("check")


def test_generate_writes_the_same_out_and_manifest_in_several_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools: list[int]) -> None:
    project = Project.find(ROOT)
    reports, trees = [], []
    for count in ("1", "2"):
        monkeypatch.setenv(workers.WORKERS_VARIABLE, count)
        out = tmp_path / f"out{count}"
        reports.append(monitoring.generate(project, out_dir=out, force=True))
        trees.append(read_tree(out) | {"manifest.json": (out / "manifest.json").read_text()})
    assert pools == [2]
    assert trees[0] == trees[1]
    assert (reports[0].files, reports[0].warnings) == (reports[1].files, reports[1].warnings)
    # And --check in several processes finds the serial output up to date.
    assert monitoring.generate(project, out_dir=tmp_path / "out1", check=True).ok


def test_several_processes_write_where_they_render_and_hand_on_the_same_manifest_and_signatures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers write their files into the staging directory themselves: what the parent records of each
    (its sha256 in the manifest, its signature for the next run's shortcut) is what one process records, and
    what is on disk."""
    log = tmp_path / "written.log"
    monkeypatch.setenv("PARALLEL_TEST_LOG", str(log))
    monkeypatch.setattr(emitters, "write_staged", _logged_write)
    project, parent = Project.find(ROOT), os.getpid()
    recorded = []
    for count in ("1", "2"):
        monkeypatch.setenv(workers.WORKERS_VARIABLE, count)
        out, signatures = tmp_path / f"out{count}", {}
        api._generate(project, project.stack, out, False, signatures)
        on_disk = {p.relative_to(out).as_posix(): signature(os.stat(p)) for p in out.rglob("*") if p.is_file()}
        assert signatures == on_disk
        recorded.append((read_tree(out), Manifest.read(out)))
    assert recorded[0] == recorded[1]
    writers = [line.split(" ", 1) for line in log.read_text().splitlines()]
    by_worker = {path for pid, path in writers if int(pid) != parent}
    assert by_worker and by_worker == {path for pid, path in writers if int(pid) == parent}
    assert not any(path.startswith("grafana/") for path in by_worker), "the Kubernetes output needs their text"
    # --check hashes in the workers too, and still sees a changed file.
    rules_file = next(iter(sorted(by_worker)))
    (tmp_path / "out1" / rules_file).write_text("changed\n")
    report = monitoring.generate(project, out_dir=tmp_path / "out1", check=True)
    assert report.stale == (f"changed {rules_file}",)


def _logged_write(staging: str, relative: str, text: str, made: set[str], previous: Previous | None) -> Written:
    with open(os.environ["PARALLEL_TEST_LOG"], "a") as log:
        log.write(f"{os.getpid()} {relative}\n")
    return write_staged(staging, relative, text, made, previous)


def test_the_default_is_one_process_for_a_small_stack_and_every_cpu_for_a_large_one() -> None:
    # In a process of one thread, as the command is (this test process may run others: pytest-xdist's).
    code = ("import os\nfrom monitoring.output import workers\nos.environ.pop(workers.WORKERS_VARIABLE, None)\n"
            "print(workers.worker_count(workers.PARALLEL_FROM - 1), workers.worker_count(workers.PARALLEL_FROM))")
    counts = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    cpus = len(os.sched_getaffinity(0))
    assert counts == ["1", str(cpus if workers.can_fork() else 1)]


def test_beside_other_threads_a_large_stack_renders_in_this_process_unless_told_otherwise(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(workers.WORKERS_VARIABLE, raising=False)
    done = threading.Event()
    other = threading.Thread(target=done.wait, daemon=True)
    other.start()
    try:
        assert workers.worker_count(10**6) == 1
        monkeypatch.setenv(workers.WORKERS_VARIABLE, "5")  # told: it forks, the caller's choice
        assert workers.worker_count(10**6) == (5 if workers.can_fork() else 1)
    finally:
        done.set()
        other.join()


def test_the_number_of_processes_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(workers.WORKERS_VARIABLE, "1")
    assert workers.worker_count(10**6) == 1
    monkeypatch.setenv(workers.WORKERS_VARIABLE, "5")
    assert workers.worker_count(1) == (5 if workers.can_fork() else 1)


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_wrong_worker_count_is_a_usage_error(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(workers.WORKERS_VARIABLE, value)
    with pytest.raises(UsageError, match=f"{workers.WORKERS_VARIABLE}="):
        workers.worker_count(1)


# Units for the pool's own tests: module-level functions, as the pool sends units by name.
def _whose(index: int) -> tuple[int, int]:
    return index, os.getpid()


def _logged(index: int) -> int:
    with open(os.environ["PARALLEL_TEST_LOG"], "a") as log:
        log.write(f"{index}\n")
    return index


def test_the_pool_answers_in_order_from_several_processes() -> None:
    with workers.Pool(3, lambda unit, index: unit(index)) as pool:
        answers = list(pool.map(_whose, 500))
    assert [index for index, _ in answers] == list(range(500))
    assert len({pid for _, pid in answers} - {os.getpid()}) >= 2


def test_the_pool_runs_a_bounded_way_ahead_of_its_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "log"
    monkeypatch.setenv("PARALLEL_TEST_LOG", str(log))
    with workers.Pool(2, lambda unit, index: unit(index)) as pool:
        answers = pool.map(_logged, 10_000)
        assert next(answers) == 0
        time.sleep(0.5)  # time enough to render everything, were the workers not held back
        done = len(log.read_text().splitlines())
        assert done <= 1 + workers.window(workers._MAX_CHUNK, 2)  # units are sent this far ahead at most
        assert list(answers) == list(range(1, 10_000))


def test_the_workers_start_when_the_map_is_made_before_it_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """So that this process renders something else meanwhile (prometheus.yml while the workers render rules)."""
    log = tmp_path / "log"
    monkeypatch.setenv("PARALLEL_TEST_LOG", str(log))
    with workers.Pool(2, lambda unit, index: unit(index)) as pool:
        answers = pool.map(_logged, 100)
        deadline = time.monotonic() + 30
        while not (log.exists() and log.read_text()):
            assert time.monotonic() < deadline, "no unit ran before the answers were read"
            time.sleep(0.01)
        assert list(answers) == list(range(100))


def _slow_last(index: int) -> int:
    _logged(index)
    if index == 7:
        time.sleep(0.5)  # the earlier map's last unit: the other worker goes on to the next map meanwhile
    return index


def _named(index: int) -> str:
    _logged(100 + index)
    return f"b{index}"


def test_the_workers_go_on_to_the_next_map_before_the_last_answers_of_the_one_before_are_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Maps made one after the other: the second's units go out once the first's have all gone out, not once
    its answers have all been read; each map still answers in its own order."""
    log = tmp_path / "log"
    monkeypatch.setenv("PARALLEL_TEST_LOG", str(log))
    with workers.Pool(2, lambda unit, index: unit(index)) as pool:
        first = pool.map(_slow_last, 8)
        second = pool.map(_named, 40)
        assert list(first) == list(range(8))
        ran = [int(line) for line in log.read_text().split()]
        assert any(unit >= 100 for unit in ran), "no unit of the second map ran while the first one's last did"
        assert list(second) == [f"b{index}" for index in range(40)]


def test_a_map_read_before_an_earlier_one_whose_units_cannot_go_out_fails_instead_of_waiting() -> None:
    """Units go out in the order of the maps, within a window ahead of each one's reader: a later map read
    while an earlier one is held back by its window is a bug of the caller, never a wait without end."""
    with workers.Pool(2, lambda unit, index: unit(index)) as pool:
        pool.map(_whose, 10_000)  # never read: held back once its window is out
        with pytest.raises(RuntimeError, match="never sent to a worker"):
            list(pool.map(_whose, 10))


def test_work_given_to_the_pool_meanwhile_runs_here_once_the_workers_hold_enough_to_do() -> None:
    """What this process does while the workers render (the manifest's checks context): at the first wait for
    an answer while each worker holds two full chunks of units or more (a map of few units is answered before
    such work would end: the workers would wait for this process), or at the close."""
    ran: list[int] = []
    with workers.Pool(2, lambda unit, index: unit(index)) as pool:
        pool.meanwhile(lambda: ran.append(os.getpid()))
        assert [index for index, _ in pool.map(_whose, 200)] == list(range(200))
        assert ran == []
        answers = pool.map(_whose, 10_000)
        assert ran == []
        assert next(answers)[0] == 0
        assert ran == [os.getpid()]
        assert [index for index, _ in answers] == list(range(1, 10_000))
    with workers.Pool(2, lambda unit, index: unit(index)) as pool:
        pool.meanwhile(lambda: ran.append(-1))
        assert len(list(pool.map(_whose, 200))) == 200
        assert ran == [os.getpid()]
    assert ran == [os.getpid(), -1]


def _failing(index: int) -> int:
    if index == 5:
        time.sleep(0.3)  # fails last in time, first in order
        raise ValueError("unit 5")
    if index == 40:
        raise ValueError("unit 40")
    return index


def test_the_first_failure_in_order_is_raised_after_every_result_before_it() -> None:
    got: list[int] = []
    with pytest.raises(ValueError, match="unit 5"), workers.Pool(2, lambda unit, index: unit(index)) as pool:
        for index in pool.map(_failing, 64):
            got.append(index)
    assert got == [0, 1, 2, 3, 4]


def test_units_with_keys_come_back_in_order() -> None:
    keys = [f"shape{i % 6}" if i % 7 else None for i in range(600)]
    with workers.Pool(2, lambda unit, index: unit(index)) as pool:
        assert [index for index, _ in pool.map(_whose, 600, keys)] == list(range(600))


class _FakeWorker:
    def __init__(self) -> None:
        self.sent: deque[list[int]] = deque()


def test_units_of_one_key_go_to_one_worker_when_that_keeps_both_busy() -> None:
    """The schedule alone, two workers of equal speed: each key's units go to one worker, but for the few an
    idle worker takes near the end; every unit is sent once, and never beyond the window ahead of the reader."""
    count, size = 600, 8
    keys = [f"shape{i % 6}" for i in range(count)]
    pair = [_FakeWorker(), _FakeWorker()]
    schedule = workers._Schedule(count, keys, size, workers.window(size, 2), pair)  # type: ignore[arg-type]
    taken: dict[int, _FakeWorker] = {}
    done: set[int] = set()
    while schedule.reader < count:
        for worker in pair:
            while len(worker.sent) < workers._AHEAD and (chunk := schedule.chunk_for(worker)):  # type: ignore[arg-type]
                assert not taken.keys() & set(chunk) and max(chunk) < schedule.reader + workers.window(size, 2)
                taken.update(dict.fromkeys(chunk, worker))
                worker.sent.append(chunk)
        for worker in pair:  # each finishes one chunk
            if worker.sent:
                done.update(worker.sent.popleft())
        while schedule.reader in done:
            schedule.reader += 1
    assert sorted(taken) == list(range(count))
    pairs = {(keys[index], id(worker)) for index, worker in taken.items()}
    assert len(pairs) <= 6 + 2
    assert {id(worker) for worker in taken.values()} == {id(worker) for worker in pair}


def _policy(index: int) -> int:
    return os.sched_getscheduler(0)


def test_workers_are_batch_processes_and_the_parent_is_not() -> None:
    """A worker the parent wakes with work must not take the parent's CPU (the parent would then send the other
    worker nothing until this one blocks): the workers run as SCHED_BATCH, which does not preempt on waking."""
    own = os.sched_getscheduler(0)
    with workers.Pool(2, lambda unit, index: unit(index)) as pool:
        assert set(pool.map(_policy, 8)) == {os.SCHED_BATCH}
    assert os.sched_getscheduler(0) == own


def test_only_the_last_map_is_sent_as_a_tail(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schedule shrinks the chunks of the last open map only (test_the_schedule_hands_out_units_as_its_rule_says
    covers how): an earlier map's last units are followed by the later map's, which keep the workers busy."""
    asked: list[tuple[str, bool]] = []
    chunk_for = workers._Schedule.chunk_for

    def recording(self: workers._Schedule, worker: Any, tail: bool = False) -> list[int]:
        asked.append(("_whose" if self.count == 600 else "_square", tail))
        return chunk_for(self, worker, tail)

    monkeypatch.setattr(workers._Schedule, "chunk_for", recording)
    with workers.Pool(2, lambda unit, index: unit(index)) as pool:
        first, last = pool.map(_whose, 600), pool.map(_square, 500)
        assert [index for index, _ in first] == list(range(600))
        assert list(last) == [index * index for index in range(500)]
    since = next(i for i, (name, _) in enumerate(asked) if name == "_square")
    assert all(tail for name, tail in asked if name == "_square")
    assert not any(tail for name, tail in asked[since:] if name == "_whose")
    assert any(name == "_whose" for name, _ in asked[since:])


def _square(index: int) -> int:
    return index * index


def _chunk_as_specified(schedule: workers._Schedule, keys: list[object] | None, worker: _FakeWorker,
                        sent: bytearray, owned: set[object], tail: bool) -> list[int]:
    """The schedule's rule, written plainly: the first `size` unsent units within the window ahead of the reader
    that are the worker's (or have no key); none while it has work; else, idle, those of the earliest unit's key.
    In the last map's tail, `size` is at most a quarter of the units left (rounded up), for two workers."""
    end = min(schedule.reader + schedule.window, schedule.count)
    waiting = [i for i in range(end) if not sent[i]]
    if keys is not None and waiting:
        mine = [i for i in waiting if keys[i] is None or keys[i] in owned]
        if not mine and worker.sent:
            return []
        waiting = mine or [i for i in waiting if keys[i] == keys[waiting[0]]]
    left = schedule.count - sum(sent)
    return waiting[:min(schedule.size, math.ceil(left / 4)) if tail else schedule.size]


def test_an_idle_worker_takes_another_key_and_keeps_it() -> None:
    """Given its own units only, an idle worker takes the earliest unit's key and goes on with it: its next chunk,
    while it still holds the first, is of that key too; the other worker keeps its own key's units."""
    pair = [_FakeWorker(), _FakeWorker()]
    keys = ["b"] * 12 + ["a"] * 2  # b, the more frequent, goes to one worker and a to the other
    schedule = workers._Schedule(len(keys), keys, 2, 100, pair)  # type: ignore[arg-type]

    def ask(worker: _FakeWorker) -> list[int]:
        chunk = schedule.chunk_for(worker)  # type: ignore[arg-type]
        if chunk:
            worker.sent.append(chunk)
        return chunk

    with_b, with_a = pair  # the most frequent key goes first, to the first of the workers with the fewest units
    assert ask(with_b) == [0, 1]
    assert ask(with_a) == [12, 13]
    assert ask(with_a) == []  # it holds a's units: it waits rather than take b's
    with_a.sent.popleft()  # done with them: idle
    assert ask(with_a) == [2, 3]  # the earliest unit's key, b
    assert ask(with_a) == [4, 5]  # b is its key now, though it holds a chunk
    assert ask(with_b) == [6, 7]


@settings(max_examples=200, deadline=None)
@given(count=st.integers(1, 120), size=st.integers(1, 9), keyed=st.booleans(),
       keys=st.lists(st.sampled_from(["a", "b", "c", None]), min_size=120, max_size=120),
       steps=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3)), min_size=1, max_size=80), tail=st.booleans())
def test_the_schedule_hands_out_units_as_its_rule_says(count: int, size: int, keyed: bool, keys: list[object],
                                                        steps: list[tuple[int, int]], tail: bool) -> None:
    """Whatever the order in which two workers ask, finish chunks and the reader moves on, each chunk is the one
    the rule gives (the schedule stops looking once a chunk is full), in the last map too."""
    pair = [_FakeWorker(), _FakeWorker()]
    unit_keys = keys[:count] if keyed else None
    schedule = workers._Schedule(count, unit_keys, size, workers.window(size, 2) // 4, pair)  # type: ignore[arg-type]
    sent = bytearray(count)
    # Which keys each worker was given (the schedule numbers them in the order they first come).
    numbered = {key: number for number, key in enumerate(dict.fromkeys(k for k in unit_keys or () if k is not None))}
    owned = {id(worker): {key for key, number in numbered.items() if number in schedule.own[worker]}  # type: ignore[index]
             for worker in pair}
    done: set[int] = set()
    for who, action in steps:
        worker = pair[who]
        if action <= 1:  # it asks for a chunk
            expected = _chunk_as_specified(schedule, unit_keys, worker, sent, owned[id(worker)], tail)
            chunk = schedule.chunk_for(worker, tail)  # type: ignore[arg-type]
            assert chunk == expected
            for index in chunk:
                sent[index] = 1
                if unit_keys is not None:
                    owned[id(worker)].add(unit_keys[index])
            if chunk:
                worker.sent.append(chunk)
        elif action == 2 and worker.sent:  # it finishes its oldest chunk
            done.update(worker.sent.popleft())
        while schedule.reader in done:  # the reader takes what is done, in order
            schedule.reader += 1
    assert sent == schedule.sent


@pytest.fixture
def out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """out/ generated once from this repository's stack; the tests then make the second run fail."""
    out = tmp_path / "out"
    monkeypatch.setenv(workers.WORKERS_VARIABLE, "2")
    assert main(["generate", "--out", str(out), "--force"], project=Project.find(ROOT)) == 0
    return out


def _fail_in_workers(monkeypatch: pytest.MonkeyPatch, failure: Callable[[], None]) -> None:
    """Make the service rules fail, in a worker only (the parent keeps its own copy of the function)."""
    parent, render = os.getpid(), rules.render

    def failing(stack: Stack, service: object) -> object:
        if os.getpid() != parent:
            failure()
        return render(stack, service)  # type: ignore[arg-type]

    monkeypatch.setattr(rules, "render", failing)


def _left_as_it_was(out: Path, before: dict[str, str]) -> None:
    assert read_tree(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"], "no staging directory is left behind"


def test_a_definition_error_in_a_worker_is_one_line_and_exit_2(
        out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    before = read_tree(out)

    def wrong() -> None:
        raise DefinitionError("rule_groups: a late problem", definition="service 'mcp-server'", where="here.py:3")

    _fail_in_workers(monkeypatch, wrong)
    capsys.readouterr()
    assert main(["generate", "--out", str(out), "--force"], project=Project.find(ROOT)) == 2
    err = capsys.readouterr().err
    assert err == "monitoring: error: service 'mcp-server' (here.py:3): rule_groups: a late problem\n"
    _left_as_it_was(out, before)


def test_an_internal_error_in_a_worker_keeps_its_type_and_the_worker_traceback(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = read_tree(out)

    def broken() -> None:
        raise ZeroDivisionError("an invariant broke")

    _fail_in_workers(monkeypatch, broken)
    with pytest.raises(ZeroDivisionError, match="an invariant broke") as raised:
        monitoring.generate(Project.find(ROOT), out_dir=out, force=True)
    cause = str(raised.value.__cause__)
    assert "Traceback (most recent call last)" in cause and "in broken" in cause and "in failing" in cause
    _left_as_it_was(out, before)


def test_a_worker_killed_stops_generate_with_a_clear_error_and_out_untouched(
        out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    before = read_tree(out)
    _fail_in_workers(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(RenderProcessError, match=r"worker process \d+ was killed by SIGKILL \(out of memory\?\)"):
        monitoring.generate(Project.find(ROOT), out_dir=out, force=True)
    _left_as_it_was(out, before)
    capsys.readouterr()
    assert main(["generate", "--out", str(out), "--force"], project=Project.find(ROOT)) == 1
    assert capsys.readouterr().err.count("\n") == 1
    _left_as_it_was(out, before)


def test_a_worker_killed_by_a_signal_python_has_no_name_for_is_still_one_clear_line(
        out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The real-time signals past SIGRTMIN are numbers to Python's signal.Signals (SIGRTMIN+6 is 40 on Linux)."""
    before, number = read_tree(out), signal.SIGRTMIN + 6
    _fail_in_workers(monkeypatch, lambda: os.kill(os.getpid(), number))
    capsys.readouterr()
    assert main(["generate", "--out", str(out), "--force"], project=Project.find(ROOT)) == 1
    assert re.fullmatch(rf"monitoring: error: rendering stopped: worker process \d+ was killed by signal {number} "
                        r"before it finished\n", capsys.readouterr().err)
    _left_as_it_was(out, before)


def test_a_worker_killed_after_writing_files_leaves_out_untouched(
        out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before, parent, render = read_tree(out), os.getpid(), grafana_dashboards.render_json
    log = out.parent / "written.log"
    monkeypatch.setenv("PARALLEL_TEST_LOG", str(log))
    monkeypatch.setattr(emitters, "write_staged", _logged_write)

    def killed(*args: Any) -> Any:
        if os.getpid() != parent:  # the dashboards come after the rules and tests the workers wrote
            os.kill(os.getpid(), signal.SIGKILL)
        return render(*args)

    monkeypatch.setattr(grafana_dashboards, "render_json", killed)
    with pytest.raises(RenderProcessError, match="was killed by SIGKILL"):
        monitoring.generate(Project.find(ROOT), out_dir=out, force=True)
    assert any(int(line.split()[0]) != parent for line in log.read_text().splitlines())
    log.unlink()
    _left_as_it_was(out, before)


def test_a_file_system_error_in_a_worker_names_the_path_and_leaves_out_untouched(
        out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A file where the workers need a directory in the staging directory: the error of the open() in a worker
    is the one-line error a write in this process gives."""
    before, write_into = read_tree(out), GenerateContext.write_into

    def blocked(ctx: GenerateContext, staging: Path) -> None:
        (staging / "prometheus").mkdir()
        (staging / "prometheus" / "rules").write_text("not a directory\n")
        write_into(ctx, staging)
        ctx.replacing(None)  # every file written, none kept from out/ as it is: a worker's write meets the file

    monkeypatch.setattr(GenerateContext, "write_into", blocked)
    capsys.readouterr()
    assert main(["generate", "--out", str(out), "--force"], project=Project.find(ROOT)) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(rf"monitoring: error: cannot write the output to {re.escape(str(out))}: Not a directory "
                        rf"\({re.escape(str(out))}\.\w+\.new/prometheus/rules/[\w.-]+\.rules\.yml\)\n", err), err
    _left_as_it_was(out, before)


def test_what_a_worker_reads_is_recorded_by_generate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Renderers read nothing; were one to (a module imported late, a data file), generate's record of its inputs
    (monitoring.inputs), which decides whether a later run may skip rendering, would still see it."""
    data, module = tmp_path / "data.txt", tmp_path / "worker_only_module.py"
    data.write_text("1\n")
    module.write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(workers.WORKERS_VARIABLE, "2")
    parent, render = os.getpid(), rules.render

    def reading(stack: Stack, service: object) -> object:
        if os.getpid() != parent:
            data.read_text()
            importlib.import_module("worker_only_module")
            os.environ.get("WORKER_ONLY_VARIABLE")
        return render(stack, service)  # type: ignore[arg-type]

    monkeypatch.setattr(rules, "render", reading)
    with inputs.record(tmp_path, tmp_path / "out", {}, True) as recording:
        list(iter_files(_service_stack(), GenerateContext("tests")))
    assert "worker_only_module" not in sys.modules  # imported in the workers alone
    assert {str(data), str(module)} <= set(recording.opened)
    assert "WORKER_ONLY_VARIABLE" in recording.env_names


def test_a_second_run_after_a_parallel_one_does_not_import_the_stack(tmp_path: Path) -> None:
    from tests.test_generate_unchanged import settled, write

    project = tmp_path / "project"
    project.mkdir()
    write(project / "pyproject.toml", '[tool.monitoring]\nstack = "counted:stack"\n')
    write(project / "counted.py", "from pathlib import Path\n\nfrom tests.stacks.example import stack\n\n"
                                  "with open(Path(__file__).parents[1] / 'imports.log', 'a') as log:\n"
                                  "    log.write('imported\\n')\n")
    env = {**os.environ, workers.WORKERS_VARIABLE: "2", "PYTHONPATH": str(ROOT)}
    settled()
    said = [subprocess.run([sys.executable, "-m", "monitoring", "generate"], cwd=project, env=env, text=True,
                           capture_output=True, check=True).stdout for _ in range(2)]
    assert said[0].startswith("wrote ") and "nothing written" in said[1]
    assert (tmp_path / "imports.log").read_text() == "imported\n"


SLOW_STACK = """
import time

from monitoring.render import rules
from tests.stacks.example import stack

render = rules.render


def slow(stack, service):
    time.sleep(60)  # the workers are still rendering when the parent is killed
    return render(stack, service)


rules.render = slow
"""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.add(int(entry.name))
    return found


# How generate is stopped -> what it says and its exit status (None: killed, it says nothing).
STOPPED = {"kill -9": None, "Ctrl-C": (130, "monitoring: interrupted\n"),
           "SIGTERM": (143, "monitoring: terminated (SIGTERM)\n"),  # a CI runner's timeout, a service manager
           "SIGTERM to the group": (143, "monitoring: terminated (SIGTERM)\n"),  # a container's stop
           "SIGHUP": (129, "monitoring: terminated (SIGHUP)\n")}  # the terminal closed


@pytest.mark.skipif(not workers.can_fork(), reason="workers are forked on Linux only")
@pytest.mark.parametrize("how", sorted(STOPPED))
def test_workers_end_with_generate_when_it_is_stopped(how: str, tmp_path: Path) -> None:
    """Stopped by a signal it can handle, generate ends as on Ctrl-C: one line and 128 + the signal's number,
    its workers ended and waited for (not even a zombie is left), no staging directory beside out/."""
    (tmp_path / "slowstack.py").write_text(textwrap.dedent(SLOW_STACK))
    env = {**os.environ, workers.WORKERS_VARIABLE: "2", "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
    # As a terminal's foreground job: Ctrl-C and SIGHUP at their default, even where these tests run with them
    # ignored (a job started in the background by a shell ignores Ctrl-C, one started under nohup SIGHUP, and the
    # command then leaves them ignored, as tests/test_command_exit.py pins).
    proc = subprocess.Popen([sys.executable, "-m", "monitoring", "generate", "--stack", "slowstack:stack",
                             "--out", str(tmp_path / "out")], cwd=tmp_path, env=env, start_new_session=True,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_as_a_terminals_job)
    try:
        deadline = time.monotonic() + 60
        while len(children := _children(proc.pid)) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        if how == "kill -9":
            proc.kill()
        elif how == "SIGTERM":
            proc.terminate()
        else:  # a terminal sends SIGINT and SIGHUP to the whole foreground process group
            os.killpg(proc.pid, {"Ctrl-C": signal.SIGINT, "SIGHUP": signal.SIGHUP}.get(how, signal.SIGTERM))
        _, err = proc.communicate(timeout=30)
        deadline = time.monotonic() + 30
        while alive := {pid for pid in children if Path(f"/proc/{pid}").exists() and not _zombie(pid)}:
            assert time.monotonic() < deadline, f"workers {alive} outlived their parent"
            time.sleep(0.05)
    finally:
        proc.kill()
    if STOPPED[how] is not None:
        assert (proc.returncode, err) == STOPPED[how]
        assert not {pid for pid in children if Path(f"/proc/{pid}").exists()}, "a worker was not waited for"
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out")] == [], "a staging directory is left"
    assert not (tmp_path / "out").exists()


def _as_a_terminals_job() -> None:
    for number in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


def _zombie(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True
