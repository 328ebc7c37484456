"""Generation at scale: time and peak memory stay proportional to the stack, not to its square.

1. 10,000 services, each with its generated dashboard (bench_generate's synthetic services): build the model,
   then generate everything into a temporary out/ as `monitoring generate` does (each file streamed to disk
   as it is rendered, in several processes: see monitoring.output.workers; MONITORING_WORKERS=1 for one).
   Targets: generate <= 10 s, peak RSS <= 400 MB, in this process and in each worker. Then the same stack
   as a whole `monitoring generate` in a project of its own, start-up to exit, against the same targets.
2. SLO dashboards at 5,000, 10,000 and 20,000 SLOs (bench_slo's synthetic SLOs, four per service), each
   size in a fresh process: the time per SLO must stay flat (within 1.5x of the smallest size).
   `slos_by_service` alone was quadratic: 38 s at 20,000 SLOs.

Run: [BENCH_TMP=/dev/shm] .venv/bin/python benchmarks/bench_scale.py [--services N] [--slos 5000,10000,20000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SERVICES_SECONDS, SERVICES_MB = 10.0, 400.0
TMP = os.environ.get("BENCH_TMP")  # where out/ is written; file creation dominates on a busy disk
LINEAR_SLACK = 1.5


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def services_run(services: int) -> dict[str, float]:
    """Build the model and stream every file of out/ to disk; the phases' seconds and the peak RSS."""
    from bench_generate import synthetic_stack

    from monitoring.output.emitters import GenerateContext, iter_files
    from monitoring.output.files import write_tree
    from monitoring.output.workers import worker_count

    started = time.perf_counter()
    stack = synthetic_stack(services, dashboards=True)
    built = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=TMP) as tmp:
        ctx = GenerateContext("bench")  # the workers write what they render, as in `monitoring generate`
        files = write_tree(iter_files(stack, ctx), Path(tmp) / "out", staged=ctx.write_into)
    written = time.perf_counter()
    rendered = sum(len(text) for _, text in iter_files(stack, GenerateContext("bench")))
    render_s = time.perf_counter() - written
    # The rendering workers (see monitoring.output.workers) are children: RUSAGE_CHILDREN gives the largest one's
    # peak. Their RSS counts the pages they share with this process (the model, inherited by fork) as well.
    return {"model_s": built - started, "generate_s": written - built, "render_s": render_s, "files": files,
            "mb": rendered / 1e6, "peak_mb": _peak_mb(), "workers_peak_mb": _peak_mb(resource.RUSAGE_CHILDREN),
            "workers": worker_count(len(stack.services) + len(stack.slos))}


def whole_run(services: int) -> dict[str, float]:
    """`monitoring generate` of the same stack as a user runs it, in a project of its own: the interpreter, the
    imports, the model, rendering and writing, the manifest and the record of inputs; wall time and the peak RSS
    of the largest process (the command and its rendering workers are children here)."""
    with tempfile.TemporaryDirectory(dir=TMP) as tmp:
        project = Path(tmp)
        (project / "pyproject.toml").write_text('[tool.monitoring]\nstack = "benchstack:stack"\n')
        (project / "benchstack.py").write_text("from bench_generate import synthetic_stack\n\n"
                                               f"stack = synthetic_stack({services}, dashboards=True)\n")
        env = {**os.environ, "PYTHONPATH": str(HERE)}
        started = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "monitoring"), "generate"], cwd=project, env=env,
                       capture_output=True, check=True)
        return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(resource.RUSAGE_CHILDREN)}


def slo_dashboards_run(slos: int) -> dict[str, float]:
    """Render every SLO dashboard of a stack with `slos` SLOs (serialised, not written)."""
    from bench_slo import synthetic_stack

    from monitoring.grafana import dashboards
    from monitoring.model.dashboards import DashboardSettings
    from monitoring.output.files import to_json

    stack = synthetic_stack(slos).model_copy(
        update={"dashboard_settings": DashboardSettings(service_dashboards=False)})
    started = time.perf_counter()
    count = sum(1 for rendered in dashboards.render(stack) if to_json(rendered.data))
    seconds = time.perf_counter() - started
    return {"slos": slos, "dashboards": count, "seconds": seconds, "peak_mb": _peak_mb()}


def _child(kind: str, size: int) -> dict[str, float]:
    """One measurement in a fresh process, so that peak memory is its own."""
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(size)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--slos", default="5000,10000,20000")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, size = args.child[0], int(args.child[1])
        runs = {"services": services_run, "whole": whole_run, "slos": slo_dashboards_run}
        print(json.dumps(runs[kind](size)))
        return 0

    run = _child("services", args.services)
    print(f"{args.services} services with dashboards: model {run['model_s']:.2f} s; generate (render + write, "
          f"streamed) {run['generate_s']:.2f} s for {run['files']:.0f} files ({run['mb']:.0f} MB), of which "
          f"render {run['render_s']:.2f} s in {run['workers']:.0f} process(es); peak RSS {run['peak_mb']:.0f} MB "
          f"here, {run['workers_peak_mb']:.0f} MB in the largest worker (pages shared with this one included) "
          f"(targets: generate <= {SERVICES_SECONDS:.0f} s, <= {SERVICES_MB:.0f} MB each)")
    ok = run["generate_s"] <= SERVICES_SECONDS and max(run["peak_mb"], run["workers_peak_mb"]) <= SERVICES_MB
    whole = _child("whole", args.services)
    print(f"the same as a whole `monitoring generate` (start-up, imports, model, render, write, manifest): "
          f"{whole['seconds']:.2f} s, peak RSS {whole['peak_mb']:.0f} MB in its largest process "
          f"(targets: <= {SERVICES_SECONDS:.0f} s, <= {SERVICES_MB:.0f} MB)")
    ok = ok and whole["seconds"] <= SERVICES_SECONDS and whole["peak_mb"] <= SERVICES_MB

    sizes = [int(size) for size in args.slos.split(",")]
    per_slo = []
    for size in sizes:
        slo_run = _child("slos", size)
        per_slo.append(slo_run["seconds"] / size)
        print(f"{size} SLOs: {slo_run['dashboards']:.0f} SLO dashboards in {slo_run['seconds']:.2f} s "
              f"({per_slo[-1] * 1e6:.0f} us per SLO), peak RSS {slo_run['peak_mb']:.0f} MB")
    # Growth against the smallest size: a larger stack may cost less per SLO (start-up spread thinner), never
    # much more.
    growth = max(per_slo) / per_slo[0]
    print(f"time per SLO, the most against the smallest size's: {growth:.2f}x (linear: <= {LINEAR_SLACK}x)")
    ok = ok and growth <= LINEAR_SLACK
    print("PASS" if ok else "FAIL: over target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
