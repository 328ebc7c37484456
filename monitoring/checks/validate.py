"""`monitoring validate`: every check over a generated out/ directory."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from monitoring import conventions
from monitoring.checks import amtool, kubernetes, promtool
from monitoring.checks.blackbox import check_blackbox
from monitoring.checks.dashboards import check_dashboards
from monitoring.checks.report import CheckResult
from monitoring.checks.rule_lint import check_rule_lint
from monitoring.checks.tools import find_tool
from monitoring.model.stack import Stack

# Extra checks over (stack, out_dir), registered by other layers (dashboards, lint).
ExtraCheck = Callable[[Stack, Path], list[CheckResult]]
EXTRA_CHECKS: list[ExtraCheck] = [check_rule_lint, check_dashboards, check_blackbox]


def validate(stack: Stack, out_dir: Path) -> list[CheckResult]:
    """Run promtool and amtool on out_dir, batched, then the registered offline checks."""
    workdir = out_dir.parent
    prom = find_tool("promtool", workdir)
    am = find_tool("amtool", workdir)
    rule_files = sorted((out_dir / conventions.RULES_DIR).glob("*.yml"))
    am_config = out_dir / conventions.ALERTMANAGER_CONFIG
    with tempfile.TemporaryDirectory(dir=prom.mount or am.mount) as tmp:
        # The Kubernetes resources' rule groups and Alertmanager configuration go through the same processes.
        kube_rules, kube_am = _kubernetes_extracts(out_dir, Path(tmp))
        results = [
            promtool.check_config(prom, out_dir),
            promtool.check_rules(prom, rule_files, kube_rules, "PrometheusRule spec.groups"),
            amtool.check_config(am, am_config, *((f"the alertmanager.yaml of Secret {p.stem}", p) for p in kube_am)),
            amtool.route_tests(am, am_config, stack.routing.tests),
        ]
    if (out_dir / conventions.KUSTOMIZATION_FILE).is_file():
        results.append(kubernetes.check_resources(out_dir))
    results.append(kubernetes.check_scrape_jobs(stack, out_dir))
    for check in EXTRA_CHECKS:
        results.extend(check(stack, out_dir))
    return results


def _kubernetes_extracts(out_dir: Path, into: Path) -> tuple[list[Path], list[Path]]:
    if not (out_dir / conventions.KUSTOMIZATION_FILE).is_file():
        return [], []
    return kubernetes.extract_rule_groups(out_dir, into), kubernetes.extract_alertmanager_configs(out_dir, into)
