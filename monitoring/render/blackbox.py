"""The blackbox exporter's blackbox.yml, and the Prometheus scrape job of each probe."""

from __future__ import annotations

from typing import Any

from monitoring.model.probe import MODULES, BlackboxModule, Probe
from monitoring.model.stack import Stack
from monitoring.units import duration_ms, format_duration

# How much longer Prometheus waits than the module: the exporter answers (with probe_success 0) at its timeout.
# With a shorter interval, the exporter shortens the module's timeout to Prometheus' own (less 0.5s).
SCRAPE_SLACK_MS = 1000


def module_config(module: BlackboxModule) -> dict[str, Any]:
    return {
        "prober": "http",
        "timeout": module.timeout,
        "http": {
            "method": module.method,
            "valid_status_codes": list(module.valid_status_codes),
            "follow_redirects": module.follow_redirects,
            "preferred_ip_protocol": "ip4",
        },
    }


def probes(stack: Stack) -> tuple[Probe, ...]:
    return tuple(p for service in stack.services for p in service.probes)


def render(stack: Stack) -> dict[str, Any] | None:
    """blackbox.yml with every module, or None when the stack probes nothing."""
    if not probes(stack):
        return None
    return {"modules": {name: module_config(module) for name, module in sorted(MODULES.items())}}


def scrape_timeout(probe: Probe) -> str:
    return format_duration(min(duration_ms(probe.interval), duration_ms(probe.timeout) + SCRAPE_SLACK_MS))


def _static(probe: Probe, key: str) -> dict[str, Any]:
    """The probe's URLs under key, with its labels."""
    return {key: list(probe.urls), **({"labels": dict(probe.labels)} if probe.labels else {})}


def scrape_config(probe: Probe) -> dict[str, Any]:
    """The standard blackbox relabelling: the URL becomes ?target= and the instance; the exporter is scraped."""
    return {
        "job_name": probe.name,
        "scrape_interval": probe.interval,
        "scrape_timeout": scrape_timeout(probe),
        "metrics_path": "/probe",
        "params": {"module": [probe.module]},
        "static_configs": [_static(probe, "targets")],
        "relabel_configs": [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": probe.exporter},
        ],
    }


def operator_probe_spec(probe: Probe) -> dict[str, Any]:
    """The spec of the Prometheus Operator's Probe resource for a probe: the same exporter, module, interval and
    targets as the scrape job (the Operator writes the same relabelling)."""
    return {
        "jobName": probe.name,
        "interval": probe.interval,
        "scrapeTimeout": scrape_timeout(probe),
        "module": probe.module,
        "prober": {"url": probe.exporter, "path": "/probe"},
        "targets": {"staticConfig": _static(probe, "static")},
    }
