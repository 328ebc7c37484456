"""`monitoring validate`: every check over a generated out/ directory, which it reads alone.

Nothing is rendered and the stack is not imported: out/manifest.json says what each file is and carries the
little the checks need to know of the model (see monitoring.checks.context).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from monitoring import conventions
from monitoring.checks import amtool, kubernetes_text, promtool
from monitoring.checks.background import Started
from monitoring.checks.blackbox import check_blackbox
from monitoring.checks.report import CheckResult
from monitoring.checks.tools import find_tool
from monitoring.checks.yaml_files import REGENERATE
from monitoring.errors import MonitoringError, OutputError
from monitoring.gc_pause import no_cyclic_gc
from monitoring.output.manifest import MANIFEST, Manifest, read_handoff

# Extra checks over (manifest, out_dir), registered by other layers (dashboards, lint, adapter).
ExtraCheck = Callable[[Manifest, Path], list[CheckResult]]

_KUBE_RULES = "PrometheusRule spec.groups"

def _check_rule_lint(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
    from monitoring.checks.rule_lint import check_rule_lint

    return check_rule_lint(manifest, out_dir)


def _check_dashboards(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
    if not manifest.paths(conventions.GRAFANA_DIR + "/"):
        return []  # no dashboards: the dashboard machinery (schemas, grafanalib) is not even imported
    from monitoring.checks.dashboards import check_dashboards

    return check_dashboards(manifest, out_dir)


def _check_adapter(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
    from monitoring.checks.adapter import check_adapter

    return check_adapter(manifest, out_dir)


EXTRA_CHECKS: list[ExtraCheck] = [_check_rule_lint, _check_dashboards, _check_adapter]


def check_as_generated(manifest: Manifest, out_dir: Path) -> CheckResult:
    """out/ holds exactly what generate wrote: no file edited, removed or added since."""
    changed = manifest.changed_files(out_dir)
    details = "\n".join([*changed, REGENERATE]) if changed else ""
    return CheckResult(f"out/ matches {MANIFEST}", not changed, f"{len(manifest.files)} files, sha256", details)


def validate(out_dir: Path) -> list[CheckResult]:
    """Run promtool, amtool and the blackbox exporter on out_dir (batched, several processes at once) and,
    while they run, the offline checks; the results in a fixed order. OutputError when out/ was never
    generated, or when a file was edited after generate into something the checks cannot read."""
    with no_cyclic_gc():  # reading out/ makes no cycles; a collection would scan every module of the checks
        try:
            return _validate(out_dir)
        except MonitoringError:
            raise
        except Exception as exc:
            # The checks read files in the shapes generate writes. One edited into another shape (a number
            # where a list was) is the user's to fix, in one line, even with its hash in the manifest updated
            # to match; out/ as generated and still failing is a bug, which keeps its traceback.
            manifest = Manifest.read(out_dir)
            changed = manifest.changed_files(out_dir)
            if not changed:
                from monitoring.checks.out_shapes import problem

                shape = problem(manifest, out_dir)
                if shape is None:
                    raise
                raise OutputError(f"{shape}, not as generate writes it: {REGENERATE}") from None
            shown = "; ".join(changed[:3]) + ("; ..." if len(changed) > 3 else "")
            raise OutputError(f"{out_dir} was changed after generate and cannot be checked ({shown}: "
                              f"{type(exc).__name__}: {exc}): {REGENERATE}") from None


def _validate(out_dir: Path) -> list[CheckResult]:
    manifest = read_handoff(out_dir)
    workdir = out_dir.parent
    prom = find_tool("promtool", workdir)
    am = find_tool("amtool", workdir)
    rule_files = [out_dir / p for p in manifest.paths(conventions.RULES_DIR + "/", ".yml")]
    am_config = out_dir / conventions.ALERTMANAGER_CONFIG
    kubernetes_out = (out_dir / conventions.KUSTOMIZATION_FILE).is_file()
    with tempfile.TemporaryDirectory(dir=prom.mount or am.mount) as tmp:
        # Each binary runs in a thread that waits on its process, so that the processes and the Python-side
        # checks overlap. Every process starts before the offline checks, the longest (the rules) first: the
        # PrometheusRules' groups go through the same promtool run, cut from their text before anything is
        # loaded (once the processes run, this thread gets a small share of the CPU).
        cuts = kubernetes_text.cut_rule_groups(out_dir, Path(tmp)) if kubernetes_out else {}
        rules = Started(promtool.check_rules, prom, rule_files, list(cuts.values()), _KUBE_RULES)
        # Then the configuration (two promtool runs, one after the other, where promtool cannot read Kubernetes
        # service discovery), and the processes that need nothing but the manifest.
        (Path(tmp) / "config").mkdir()
        config = Started(promtool.check_config_copy, prom, promtool.config_copy(out_dir, Path(tmp) / "config"))
        routes = Started(amtool.route_tests, am, am_config, amtool.expectations(manifest.checks))
        blackbox = Started(check_blackbox, manifest, out_dir)
        resources = _kubernetes_resources(out_dir) if kubernetes_out else {}
        # The Alertmanager configuration of the Kubernetes Secret goes through the same amtool run.
        am_checked = Started(amtool.check_config, am, am_config,
                             *((f"the alertmanager.yaml of Secret {p.stem}", p)
                               for p in _kubernetes_alertmanager_configs(out_dir, Path(tmp), resources)))
        try:
            offline = _offline_checks(manifest, out_dir, resources if kubernetes_out else None)
            as_generated = check_as_generated(manifest, out_dir)
            exact = kubernetes_text.agrees(cuts, resources)
        finally:  # the processes read the checking copies in tmp: they end before it goes
            for started in (config, rules, am_checked, routes, blackbox):
                started.wait()
        rules_result = rules.result()
        if not exact:  # a layout the cut misread: promtool judges the groups as loaded
            extracted = _kubernetes_rule_groups(out_dir, Path(tmp) / "loaded", resources)
            rules_result = promtool.check_rules(prom, rule_files, extracted, _KUBE_RULES)
    binaries = [config.result(), rules_result, am_checked.result(), routes.result(), *blackbox.result()]
    return [as_generated, *binaries, *offline]


def _offline_checks(manifest: Manifest, out_dir: Path, resources: Mapping[Path, Any] | None) -> list[CheckResult]:
    """The checks that run no binary, in the report's order (resources: None when there is no out/kubernetes)."""
    from monitoring.checks import kubernetes

    found = [] if resources is None else [kubernetes.check_resources(out_dir, resources)]
    monitored = manifest.checks.get("kubernetes_monitored_jobs", ())
    found.append(kubernetes.check_scrape_jobs(monitored, out_dir, resources or {}))
    for check in EXTRA_CHECKS:
        found.extend(check(manifest, out_dir))
    return found


def _kubernetes_resources(out_dir: Path) -> Mapping[Path, Any]:
    from monitoring.checks import kubernetes

    return kubernetes.load_resources(out_dir)


def _kubernetes_rule_groups(out_dir: Path, into: Path, resources: Mapping[Path, Any]) -> list[Path]:
    from monitoring.checks import kubernetes

    into.mkdir()
    return kubernetes.extract_rule_groups(out_dir, into, resources)


def _kubernetes_alertmanager_configs(out_dir: Path, into: Path, resources: Mapping[Path, Any]) -> list[Path]:
    if not resources:
        return []
    from monitoring.checks import kubernetes

    return kubernetes.extract_alertmanager_configs(out_dir, into, resources)
