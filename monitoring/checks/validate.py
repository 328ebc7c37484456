"""`monitoring validate`: every check over a generated out/ directory, which it reads alone.

Nothing is rendered and the stack is not imported: out/manifest.json says what each file is and carries the
little the checks need to know of the model (see monitoring.checks.context).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from monitoring import conventions
from monitoring.checks import amtool, context, kubernetes, promtool
from monitoring.checks.adapter import check_adapter
from monitoring.checks.blackbox import check_blackbox
from monitoring.checks.report import CheckResult
from monitoring.checks.rule_lint import check_rule_lint_out
from monitoring.checks.tools import find_tool
from monitoring.output.manifest import MANIFEST, Manifest

# Extra checks over (manifest, out_dir), registered by other layers (dashboards, lint, blackbox).
ExtraCheck = Callable[[Manifest, Path], list[CheckResult]]


def _check_dashboards(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
    if not manifest.paths(conventions.GRAFANA_DIR + "/"):
        return []  # no dashboards: the dashboard machinery (schemas, grafanalib) is not even imported
    from monitoring.checks.dashboards import check_dashboards_out

    return check_dashboards_out(manifest, out_dir)


EXTRA_CHECKS: list[ExtraCheck] = [check_rule_lint_out, _check_dashboards, check_blackbox, check_adapter]


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
    with tempfile.TemporaryDirectory(dir=prom.mount or am.mount) as tmp:
        # The Kubernetes resources' rule groups and Alertmanager configuration go through the same processes.
        kube_rules, kube_am = _kubernetes_extracts(out_dir, Path(tmp))
        results = [
            check_as_generated(manifest, out_dir),
            promtool.check_config(prom, out_dir),
            promtool.check_rules(prom, rule_files, kube_rules, "PrometheusRule spec.groups"),
            amtool.check_config(am, am_config, *((f"the alertmanager.yaml of Secret {p.stem}", p) for p in kube_am)),
            amtool.route_tests(am, am_config, context.route_tests(manifest.checks)),
        ]
    if (out_dir / conventions.KUSTOMIZATION_FILE).is_file():
        results.append(kubernetes.check_resources(out_dir))
    results.append(kubernetes.check_scrape_jobs(manifest.checks.get("kubernetes_monitored_jobs", ()), out_dir))
    for check in EXTRA_CHECKS:
        results.extend(check(manifest, out_dir))
    return results


def _kubernetes_extracts(out_dir: Path, into: Path) -> tuple[list[Path], list[Path]]:
    if not (out_dir / conventions.KUSTOMIZATION_FILE).is_file():
        return [], []
    return kubernetes.extract_rule_groups(out_dir, into), kubernetes.extract_alertmanager_configs(out_dir, into)
