"""CPU time of each phase of generating the 1,000-SLO stack of bench_slo, in one process and without writing:
building the model, Stack.check, the checks' context, then each emitter (the SLO rules, the promtool tests, the
dashboards). Each phase runs once, as in a generation (every cache cold), with the cyclic collector off as
generate has it. Compare two versions of the code in the same conditions, alternately.
Run: .venv/bin/python benchmarks/bench_slo_phases.py [--slos N]
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Mapping

from bench_slo import synthetic_stack

from monitoring.checks import context
from monitoring.output import emitters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slos", type=int, default=1000)
    args = parser.parse_args()
    gc.disable()
    phases: dict[str, float] = {}
    started = time.process_time()
    stack = synthetic_stack(args.slos)
    phases["model"] = time.process_time() - started
    started = time.process_time()
    stack.check()
    phases["check"] = time.process_time() - started
    started = time.process_time()
    ctx = emitters.GenerateContext("benchstack:stack")
    ctx.checks = context.of(stack)
    phases["context"] = time.process_time() - started
    for emit in emitters.EMITTERS:
        started = time.process_time()
        emitted = emit(stack, ctx)
        files = dict(emitted.items() if isinstance(emitted, Mapping) else emitted)
        phases[emit.__name__.removeprefix("emit_")] = time.process_time() - started
        del files
    render = sum(seconds for name, seconds in phases.items() if name not in ("model", "check", "context"))
    print(" ".join(f"{name} {seconds:.3f}" for name, seconds in phases.items() if seconds >= 0.0005)
          + f"; render {render:.3f} s CPU (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
