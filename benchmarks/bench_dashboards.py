"""Time the dashboards of a synthetic stack: render (grafanalib + normalise), serialise, and lint.

One service dashboard per service (a counter and a histogram each). Targets per dashboard: render +
serialise <= 4 ms, lint (every schema and structural check) <= 3 ms.
Run: .venv/bin/python benchmarks/bench_dashboards.py [--services N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_generate import synthetic_stack

from monitoring.checks.dashboards import lint
from monitoring.checks.lint import DashboardDocument
from monitoring.grafana import dashboards
from monitoring.output.files import to_json


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=300)
    args = parser.parse_args()
    stack = synthetic_stack(args.services)

    started = time.perf_counter()
    rendered = list(dashboards.render(stack))
    texts = [to_json(d.data) for d in rendered]
    render_s = time.perf_counter() - started

    started = time.perf_counter()
    problems = lint(stack, [DashboardDocument(d.uid, d.data) for d in rendered])
    lint_s = time.perf_counter() - started

    count = len(rendered)
    render_ms, lint_ms = render_s * 1000 / count, lint_s * 1000 / count
    print(f"dashboards: {count}, panels: {sum(len(d.data['panels']) for d in rendered)}, "
          f"JSON: {sum(map(len, texts)) / 1e6:.1f} MB")
    print(f"render + serialise: {render_s:.3f} s, {render_ms:.2f} ms per dashboard (target <= 4 ms)")
    print(f"lint: {lint_s:.3f} s, {lint_ms:.2f} ms per dashboard (target <= 3 ms)")
    if problems:
        print(f"FAIL: {len(problems)} problems, first: {problems[0].line()}")
        return 1
    ok = render_ms <= 4 and lint_ms <= 3
    print("PASS" if ok else "FAIL: over target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
