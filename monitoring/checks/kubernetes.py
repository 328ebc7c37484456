"""Checks of out/kubernetes/: every resource against the Prometheus Operator's CRD schemas, names and labels by
Kubernetes' rules, the kustomization against the files, and the Kubernetes scrape jobs of prometheus.yml
against the monitors (Debian's promtool cannot parse kubernetes_sd_configs).

The rule groups of the PrometheusRules and the Alertmanager Secret's configuration are extracted by
`extract_rule_groups` and `extract_alertmanager_configs`, so that `validate` runs them through promtool and
amtool in the same processes as the plain files.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitoring import conventions
from monitoring import kubernetes_names as names
from monitoring.checks import yaml_files
from monitoring.checks.kubernetes_text import resource_files, rule_file
from monitoring.checks.report import CheckResult
from monitoring.render.kubernetes.schemas import KINDS, OPERATOR_VERSION, schema

if TYPE_CHECKING:
    import jsonschema

# Reading out/ needs neither the model nor jsonschema: `validate` extracts the rule groups and the Alertmanager
# configuration while promtool and amtool already run, and imports those only for the schema checks.

CORE_KINDS = {"Secret": "v1", "ConfigMap": "v1"}


def _strict(node: Any) -> Any:
    """The schema with unknown fields refused, as `kubectl apply --validate=strict` refuses them (the CRDs
    leave additionalProperties open: the API server would silently prune a misspelt field). A new tree: the
    shipped schema is left as it is."""
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items()}
        if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out \
                and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(item) for item in node]
    return node


@cache
def _strict_schema(kind: str) -> dict[str, Any]:
    strict: dict[str, Any] = _strict(schema(kind))
    strict["properties"]["metadata"] = {"type": "object"}  # ObjectMeta is checked by _metadata_problems
    return strict


@cache
def _validator(kind: str) -> jsonschema.Draft7Validator:
    import jsonschema  # slow to import: only to explain a resource that is not valid

    return jsonschema.Draft7Validator(_strict_schema(kind))


@cache
def _fast_validator(kind: str) -> Any:
    """The compiled validator (jsonschema_rs, the same answers ~100x faster): the path for valid resources.

    None when it cannot take the schema: then jsonschema alone judges."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - jsonschema alone gives the same answers
        return None
    try:
        return jsonschema_rs.Draft7Validator(_ecma_patterns(_strict_schema(kind)))
    except (ValueError, jsonschema_rs.ValidationError):
        return None


