"""Time and size of parsing one huge alert expression: an `or` of N selectors, checked as a rule expression.

The native parser alone is quadratic here (its Python objects copy every subtree: 800 operands take 160 MB);
monitoring.promql splits long top-level chains, so the cost stays linear.
Target for 2,000 selectors: under 0.5 s and under 100 MB of resident memory for the whole process.
Run: .venv/bin/python benchmarks/bench_promql.py [--selectors N]
"""

from __future__ import annotations

import argparse
import resource
import time

from monitoring import promql


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--selectors", type=int, default=2000)
    args = parser.parse_args()
    expr = " or ".join(f'app_requests_total{{job="job{i}", code=~"5.."}}' for i in range(args.selectors))

    started = time.perf_counter()
    promql.check_instant(expr)
    metrics = promql.selected_metrics(expr)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"or of {args.selectors} selectors ({len(expr)} characters): parsed and typed in {elapsed:.3f} s, "
          f"peak resident {peak_mb:.0f} MB, {len(metrics)} metric(s)")
    ok = elapsed < 0.5 and peak_mb < 100
    print("within target" if ok else "OVER TARGET (0.5 s, 100 MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
