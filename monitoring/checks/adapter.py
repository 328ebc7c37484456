"""prometheus-adapter configurations and HPA manifests, checked offline.

The adapter's queries are templates; they are checked by filling in its variables the way the adapter does for a
request (<<.Series>> the series name, <<.LabelMatchers>> the resource matchers, <<.GroupBy>> the resource labels)
and parsing the result as PromQL. An HPA's Pods and Object metrics must each be exported by a rule.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from monitoring import conventions, promql
from monitoring.checks import yaml_files
from monitoring.checks.report import CheckResult
from monitoring.errors import MonitoringError
from monitoring.output.manifest import Manifest

_SERIES_NAME = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)")


class AutoscalingError(MonitoringError):
    """An HPA names a metric the adapter does not export, or an adapter rule is unusable."""


def _resource_labels(rule: dict[str, Any]) -> list[str]:
    resources = rule.get("resources") or {}
    labels = list((resources.get("overrides") or {}).keys())
    if not labels and resources.get("template"):
        labels = ["namespace", "pod"]  # a template maps <<.Resource>> back to labels named like resources
    return labels or ["namespace"]


def _series_name(rule: dict[str, Any]) -> str:
    match = _SERIES_NAME.match(str(rule.get("seriesQuery", "")))
    return match.group(1) if match else "series"


def exported_name(rule: dict[str, Any]) -> str | None:
    """The metric name HPAs see for a rule with a concrete series (None when it depends on discovery)."""
    series = _series_name(rule)
    name = rule.get("name") or {}
    pattern, replacement = name.get("matches", "(.*)"), name.get("as", "")
    match = re.search(pattern, series)
    if match is None:
        return None
    if not replacement:
        return match.group(1) if match.groups() else match.group(0)
    return re.sub(r"\$\{?(\d+)\}?", lambda m: match.group(int(m.group(1))) or "", replacement)


def rule_problems(rule: dict[str, Any], index: int) -> list[str]:
    problems = []
    for key in ("seriesQuery", "metricsQuery"):
        if not rule.get(key):
            problems.append(f"rules[{index}]: {key} is required")
    if problems:
        return problems
    labels = _resource_labels(rule)
    query = (str(rule["metricsQuery"]).replace("<<.Series>>", _series_name(rule))
             .replace("<<.LabelMatchers>>", ",".join(f'{label}=~"a|b"' for label in labels))
             .replace("<<.GroupBy>>", ", ".join(labels)))
    for key, text in (("seriesQuery", str(rule["seriesQuery"])), ("metricsQuery", query)):
        try:
            promql.parse(text)
        except ValueError as exc:
            problems.append(f"rules[{index}].{key} {text!r}: {exc}")
    if "<<" in query:
        problems.append(f"rules[{index}].metricsQuery uses a template variable other than <<.Series>>, "
                        "<<.LabelMatchers>> and <<.GroupBy>>")
    return problems


def exported_names(config: dict[str, Any]) -> set[str]:
    return {n for r in config.get("rules") or [] if (n := exported_name(r))}


def hpa_metrics(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """(type, metric name) of every Pods and Object metric of an autoscaling/v2 HPA."""
    found = []
    for metric in (manifest.get("spec") or {}).get("metrics") or []:
        kind = metric.get("type")
        if kind in ("Pods", "Object"):
            body = metric.get(kind.lower()) or {}
            name = (body.get("metric") or {}).get("name") or body.get("metricName")
            found.append((kind, str(name)))
    return found


def check_hpa_manifests(paths: list[Path], adapter_config: Path, *, named: bool = True) -> int:
    """How many HPAs were checked; AutoscalingError (one line) for the first metric the adapter lacks, or (files
    a user `named`) for a file of another shape than Kubernetes and the adapter read. out/'s own files are not
    judged here: validate names one edited into another shape as it does any file of out/."""
    from monitoring.checks.out_shapes import ADAPTER, HPA

    config = _load(adapter_config)[0] or {}
    problem = _shape_problem(config, ADAPTER) if named else None
    if problem:
        raise AutoscalingError(f"{adapter_config}: {problem}, not a prometheus-adapter configuration")
    exported = exported_names(config)
    checked = 0
    for path in paths:
        for manifest in _load(path):
            if not isinstance(manifest, dict) or manifest.get("kind") != "HorizontalPodAutoscaler":
                continue
            problem = _shape_problem(manifest, HPA) if named else None
            if problem:
                raise AutoscalingError(f"{path}: {problem}, not an HPA as Kubernetes reads it")
            checked += 1
            name = (manifest.get("metadata") or {}).get("name", "?")
            for kind, metric in hpa_metrics(manifest):
                if metric not in exported:
                    raise AutoscalingError(
                        f"hpa {name!r} in {path}: {kind} metric {metric!r} is not exported by the adapter "
                        f"configuration {adapter_config} (it exports: {', '.join(sorted(exported)) or 'nothing'})")
    return checked


def _shape_problem(data: Any, shape: Any) -> str | None:
    """Where a document departs from shape ("spec.metrics is not a list"), or None."""
    from monitoring.checks.shapes import document_problem

    found = document_problem(data, shape)
    return None if found is None else found[0]


def _load(path: Path) -> list[Any]:
    try:
        return list(yaml_files.load_all(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise AutoscalingError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise AutoscalingError(f"{path} is not UTF-8 text") from None
    except yaml_files.error() as exc:
        raise AutoscalingError(f"{path} is not YAML: {str(exc).splitlines()[0]}") from None


def check_adapter(manifest: Manifest, out_dir: Path) -> list[CheckResult]:
    """The generated adapter config's queries parse, and every generated HPA's metrics are exported."""
    config_path = out_dir / conventions.ADAPTER_CONFIG
    if not config_path.exists():
        return []
    rules = (_load(config_path)[0] or {}).get("rules") or []
    problems = [p for i, r in enumerate(rules) for p in rule_problems(r, i)]
    results = [CheckResult("prometheus-adapter rules", not problems, f"{len(rules)} rules in {config_path}",
                           "\n".join(problems))]
    hpas = sorted((out_dir / conventions.HPA_DIR).glob("*.yml"))
    try:
        checked = check_hpa_manifests(hpas, config_path, named=False)
        results.append(CheckResult("hpa metrics exported", True, f"{checked} HPAs"))
    except AutoscalingError as exc:
        results.append(CheckResult("hpa metrics exported", False, f"{len(hpas)} HPAs", str(exc)))
    return results