def _ecma_patterns(node: Any) -> Any:
    """The schema with Go's inline case-insensitive groups (`^(?i)(abort|warn)?$`), which ECMA regexes (and
    so jsonschema_rs) refuse, spelt as letter classes: `^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$`."""
    if isinstance(node, dict):
        return {k: _ecma_pattern(v) if k == "pattern" and isinstance(v, str) else _ecma_patterns(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_ecma_patterns(item) for item in node]
    return node


def _ecma_pattern(pattern: str) -> str:
    """One pattern without `(?i)`: from the flag to the end of its group, each letter matches both cases.
    ValueError for a form this does not rewrite exactly (a character class with letters in that span)."""
    out: list[str] = []
    depth, insensitive_until = 0, -1  # -1: case-sensitive; else the group depth whose end turns the flag off
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("(?i)", i):
            insensitive_until, i = depth, i + 4
            continue
        if char == "\\":  # an escape (\d, \.) means the same in either case
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if char == "[":
            end = pattern.index("]", i + 2)
            if insensitive_until >= 0 and any(c.isalpha() for c in pattern[i:end]):
                raise ValueError(f"cannot rewrite {pattern!r}")
            out.append(pattern[i:end + 1])
            i = end + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == insensitive_until:
                insensitive_until = -1
            depth -= 1
        out.append(f"[{char.lower()}{char.upper()}]" if insensitive_until >= 0 and char.isalpha() else char)
        i += 1
    return "".join(out)


def _list_types(node: Any) -> dict[str, Any] | None:
    """The part of a schema that leads to lists declaring `x-kubernetes-list-type: set` or `map`: JSON schema
    has no word for either (the API server enforces them), so `_list_type_problems` walks a resource along it.
    None where nothing below node declares one."""
    if not isinstance(node, dict):
        return None
    kept: dict[str, Any] = {}
    if node.get("x-kubernetes-list-type") in ("set", "map"):
        kept["list-type"] = node["x-kubernetes-list-type"]
        kept["keys"] = tuple(node.get("x-kubernetes-list-map-keys") or ())
    properties = {key: sub for key, child in (node.get("properties") or {}).items()
                  if (sub := _list_types(child)) is not None}
    if properties:
        kept["properties"] = properties
    for key in ("items", "additionalProperties"):
        if (sub := _list_types(node.get(key))) is not None:
            kept[key] = sub
    return kept or None


@cache
def _list_type_schema(kind: str) -> dict[str, Any]:
    return _list_types(schema(kind)) or {}


def _list_type_problems(node: dict[str, Any], value: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Repeats in the resource's set-lists and repeated keys in its map-lists, each as the API server would
    refuse them, by where they are ("spec.route.groupBy")."""
    problems = []
    if isinstance(value, list):
        if "list-type" in node:
            problems += _repeats(node, value, ".".join(path) or "(top)")
        items = node.get("items")
        for index, item in enumerate(value if items else ()):
            problems += _list_type_problems(items, item, (*path, str(index)))
    elif isinstance(value, dict):
        properties, extra = node.get("properties") or {}, node.get("additionalProperties")
        for key, item in value.items():
            child = properties.get(key, extra)
            if child is not None:
                problems += _list_type_problems(child, item, (*path, str(key)))
    return problems


def _repeats(node: dict[str, Any], items: list[Any], where: str) -> list[str]:
    """The first repeat in one list: a repeated item of a set, a repeated key of a map."""
    keys: tuple[str, ...] = node["keys"]
    seen: set[str] = set()
    for index, item in enumerate(items):
        identity = {k: item.get(k) for k in keys} if node["list-type"] == "map" and isinstance(item, dict) else item
        text = json.dumps(identity, sort_keys=True)
        if text in seen:
            what = f"key {identity}" if node["list-type"] == "map" else repr(item)
            return [f"{where}.{index}: {what} is repeated in a list the CRD declares x-kubernetes-list-type "
                    f"{node['list-type']}: the API server refuses the resource"]
        seen.add(text)
    return []


def load(path: Path) -> dict[str, Any]:
    return yaml_files.read_mapping(path)


Resources = Mapping[Path, dict[str, Any]]


def load_resources(out_dir: Path) -> Resources:
    """Every resource file of out/kubernetes (but the kustomization), read once, in file order: `validate`
    passes them to each check below (each reads them itself when called alone)."""
    return {path: load(path) for path in resource_files(out_dir)}


def _metadata_problems(resource: dict[str, Any]) -> list[str]:
    meta = resource.get("metadata") or {}
    problems = []
    checks = [(names.check_object_name, meta.get("name", "")), (names.check_name, meta.get("namespace", ""))]
    checks += [(names.check_label_key, key) for key in (meta.get("labels") or {})]
    checks += [(names.check_label_value, value) for value in (meta.get("labels") or {}).values()]
    checks += [(names.check_label_key, key) for key in (meta.get("annotations") or {})]
    for check, value in checks:
        try:
            check(str(value))
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def schema_problems(resource: dict[str, Any]) -> list[str]:
    """Everything wrong with one resource: its kind and apiVersion, metadata, and (CRDs) its schema."""
    kind = resource.get("kind", "")
    problems = _metadata_problems(resource)
    if kind in KINDS:
        if resource.get("apiVersion") != KINDS[kind][0]:
            problems.append(f"apiVersion {resource.get('apiVersion')!r} is not {KINDS[kind][0]!r}")
        fast = _fast_validator(kind)
        errors = [] if fast is not None and fast.is_valid(resource) else _validator(kind).iter_errors(resource)
        for error in sorted(errors, key=lambda e: list(e.absolute_path)):
            where = ".".join(str(p) for p in error.absolute_path) or "(top)"
            problems.append(f"{where}: {error.message}")
        problems += _list_type_problems(_list_type_schema(kind), resource)
    elif kind in CORE_KINDS:
        if resource.get("apiVersion") != CORE_KINDS[kind]:
            problems.append(f"apiVersion {resource.get('apiVersion')!r} is not {CORE_KINDS[kind]!r}")
        data = resource.get("stringData" if kind == "Secret" else "data")
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            problems.append("data must map keys to strings")
    else:
        problems.append(f"kind {kind!r} is not one this tool generates")
    return problems


def check_resources(out_dir: Path, resources: Resources | None = None) -> CheckResult:
    found = load_resources(out_dir) if resources is None else resources
    files = list(found)
    failures = [f"{path.name}: {problem}" for path, resource in found.items() for problem in schema_problems(resource)]
    kustomization = load(out_dir / conventions.KUSTOMIZATION_FILE)
    listed = set(kustomization.get("resources", []))
    present = {p.name for p in files}
    failures += [f"kustomization.yaml lists {name}, which does not exist" for name in sorted(listed - present)]
    failures += [f"kustomization.yaml does not list {name}" for name in sorted(present - listed)]
    kinds = sorted({str(resource.get("kind")) for resource in found.values()})
    checked = (f"{len(files)} resources ({', '.join(kinds)}) against the Prometheus Operator {OPERATOR_VERSION} "
               "CRD schemas (unknown fields refused) and Kubernetes name rules; kustomization.yaml lists them all")
    return CheckResult("kubernetes resources", not failures, checked, "\n".join(failures))


def check_scrape_jobs(monitored: Collection[str], out_dir: Path, resources: Resources | None = None) -> CheckResult:
    """The Kubernetes jobs of prometheus.yml: checked by the model (selection, roles, ports) when it was built,
    and here each job with a monitor (`Stack.monitored_jobs`, which the manifest records) against that monitor:
    same selector, namespaces, port, path and interval."""
    config = yaml_files.read_mapping(out_dir / conventions.PROMETHEUS_CONFIG)
    jobs = {j["job_name"]: j for j in config.get("scrape_configs", []) if "kubernetes_sd_configs" in j}
    monitors = {}
    if monitored:
        for resource in (load_resources(out_dir) if resources is None else resources).values():
            if resource.get("kind") in ("PodMonitor", "ServiceMonitor", "ScrapeConfig"):
                monitors[resource["metadata"]["name"]] = resource
    failures = []
    compared = 0
    for name in monitored:
        if name not in jobs:
            continue
        monitor = monitors.get(name)
        if monitor is None:
            failures.append(f"job {name}: no monitor in out/kubernetes")
            continue
        compared += 1
        differences = (_scrape_config_differences if monitor["kind"] == "ScrapeConfig" else _differences)
        try:
            failures += [f"job {name}: {p}" for p in differences(jobs[name], monitor)]
        except (LookupError, TypeError, ValueError, AttributeError) as exc:
            # Both sides are read as generate writes them; one edited since (its hash in the manifest updated to
            # match) can lack a field or hold another type anywhere: that is the difference to report.
            failures.append(f"job {name}: cannot be compared with its {monitor['kind']}: a field generate writes "
                            f"is missing or of another type ({type(exc).__name__}: {exc})")
    checked = (f"{len(jobs)} Kubernetes scrape jobs of prometheus.yml: validated by the model when built; "
               f"{compared} compared with their PodMonitor/ServiceMonitor (selector, namespaces, port, path, interval) "
               "or ScrapeConfig (role, namespaces, selectors, relabelling, path, interval)")
    return CheckResult("kubernetes scrape jobs", not failures, checked, "\n".join(failures))


def _differences(job: dict[str, Any], monitor: dict[str, Any]) -> list[str]:
    sd = job["kubernetes_sd_configs"][0]
    spec = monitor["spec"]
    (endpoint,) = spec.get("podMetricsEndpoints") or spec.get("endpoints")
    selector = ",".join(f"{k}={v}" for k, v in spec["selector"].get("matchLabels", {}).items())
    problems = []
    sd_label = (sd.get("selectors") or [{}])[0].get("label", "")
    if selector and not sd_label.startswith(selector):
        problems.append(f"SD selector {sd_label!r} differs from the monitor's matchLabels {selector!r}")
    names_ = sd.get("namespaces", {}).get("names")
    if names_ != spec["namespaceSelector"].get("matchNames"):
        problems.append(f"namespaces {names_} differ from the monitor's {spec['namespaceSelector']}")
    if job["metrics_path"] != endpoint["path"]:
        problems.append(f"metrics_path {job['metrics_path']} differs from the monitor's {endpoint['path']}")
    kept_port = [r for r in job.get("relabel_configs", []) if r.get("source_labels", [""])[0].endswith("port_name")]
    if kept_port and kept_port[0]["regex"] != endpoint["port"]:
        problems.append(f"port {kept_port[0]['regex']} differs from the monitor's {endpoint['port']}")
    return problems


def _scrape_config_differences(job: dict[str, Any], scrape_config: dict[str, Any]) -> list[str]:
    """A ScrapeConfig repeats its job: the same discovery, relabel chain, path, scheme and interval."""
    spec = scrape_config["spec"]
    (sd,) = job["kubernetes_sd_configs"]
    (discovery,) = spec["kubernetesSDConfigs"]
    problems = []
    if discovery["role"].lower() != sd["role"]:
        problems.append(f"role {sd['role']} differs from the ScrapeConfig's {discovery['role']}")
    if (sd.get("namespaces") or {}).get("names") != (discovery.get("namespaces") or {}).get("names"):
        problems.append(f"namespaces {sd.get('namespaces')} differ from the ScrapeConfig's "
                        f"{discovery.get('namespaces')}")
    selectors = [{**s, "role": s["role"].lower()} for s in discovery.get("selectors", [])]
    if selectors != sd.get("selectors", []):
        problems.append(f"selectors {sd.get('selectors', [])} differ from the ScrapeConfig's {selectors}")
    operator_names = {"source_labels": "sourceLabels", "target_label": "targetLabel"}
    relabelings = [{operator_names.get(k, k): v for k, v in step.items()} for step in job.get("relabel_configs", [])]
    if relabelings != spec.get("relabelings", []):
        problems.append("relabel_configs differ from the ScrapeConfig's relabelings")
    for key, operator_key in (("metrics_path", "metricsPath"), ("scheme", "scheme"),
                              ("scrape_interval", "scrapeInterval")):
        if key in job and job[key] != spec.get(operator_key):
            problems.append(f"{key} {job[key]} differs from the ScrapeConfig's {spec.get(operator_key)}")
    return problems


def extract_rule_groups(out_dir: Path, into: Path, resources: Resources | None = None) -> list[Path]:
    """Each PrometheusRule's spec as a rule file under into, for promtool."""
    written = []
    for path, resource in (load_resources(out_dir) if resources is None else resources).items():
        if resource.get("kind") == "PrometheusRule":
            target = rule_file(path, into)
            target.write_text(yaml_files.dump({"groups": resource["spec"]["groups"]}))
            written.append(target)
    return written


def extract_alertmanager_configs(out_dir: Path, into: Path, resources: Resources | None = None) -> list[Path]:
    """The alertmanager.yaml of each Secret holding one, for amtool."""
    written = []
    for path, resource in (load_resources(out_dir) if resources is None else resources).items():
        if resource.get("kind") == "Secret" and conventions.ALERTMANAGER_SECRET_KEY in resource.get("stringData", {}):
            target = into / f"{path.stem}.alertmanager.yml"
            target.write_text(resource["stringData"][conventions.ALERTMANAGER_SECRET_KEY])
            written.append(target)
    return written
