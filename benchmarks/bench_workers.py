"""How much slower a render unit runs beside another on this machine: the parallelism `generate` can get here.

The SLO rule and test files of the 1,000-SLO stack (bench_slo) are rendered by one forked process alone, then
by two forked processes at once (each renders all of them, from the same checked stack, as generate's workers
start), in turns; the best of each is kept. Where the two CPUs are whole cores, a process of the pair takes what
one alone takes (ratio 1.0) and two workers halve the render; where they share a core or the host's time, more.
A forked process alone takes what this process would: forking itself costs nothing measurable per unit.
Run: .venv/bin/python benchmarks/bench_workers.py [--slos N] [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_slo import synthetic_stack

from monitoring.slo import promtool_tests, rules


def _render(stack: object) -> None:
    for slo in stack.slos:  # type: ignore[attr-defined]
        rules.render_text(stack, slo, "")  # type: ignore[arg-type]
        promtool_tests.render_text(stack, slo, "")  # type: ignore[arg-type]


def _forked(stack: object, count: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each of `count` forked processes that render the files at the same moment."""
    start_read, start_write = os.pipe()
    answers = []
    for _ in range(count):
        read, write = os.pipe()
        if os.fork() == 0:
            os.close(read)
            os.read(start_read, 1)  # all start together
            wall, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
            _render(stack)
            used = resource.getrusage(resource.RUSAGE_SELF)
            spent = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
            os.write(write, f"{time.perf_counter() - wall} {spent}".encode())
            os._exit(0)
        os.close(write)
        answers.append(read)
    os.write(start_write, b"x" * count)
    found = []
    for read in answers:
        wall, cpu = os.read(read, 100).split()
        found.append((float(wall), float(cpu)))
        os.close(read)
    for _ in answers:
        os.wait()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    gc.disable()  # as generate renders
    stack = synthetic_stack(args.slos)
    stack.check()
    alone, paired = [], []
    for _ in range(args.repeat):
        alone.append(_forked(stack, 1)[0])
        paired.append(max(_forked(stack, 2), key=lambda found: found[1]))
    one_wall, one_cpu = min(alone)
    two_wall, two_cpu = min(paired)
    print(f"render {args.slos} SLOs' rule and test files: one process alone {one_wall:.2f} s wall, {one_cpu:.2f} s "
          f"CPU; each of two at once {two_wall:.2f} s wall, {two_cpu:.2f} s CPU")
    print(f"  a unit beside another costs {two_cpu / one_cpu:.2f}x its CPU alone; two workers render "
          f"{2 * one_wall / two_wall:.2f}x as much per second as one")


if __name__ == "__main__":
    main()
