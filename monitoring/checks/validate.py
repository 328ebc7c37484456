"""`monitoring validate`: every check over a generated out/ directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monitoring import conventions
from monitoring.checks import amtool, promtool
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
    results = [
        promtool.check_config(prom, out_dir),
        promtool.check_rules(prom, rule_files),
        amtool.check_config(am, am_config),
        amtool.route_tests(am, am_config, stack.routing.tests),
    ]
    for check in EXTRA_CHECKS:
        results.extend(check(stack, out_dir))
    return results
