"""Generate the SLO rules and tests of a synthetic stack of 1,000 SLOs and time it.

250 services with four SLOs each, of mixed kinds: availability (a ratio on a histogram's _count; for every fifth
service the share of time `up` is 1, a boolean-gauge SLI), latency (classic buckets at 0.5; for every fifth
service a native histogram read with histogram_fraction), call latency (threshold 5, matching both `le`
spellings) and call success, written as selectors for half the services and as raw PromQL over {{window}} (with a
free-form severity) for the other half; over 30, 28 or 7 days (scaled windows). A tenth of the SLOs are grouped
(one SLO per method); every fifth service budgets its availability in 1m timeslices, every third reports
budgets over the calendar month. Targets: SLO rules render + write <= 1 s, peak RSS <= 300 MB. Also reports the
rules per SLO, `promtool check rules` on the output, and the generated promtool tests (render + write).
Run: .venv/bin/python benchmarks/bench_slo.py [--slos N]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from monitoring import (
    SLO,
    AlertTier,
    BooleanSLI,
    CalendarPeriod,
    Histogram,
    LatencySLI,
    QuerySLI,
    RatioSLI,
    Receiver,
    Route,
    Routing,
    ScrapeJob,
    Service,
    SLOAlerting,
    Stack,
    StaticConfig,
    Timeslices,
    Webhook,
)
from monitoring.output.emitters import GenerateContext, emit_alert_tests, emit_slo_rules
from monitoring.output.files import write_tree

BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30)


def synthetic_service(i: int) -> tuple[Service, tuple[SLO, ...]]:
    name = f"svc{i:04d}"
    ops = f"svc{i:04d}_operation_duration_seconds"
    native = f"svc{i:04d}_request_duration_seconds"
    service = Service(
        name=name,
        metrics=(Histogram(name=ops, unit="seconds", help="Operations.", buckets=BUCKETS,
                           labels=("method", "error_type")),
                 Histogram(name=native, unit="seconds", help="Requests.", native=True, labels=("method",))),
        scrape_jobs=(ScrapeJob(name=name, static_configs=(StaticConfig(targets=(f"{name}:8080",)),)),),
    )
    period = ("30d", "28d", "7d")[i % 3]  # the workbook's windows, and windows scaled to a week
    job = f'job="{name}"'
    grouped = ("method",) if i % 5 == 0 else ()  # two SLOs of every fifth service: a tenth of all SLOs
    calendar = CalendarPeriod(unit="month") if i % 3 == 0 else None
    availability = (
        SLO(name=f"{name}-availability", service=name, objective="99.9", period=period,
            sli=BooleanSLI(gauge=f"up{{{job}}}"), alerting=SLOAlerting(name=f"Svc{i:04d}Availability"))
        if i % 5 == 4 else
        SLO(name=f"{name}-availability", service=name, objective="99.9", period=period, filter=job,
            sli=RatioSLI(errors=f'{ops}_count{{error_type=~"5..|timeout"}}', total=f"{ops}_count"),
            group_by=grouped, calendar=calendar,
            budgeting=Timeslices(window="1m", target="0.95") if i % 5 == 1 else "occurrences",
            alerting=SLOAlerting(name=f"Svc{i:04d}Availability")))
    latency = (
        SLO(name=f"{name}-latency", service=name, objective="99", period=period, filter=job,
            sli=LatencySLI(histogram=native, threshold="0.5", native=True), calendar=calendar)
        if i % 5 == 3 else
        SLO(name=f"{name}-latency", service=name, objective="99", period=period, filter=job, group_by=grouped,
            sli=LatencySLI(histogram=ops, threshold="0.5", selector='method!="call"')))
    slos = (
        availability,
        latency,
        SLO(name=f"{name}-call-latency", service=name, objective="95", period=period, filter=job,
            sli=LatencySLI(histogram=ops, threshold="5", selector='method="call"')),
        SLO(name=f"{name}-call-success", service=name, objective="99", period=period,
            sli=RatioSLI(errors=f'{ops}_count{{method="call", error_type!=""}}',
                         total=f'{ops}_count{{method="call"}}'))
        if i % 2 else
        SLO(name=f"{name}-call-success", service=name, objective="99", period=period,
            sli=QuerySLI(errors=f'sum(rate({ops}_count{{{job}, method="call", error_type!=""}}[{{{{window}}}}]))',
                         total=f'sum(rate({ops}_count{{{job}, method="call"}}[{{{{window}}}}]))'),
            alerting=SLOAlerting(page=AlertTier(severity="pageteam", labels={"routing_key": name}))),
    )
    return service, slos


def synthetic_stack(slos: int) -> Stack:
    built = [synthetic_service(i) for i in range((slos + 3) // 4)]
    return Stack(
        name="bench-slo",
        services=tuple(service for service, _ in built),
        routing=Routing(route=Route(receiver="default"),
                        receivers=(Receiver(name="default", webhooks=(Webhook(url="http://hook:9/"),)),)),
        slos=tuple(slo for _, group in built for slo in group)[:slos],
    )


def _timed_write(files: dict[str, str], out: Path) -> float:
    started = time.perf_counter()
    write_tree(files, out)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slos", type=int, default=1000)
    args = parser.parse_args()

    started = time.perf_counter()
    stack = synthetic_stack(args.slos)
    model_s = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        ctx = GenerateContext("bench")
        started, cpu_started = time.perf_counter(), time.process_time()
        rule_files = dict(emit_slo_rules(stack, ctx))
        rules_render_s = time.perf_counter() - started
        rules_write_s = _timed_write(rule_files, Path(tmp) / "rules-out")
        rules_s = rules_render_s + rules_write_s
        rules_cpu_s = time.process_time() - cpu_started

        started = time.perf_counter()
        test_files = dict(emit_alert_tests(stack, ctx))
        tests_render_s = time.perf_counter() - started
        tests_write_s = _timed_write(test_files, Path(tmp) / "tests-out")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        rules_count = sum(text.count("\n  - record: ") + text.count("\n  - alert: ") for text in rule_files.values())
        paths = sorted((Path(tmp) / "rules-out" / "prometheus" / "rules").glob("*.yml"))
        promtool = shutil.which("promtool")
        promtool_s = None
        if promtool:
            started = time.perf_counter()
            proc = subprocess.run([promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, paths)],
                                  capture_output=True, check=False)
            promtool_s = time.perf_counter() - started
            if proc.returncode != 0:
                print(proc.stdout.decode()[-2000:], proc.stderr.decode()[-2000:], file=sys.stderr)
                return 1

    slos = len(stack.slos)
    kinds: dict[str, int] = {}
    for slo in stack.slos:
        kind = slo.sli.type + (" native" if getattr(slo.sli, "native", False) else "")
        kinds[kind] = kinds.get(kind, 0) + 1
    print("kinds: " + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
          + f"; grouped {sum(1 for s in stack.slos if s.group_by)}; timeslices "
          f"{sum(1 for s in stack.slos if s.timeslices)}; calendar {sum(1 for s in stack.slos if s.calendar)}")
    print(f"SLOs: {slos} in {len(stack.services)} services; rules: {rules_count} ({rules_count / slos:.1f} per SLO, "
          f"{sum(map(len, rule_files.values())) / 1e6:.1f} MB)")
    print(f"build model (validate, cross-check): {model_s:.3f} s")
    load = os.getloadavg()[0]
    print(f"SLO rules render + write: {rules_s:.3f} s (target <= 1 s; CPU time {rules_cpu_s:.3f} s, load average "
          f"{load:.1f} on {os.cpu_count()} cores): render {rules_render_s:.3f} s, "
          f"write {rules_write_s:.3f} s")
    print(f"generated promtool tests render + write: {tests_render_s + tests_write_s:.3f} s: "
          f"render {tests_render_s:.3f} s, write {tests_write_s:.3f} s "
          f"({len(test_files)} files, {sum(map(len, test_files.values())) / 1e6:.1f} MB)")
    print(f"peak RSS: {peak_mb:.0f} MB (target <= 300 MB)")
    if promtool_s is None:
        print("promtool check rules: promtool not on PATH")
    else:
        print(f"promtool check rules --lint=all on {len(paths)} files: {promtool_s:.3f} s")
    ok = rules_s <= 1 and peak_mb <= 300
    print("PASS" if ok else "FAIL: over target")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
