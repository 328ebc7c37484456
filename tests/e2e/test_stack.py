"""The e2e stack is the default stack with local targets, webhook receivers and short timings: nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from monitoring.model import Stack
from monitoring.packs import mcp
from monitoring.project import load_stack

from . import stack as e2e_stack

ROOT = Path(__file__).resolve().parents[2]


def default_stack() -> Stack:
    return load_stack("alerts.stack:stack", ROOT)


def _without_job_regex(expr: str) -> str:
    return re.sub(r'job=~"[^"]*"', f'job="{mcp.JOB}"', expr)


def test_alerts_are_the_default_stacks_on_every_e2e_job() -> None:
    """Per service the e2e stack runs; probes and capacity rules have an environment of their own
    (test_operations.py)."""
    e2e_services = {s.name for s in e2e_stack.example().services}
    default = {a.name: a for s in default_stack().services if s.name in e2e_services for a in s.alerts}
    e2e = {a.name: a for s in e2e_stack.example().services for a in s.alerts}
    assert e2e.keys() == default.keys()
    jobs = "|".join(e2e_stack.JOB_INSTANCES)
    for name, alert in e2e.items():
        original = default[name]
        if f'job="{mcp.JOB}"' in original.expr:
            assert f'job=~"{jobs}"' in alert.expr
        assert _without_job_regex(alert.expr) == original.expr
        assert (alert.severity, alert.summary, alert.labels) == (original.severity, original.summary, original.labels)
        assert alert.for_ == e2e_stack.FOR_OVERRIDES.get(name, original.for_)


def test_routing_is_the_default_with_webhooks_and_short_timings() -> None:
    default, e2e = default_stack().routing, e2e_stack.example().routing
    assert e2e.inhibit_rules == default.inhibit_rules
    assert [(r.matchers, r.receiver) for r in e2e.route.walk()] == [(r.matchers, r.receiver)
                                                                   for r in default.route.walk()]
    assert e2e.route.group_by == default.route.group_by
    assert {r.name for r in e2e.receivers} == {r.name for r in default.receivers}
    for receiver in e2e.receivers:
        assert [w.url for w in receiver.webhooks] == [f"http://127.0.0.1:19099/{receiver.name}"]
        assert not (receiver.slack or receiver.pagerduty or receiver.email)
    assert (e2e.route.group_wait, e2e.route.group_interval) == (e2e_stack.GROUP_WAIT, e2e_stack.GROUP_INTERVAL)


def test_slos_are_the_default_ones_on_the_slo_job() -> None:
    default, e2e = default_stack().slos, e2e_stack.example().slos
    assert [(s.name, s.objective, s.sli.type) for s in e2e] == [(s.name, s.objective, s.sli.type) for s in default]
    assert all(s.filter is not None and f'job="{e2e_stack.SLO_JOB}"' in s.filter for s in e2e)


def test_everything_is_scraped_on_loopback_without_discovery() -> None:
    stack = e2e_stack.example()
    jobs = [job for service in stack.services for job in service.scrape_jobs]
    assert not any(job.kubernetes_sd_configs or job.file_sd_configs for job in jobs)
    targets = [t for job in jobs for config in job.static_configs for t in config.targets]
    assert targets and all(t.startswith("127.0.0.1:") for t in targets)
    assert all(a.startswith("127.0.0.1:") for a in stack.alertmanagers)
    assert {job.scrape_interval or stack.scrape_interval for job in jobs} == {e2e_stack.SCRAPE_INTERVAL}
