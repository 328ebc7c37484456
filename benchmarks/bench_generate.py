"""Generate a synthetic stack of 1,000 services (5 alerts and a scrape job each) and time it.

Targets: render + write of the Prometheus and Alertmanager output <= 1.5 s, peak RSS <= 300 MB. Also reports
the whole generation with one generated dashboard per service, and `promtool check rules` on the rule files.
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
    DashboardSettings,
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
from monitoring.output.emitters import EMITTERS, GenerateContext, render_files
from monitoring.output.files import write_tree


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


def synthetic_stack(services: int, dashboards: bool = True) -> Stack:
    return Stack(
        name="bench",
        services=tuple(synthetic_service(i) for i in range(services)),
        routing=Routing(route=Route(receiver="default"),
                        receivers=(Receiver(name="default", webhooks=(Webhook(url="http://hook:9/"),)),)),
        dashboard_settings=DashboardSettings(service_dashboards=dashboards),
    )


def generate(stack: Stack, out: Path) -> tuple[float, float, dict[str, str]]:
    """(render seconds, write seconds, files) of one generation into out."""
    started = time.perf_counter()
    files = render_files(stack, GenerateContext("bench"))
    rendered = time.perf_counter()
    write_tree(files, out)
    return rendered - started, time.perf_counter() - rendered, files


def per_emitter(stack: Stack) -> dict[str, tuple[int, float]]:
    times = {}
    for emit in EMITTERS:
        started = time.perf_counter()
        emitted = dict(emit(stack, GenerateContext("bench")))
        times[emit.__name__] = (len(emitted), time.perf_counter() - started)
    return times


def promtool_check_rules(rule_files: list[Path]) -> float | None:
    promtool = shutil.which("promtool")
    if promtool is None:
        return None
    started = time.perf_counter()
    proc = subprocess.run([promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, rule_files)],
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"promtool check rules failed: {proc.stdout.decode()[-2000:]}{proc.stderr.decode()[-2000:]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=1000)
    args = parser.parse_args()

    started = time.perf_counter()
    core_stack = synthetic_stack(args.services, dashboards=False)
    model_s = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        core_render, core_write, core_files = generate(core_stack, Path(tmp) / "core")
        core_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        promtool_s = promtool_check_rules(sorted((Path(tmp) / "core/prometheus/rules").glob("*.yml")))
        del core_stack, core_files
        full_stack = synthetic_stack(args.services, dashboards=True)
        full_render, full_write, full_files = generate(full_stack, Path(tmp) / "full")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    core_s = core_render + core_write

    print(f"services: {args.services}, alerts: {args.services * 5}, scrape jobs: {args.services}")
    print(f"build model (validate, cross-check): {model_s:.3f} s")
    print(f"Prometheus + Alertmanager configs and rules, render + write: {core_s:.3f} s (target <= 1.5 s): "
          f"render {core_render:.3f} s, write {core_write:.3f} s; peak RSS {core_peak_mb:.0f} MB")
    print(f"everything incl. one generated dashboard per service, render + write: {full_render + full_write:.3f} s: "
          f"render {full_render:.3f} s, write {full_write:.3f} s, {len(full_files)} files")
    for name, (count, seconds) in per_emitter(full_stack).items():
        print(f"  {name}: {count} files, {seconds:.3f} s")
    print(f"peak RSS: {peak_mb:.0f} MB (target <= 300 MB)")
    if promtool_s is None:
        print("promtool check rules: promtool not on PATH")
    else:
        print(f"promtool check rules --lint=all on {args.services} rule files: {promtool_s:.3f} s "
              f"({promtool_s / core_s:.1f}x render + write)")
    ok = core_s <= 1.5 and peak_mb <= 300
    print("PASS" if ok else "FAIL: over target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
