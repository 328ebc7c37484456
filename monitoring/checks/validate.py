"""`monitoring validate`: every check over a generated out/ directory, which it reads alone.

Nothing is rendered and the stack is not imported: out/manifest.json says what each file is and carries the
little the checks need to know of the model (see monitoring.checks.context).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from monitoring import conventions
from monitoring.checks import amtool, kubernetes_text, notification_templates, promtool, yaml_files
from monitoring.checks.background import Started
from monitoring.checks.blackbox import check_blackbox
from monitoring.checks.report import CheckResult
from monitoring.checks.tools import Tool, find_tool, resume_running, stop_running
from monitoring.checks.yaml_files import REGENERATE
from monitoring.errors import MonitoringError, OutputError
from monitoring.gc_pause import no_cyclic_gc
from monitoring.output.manifest import MANIFEST, Manifest, read_handoff

# Extra checks over (manifest, out_dir), registered by other layers (dashboards, lint, adapter).
ExtraCheck = Callable[[Manifest, Path], list[CheckResult]]

_KUBE_RULES = "PrometheusRule spec.groups"
T = TypeVar("T")

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


def check_as_generated(manifest: Manifest, out_dir: Path, changed: list[str] | None = None) -> CheckResult:
    """out/ holds exactly what generate wrote: no file edited, removed or added since (changed: what
    manifest.changed_files found, when the caller has it)."""
    changed = manifest.changed_files(out_dir) if changed is None else changed
    details = "\n".join([*changed, REGENERATE]) if changed else ""
    return CheckResult(f"out/ matches {MANIFEST}", not changed, f"{len(manifest.files)} files, sha256", details)


def validate(out_dir: Path) -> list[CheckResult]:
    """Check that out_dir is what generate wrote (alone, when it is not: see _validate), then run promtool,
    amtool and the blackbox exporter on it (batched, several processes at once) and, while they run, the
    offline checks; the results in a fixed order. OutputError when out/ was never generated, or when a file was
    edited after generate (its hash in the manifest updated to match) into something the checks cannot read."""
    with no_cyclic_gc():  # reading out/ makes no cycles; a collection would scan every module of the checks
        try:
            return _validate(out_dir)
        except MonitoringError:
            raise
        except Exception:
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
            # out/ matched its manifest when the checks began (see _validate): it changed while they read it.
            shown = "; ".join(changed[:3]) + ("; ..." if len(changed) > 3 else "")
            raise OutputError(f"{out_dir} changed while it was checked ({shown}): {REGENERATE}") from None


def _validate(out_dir: Path) -> list[CheckResult]:
    manifest = read_handoff(out_dir)
    # First: the checks read out/ in the shapes generate writes. A file removed, replaced by a directory,
    # unreadable or added since is none they can read as theirs, so the one failure that says so is the report.
    # Files edited in place are still checked (what is wrong with a hand edit is worth reading), unless a check
    # cannot read one: then, again, that one failure is the report, not an error of the check that tripped.
    changed = manifest.changed_files(out_dir)
    as_generated = check_as_generated(manifest, out_dir, changed)
    if any(not line.startswith("changed ") for line in changed):
        return [as_generated]
    workdir = out_dir.parent
    prom = find_tool("promtool", workdir)
    am = find_tool("amtool", workdir)
    rule_files = [out_dir / p for p in manifest.paths(conventions.RULES_DIR + "/", ".yml")]
    am_config = out_dir / conventions.ALERTMANAGER_CONFIG
    kubernetes_out = (out_dir / conventions.KUSTOMIZATION_FILE).is_file()
    started: list[Started[Any]] = []
    resume_running()  # a new run: tools stopped by an earlier interrupted one in this process may start again
    try:
        with tempfile.TemporaryDirectory(dir=prom.mount or am.mount) as tmp:
            try:  # whatever stops this thread, the processes read the checking copies in tmp: they end first
                results = _run_checks(manifest, out_dir, Path(tmp), (prom, am),
                                      (rule_files, am_config, kubernetes_out), started)
            except KeyboardInterrupt:  # Ctrl-C, SIGTERM: the tools run in sessions of their own, out of its reach
                stop_running()
                raise
            finally:
                for call in started:
                    call.wait()
                resume_running()  # every thread of this run has ended
    except Exception:
        if changed:
            return [as_generated]
        raise
    if not changed and not all(result.ok for result in results):
        # A file edited into another shape, its hash updated to match, fails a check in that check's words (a
        # dashboard that is a list, not an object), or several: it is one line, as when a check cannot read it.
        from monitoring.checks.out_shapes import problem

        shape = problem(manifest, out_dir)
        if shape is not None:
            raise OutputError(f"{shape}, not as generate writes it: {REGENERATE}")
    return [as_generated, *results]


def _run_checks(manifest: Manifest, out_dir: Path, tmp: Path, tools: tuple[Tool, Tool],
                inputs: tuple[list[Path], Path, bool], started: list[Started[Any]]) -> list[CheckResult]:
    """The checks of _validate once out/ matches its manifest; each call started in the background is added to
    started, for the caller to wait on."""
    prom, am = tools
    rule_files, am_config, kubernetes_out = inputs

    def start(call: Callable[..., T], *args: Any) -> Started[T]:
        started.append(Started(call, *args))
        return started[-1]

    # Each binary runs in a thread that waits on its process, so that the processes and the Python-side
    # checks overlap. Every process starts before the offline checks, the longest (the rules) first: the
    # PrometheusRules' groups go through the same promtool run, cut from their text before anything is
    # loaded (once the processes run, this thread gets a small share of the CPU).
    cuts = kubernetes_text.cut_rule_groups(out_dir, tmp) if kubernetes_out else {}
    rules = start(promtool.check_rules, prom, rule_files, list(cuts.values()), _KUBE_RULES)
    # Then the configuration (two promtool runs, one after the other, where promtool cannot read Kubernetes
    # service discovery), and the processes that need nothing but the manifest.
    (tmp / "config").mkdir()
    config = start(promtool.check_config_copy, prom, promtool.config_copy(out_dir, tmp / "config"))
    routes = start(amtool.route_tests, am, am_config, amtool.expectations(manifest.checks))
    blackbox = start(check_blackbox, manifest, out_dir)
    resources = _kubernetes_resources(out_dir) if kubernetes_out else {}
    # The Alertmanager configuration of the Kubernetes Secret goes through the same amtool run; each through a
    # checking copy when it names templates (see amtool.checking_copy).
    (tmp / "amtool").mkdir()
    am_copy, problems = amtool.checking_copy(am_config, str(am_config), out_dir, tmp / "amtool")
    secrets, secret_configs = [], []
    for path in _kubernetes_alertmanager_configs(out_dir, tmp, resources):
        secret = out_dir / conventions.KUBERNETES_DIR / f"{path.name.removesuffix('.alertmanager.yml')}.yaml"
        shown = f"{secret}: stringData.{conventions.ALERTMANAGER_SECRET_KEY}"
        copy, found = amtool.checking_copy(path, shown, out_dir, tmp / "amtool")
        secrets.append((f"the alertmanager.yaml of Secret {path.stem}", copy))
        secret_configs.append((shown, path))
        problems += found
    am_checked = start(lambda: amtool.check_config(am, am_copy, *secrets, problems=problems, shown=str(am_config)))
    # amtool check-config takes a notification template that cannot render for a string: rendered on their own.
    notifications = [(shown, yaml_files.read_mapping(path)) for shown, path in
                     ([(str(am_config), am_config)] if am_config.is_file() else []) + secret_configs]
    templates = start(notification_templates.check_templates, am, notifications, tmp / "templates")
    offline = _offline_checks(manifest, out_dir, resources if kubernetes_out else None)
    exact = kubernetes_text.agrees(cuts, resources)
    for call in started:
        call.wait()
    rules_result = rules.result()
    if not exact:  # a layout the cut misread: promtool judges the groups as loaded
        extracted = _kubernetes_rule_groups(out_dir, tmp / "loaded", resources)
        rules_result = promtool.check_rules(prom, rule_files, extracted, _KUBE_RULES)
    binaries = [config.result(), rules_result, am_checked.result(), templates.result(), routes.result(),
                *blackbox.result()]
    return [*binaries, *offline]


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
