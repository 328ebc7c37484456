"""Other shapes of stack: the CPU time per item stays flat when one dimension grows fourfold.

Each shape grows one dimension and keeps the rest small: routes (each with its receiver, time interval,
inhibit rule and route test), alerts in one group, recording rules in one group, rule groups, scrape jobs,
probes, metrics with an alert each, services with the Kubernetes output, services whose alerts select their
jobs by a pattern (`up{job=~"s1-.*"}`: every job exposes `up`), a label with many declared values and an
alert on each, scrape jobs written out one call per line in one module (as `monitoring import` writes them: each
definition looks up the line of its call). For N and 4N items, in a fresh process
each, the CPU seconds (time.process_time: the machine may be shared) of: building the model, Stack.check,
rendering every file, and validate's offline checks on the written out/. The ratio printed is the time per item
at 4N over the time per item at N: 1.0 is linear, 4.0 quadratic.

Run: .venv/bin/python benchmarks/bench_shapes.py [--items 1000] [--shapes routes,alerts,...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HOOK = {"url": "http://hook:9/"}
SHAPES = ("routes", "alerts", "records", "groups", "scrape", "probes", "metrics", "kubernetes", "job_patterns",
          "label_values", "written_out")


def _alert(name: str, expr: str) -> Any:
    from monitoring import Alert

    return Alert(name=name, severity="warning", expr=expr, summary="s", description="d")


def _routing(n: int) -> Any:
    from monitoring import InhibitRule, Receiver, Route, RouteTest, Routing, TimeInterval, Webhook

    return Routing(
        route=Route(receiver="r0", routes=tuple(
            Route(receiver=f"r{i}", matchers=(f'team="t{i}"',), mute_time_intervals=(f"t{i}",)) for i in range(n))),
        receivers=tuple(Receiver(name=f"r{i}", webhooks=(Webhook(**HOOK),)) for i in range(n)),
        inhibit_rules=tuple(InhibitRule(source_matchers=(f'team="t{i}"', 'severity="critical"'),
                                        target_matchers=(f'team="t{i}"', 'severity="warning"'), equal=("alertname",))
                            for i in range(n)),
        time_intervals=tuple(TimeInterval(name=f"t{i}", weekdays=("monday",)) for i in range(n)),
        tests=tuple(RouteTest(labels={"team": f"t{i}"}, receivers=(f"r{i}",)) for i in range(n)))


def _services(shape: str, n: int) -> tuple[Any, ...]:
    from monitoring import (
        Counter,
        KubernetesSDConfig,
        Probe,
        RecordingRule,
        RuleGroup,
        ScrapeJob,
        Service,
        StaticConfig,
    )

    requests = (Counter(name="a_requests_total", help="Requests.", labels=("code",)),)
    if shape == "alerts":
        rules = tuple(_alert(f"A{i}", f'rate(a_requests_total{{code="{i}"}}[5m]) > {i}') for i in range(n))
        return (Service(name="a", metrics=requests, rule_groups=(RuleGroup(name="g", rules=rules),)),)
    if shape == "records":
        rules = tuple(RecordingRule(record=f"a:rec{i}:rate5m", expr=f'sum(rate(a_requests_total{{code="{i}"}}[5m]))')
                      for i in range(n))
        return (Service(name="a", metrics=requests, rule_groups=(RuleGroup(name="g", rules=rules),)),)
    if shape == "groups":
        groups = tuple(RuleGroup(name=f"g{i}", rules=(_alert(f"A{i}", f"rate(a_requests_total[5m]) > {i}"),))
                       for i in range(n))
        return (Service(name="a", metrics=requests, rule_groups=groups),)
    if shape == "scrape":
        jobs = tuple(ScrapeJob(name=f"j{i}", static_configs=(StaticConfig(targets=(f"h{i}:80",)),)) for i in range(n))
        return (Service(name="a", metrics=requests, scrape_jobs=jobs),)
    if shape == "probes":
        probes = tuple(Probe(name=f"p{i}", module="http_2xx", targets=(f"http://h{i}/",)) for i in range(n))
        return (Service(name="a", metrics=requests, probes=probes),)
    if shape == "metrics":
        metrics = tuple(Counter(name=f"m{i}_total", help="M.", labels=tuple(f"l{j}" for j in range(5)))
                        for i in range(n))
        rules = tuple(_alert(f"A{i}", f'rate(m{i}_total{{l1="x"}}[5m]) > 1') for i in range(n))
        return (Service(name="a", metrics=metrics, rule_groups=(RuleGroup(name="g", rules=rules),)),)
    if shape == "kubernetes":
        return tuple(Service(
            name=f"s{i}", labels={"namespace": "ns"},
            metrics=(Counter(name=f"s{i}_requests_total", help="Requests.", labels=("code",)),),
            scrape_jobs=(ScrapeJob(name=f"s{i}", kubernetes_sd_configs=(
                KubernetesSDConfig(role="endpoints", namespaces=("ns",), app=f"s{i}", port="http"),)),),
            rule_groups=(RuleGroup(name=f"s{i}", rules=(_alert(f"S{i}Down", f'up{{job="s{i}"}} == 0'),)),))
            for i in range(n))
    if shape == "job_patterns":  # a service per job, each alerting on its jobs by a pattern on a series all expose
        return tuple(Service(
            name=f"s{i}",
            scrape_jobs=(ScrapeJob(name=f"s{i}-api", static_configs=(StaticConfig(targets=(f"h{i}:80",)),)),),
            rule_groups=(RuleGroup(name=f"s{i}", rules=(_alert(f"S{i}Down", f'up{{job=~"s{i}-.*"}} == 0'),)),))
            for i in range(n))
    if shape == "label_values":  # one label with many declared values, an alert on each value
        values = tuple(f"v{i}" for i in range(n))
        metric = Counter(name="w_total", help="W.", labels=("code",), label_values={"code": values})
        rules = tuple(_alert(f"W{i}", f'rate(w_total{{code="v{i}"}}[5m]) > 1') for i in range(n))
        return (Service(name="a", metrics=(metric,), rule_groups=(RuleGroup(name="g", rules=rules),)),)
    if shape == "written_out":  # one call per line in one module's code, as `monitoring import` writes it
        calls = "".join(f'    ScrapeJob(name="j{i}", static_configs=(StaticConfig(targets=("h{i}:80",)),)),\n'
                        for i in range(n))
        namespace = {"ScrapeJob": ScrapeJob, "StaticConfig": StaticConfig}
        exec(compile(f"jobs = (\n{calls})\n", os.path.join(tempfile.gettempdir(), "written_out.py"), "exec"), namespace)
        return (Service(name="a", metrics=requests, scrape_jobs=namespace["jobs"]),)
    return (Service(name="a", metrics=requests),)


def run(shape: str, n: int) -> dict[str, float]:
    """CPU seconds of each phase for one shape of n items (in this process)."""
    from monitoring import Receiver, Route, Routing, Stack, Webhook
    from monitoring.checks import validate
    from monitoring.model.kubernetes_output import KubernetesOutput
    from monitoring.output.emitters import GenerateContext, output_files, with_manifest
    from monitoring.output.files import write_tree
    from monitoring.output.manifest import Manifest

    seconds: dict[str, float] = {}
    started = time.process_time()
    default = Routing(route=Route(receiver="default"),
                      receivers=(Receiver(name="default", webhooks=(Webhook(**HOOK),)),))
    stack = Stack(name="shapes", services=_services(shape, n), routing=_routing(n) if shape == "routes" else default,
                  kubernetes=KubernetesOutput() if shape == "kubernetes" else None)
    seconds["model"] = time.process_time() - started
    started = time.process_time()
    stack.check()
    seconds["check"] = time.process_time() - started
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        started = time.process_time()
        files, manifest = output_files(stack, GenerateContext("bench"))
        seconds["render"] = time.process_time() - started
        write_tree(with_manifest(files, manifest), out)
        started = time.process_time()
        resources = validate._kubernetes_resources(out) if (out / "kubernetes").is_dir() else None
        validate._offline_checks(Manifest.read(out), out, resources)
        seconds["validate_offline"] = time.process_time() - started
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--one", nargs=2, metavar=("SHAPE", "N"), help=argparse.SUPPRESS)  # a child process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run(args.one[0], int(args.one[1]))))
        return
    env = {**os.environ, "MONITORING_WORKERS": "1"}  # one process: its CPU time is all of the work
    for shape in args.shapes.split(","):
        sizes = (args.items, 4 * args.items)
        found = [json.loads(subprocess.run([sys.executable, __file__, "--one", shape, str(n)], env=env, check=True,
                                           capture_output=True, text=True).stdout) for n in sizes]
        ratios = {phase: (found[1][phase] / sizes[1]) / max(found[0][phase] / sizes[0], 1e-9) for phase in found[0]}
        print(f"{shape:<13}" + "  ".join(f"{phase} {found[0][phase]:.2f}s/{found[1][phase]:.2f}s x{ratios[phase]:.1f}"
                                         for phase in found[0]))


if __name__ == "__main__":
    main()
