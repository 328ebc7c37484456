"""Generate a synthetic stack of 1,000 services (5 alerts and a scrape job each) and time it.

Targets: render + write <= 1.5 s, peak RSS <= 300 MB. Also times `promtool check rules` on the same files.
Run: .venv/bin/python benchmarks/bench_generate.py [--services N]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monitoring import (
    Alert,
    Counter,
    Histogram,
    Receiver,
    Route,
    Routing,
    RuleGroup,
    ScrapeJob,
    Service,
    Stack,
    StaticConfig,
    Webhook,
)
from monitoring.generate import EMITTERS, GenerateContext, render_files
from monitoring.output import write_tree


def synthetic_service(i: int) -> Service:
    name = f"svc{i:04d}"
    requests, latency = f"{name.replace('-', '_')}_requests_total", f"{name}_request_duration_seconds"
    alerts = (
        Alert(name=f"Svc{i:04d}HighErrorRate", severity="critical", for_="2m",
              expr=f'sum by (job) (rate({requests}{{code=~"5.."}}[5m])) / sum by (job) (rate({requests}[5m])) > 0.05',
              summary="High error rate.", description="{{ $value | humanizePercentage }} errors on {{ $labels.job }}."),
        Alert(name=f"Svc{i:04d}HighLatency", severity="warning", for_="5m",
              expr=f"histogram_quantile(0.95, sum by (le, job) (rate({latency}_bucket[5m]))) > 1",
              summary="High latency.", description="p95 is {{ $value }}s."),
        Alert(name=f"Svc{i:04d}Down", severity="critical", for_="1m", expr=f'up{{job="{name}"}} == 0',
              summary="Target down.", description="{{ $labels.instance }} is down."),
        Alert(name=f"Svc{i:04d}Absent", severity="critical", for_="5m", expr=f'absent(up{{job="{name}"}})',
              summary="No targets.", description="No target for the job."),
        Alert(name=f"Svc{i:04d}NoTraffic", severity="info", for_="15m", expr=f"sum(rate({requests}[5m])) == 0",
              summary="No traffic.", description="No requests for 15 minutes."),
    )
    return Service(
        name=name,
        metrics=(Counter(name=requests, help="Requests.", labels=("code",)),
                 Histogram(name=latency, unit="seconds", help="Latency.", buckets=(0.1, 0.5, 1, 5))),
        scrape_jobs=(ScrapeJob(name=name, static_configs=(StaticConfig(targets=(f"{name}:8080",)),)),),
        rule_groups=(RuleGroup(name=f"{name}.alerts", rules=alerts),),
    )


def synthetic_stack(services: int) -> Stack:
    return Stack(
        name="bench",
        services=tuple(synthetic_service(i) for i in range(services)),
        routing=Routing(route=Route(receiver="default"),
                        receivers=(Receiver(name="default", webhooks=(Webhook(url="http://hook:9/"),)),)),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=1000)
    args = parser.parse_args()

    started = time.perf_counter()
    stack = synthetic_stack(args.services)
    model_s = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        ctx = GenerateContext("bench")
        started = time.perf_counter()
        files = render_files(stack, ctx)
        render_s = time.perf_counter() - started
        write_tree(files, out)
        generate_s = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        per_emitter = {}
        for emit in EMITTERS:
            started = time.perf_counter()
            emitted = emit(stack, ctx)
            per_emitter[emit.__name__] = (len(emitted), time.perf_counter() - started)

        rule_files = sorted((out / "prometheus/rules").glob("*.yml"))
        promtool = shutil.which("promtool")
        promtool_s = None
        if promtool:
            started = time.perf_counter()
            proc = subprocess.run([promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, rule_files)],
                                  capture_output=True, check=False)
            promtool_s = time.perf_counter() - started
            if proc.returncode != 0:
                print(proc.stdout.decode()[-2000:], proc.stderr.decode()[-2000:], file=sys.stderr)
                return 1

    print(f"services: {args.services}, alerts: {args.services * 5}, files: {len(files)}")
    print(f"build model (validate, cross-check): {model_s:.3f} s")
    print(f"render + write: {generate_s:.3f} s (target <= 1.5 s): render {render_s:.3f} s, "
          f"write {generate_s - render_s:.3f} s")
    for name, (count, seconds) in per_emitter.items():
        print(f"  {name}: {count} files, {seconds:.3f} s")
    print(f"peak RSS: {peak_mb:.0f} MB (target <= 300 MB)")
    if promtool_s is None:
        print("promtool check rules: promtool not on PATH")
    else:
        print(f"promtool check rules on {len(rule_files)} files: {promtool_s:.3f} s "
              f"({promtool_s / generate_s:.1f}x render + write)")
    ok = generate_s <= 1.5 and peak_mb <= 300
    print("PASS" if ok else "FAIL: over target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
