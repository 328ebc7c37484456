"""`monitoring validate`: every check over a generated out/ directory, which it reads alone.

Nothing is rendered and the stack is not imported: out/manifest.json says what each file is and carries the
little the checks need to know of the model (see monitoring.checks.context).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monitoring import conventions
from monitoring.checks import amtool, context, promtool
from monitoring.checks.blackbox import check_blackbox
from monitoring.checks.report import CheckResult
from monitoring.checks.rule_lint import check_rule_lint_out
from monitoring.checks.tools import find_tool
from monitoring.manifest import MANIFEST, Manifest

# Extra checks over (manifest, out_dir), registered by other layers (dashboards, lint, blackbox).
ExtraCheck = Callable[[Manifest, Path], list[CheckResult]]


def _check_dashboards(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
    if not manifest.paths(conventions.GRAFANA_DIR + "/"):
        return []  # no dashboards: the dashboard machinery (schemas, grafanalib) is not even imported
    from monitoring.checks.dashboards import check_dashboards_out

    return check_dashboards_out(manifest, out_dir)


EXTRA_CHECKS: list[ExtraCheck] = [check_rule_lint_out, _check_dashboards, check_blackbox]


def check_as_generated(manifest: Manifest, out_dir: Path) -> CheckResult:
    """out/ holds exactly what generate wrote: no file edited, removed or added since."""
    changed = manifest.changed_files(out_dir)
    details = "\n".join([*changed, "run `monitoring generate` to write out/ again"]) if changed else ""
    return CheckResult(f"out/ matches {MANIFEST}", not changed, f"{len(manifest.files)} files, sha256", details)


def validate(out_dir: Path) -> list[CheckResult]:
    """Run promtool and amtool on out_dir, batched, then the registered offline checks."""
    manifest = Manifest.read(out_dir)
    workdir = out_dir.parent
    prom = find_tool("promtool", workdir)
    am = find_tool("amtool", workdir)
    rule_files = [out_dir / p for p in manifest.paths(conventions.RULES_DIR + "/", ".yml")]
    am_config = out_dir / conventions.ALERTMANAGER_CONFIG
    results = [
        check_as_generated(manifest, out_dir),
        promtool.check_config(prom, out_dir),
        promtool.check_rules(prom, rule_files),
        amtool.check_config(am, am_config),
        amtool.route_tests(am, am_config, context.route_tests(manifest.checks)),
    ]
    for check in EXTRA_CHECKS:
        results.extend(check(manifest, out_dir))
    return results
