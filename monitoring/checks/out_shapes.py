"""The shapes of out/'s files as the checks read them: what `validate` looks for when a check failed in a way
no generated file makes it fail.

The manifest's hashes say whether a file is the one generate wrote, but anyone can rewrite a hash: a file
edited into another shape (a number where the scrape jobs were, a list where a mapping was) with its hash
updated passes that gate, and the check that reads it first fails on a type. Then this module names the file
and where its shape departs from generate's, so that the user reads one line instead of a traceback. The
shapes are checked only on that path, after a failure: out/ as generated is read once, by the checks alone.

    problem(Manifest.read(Path("out")), Path("out"))   # None, or "out/prometheus/prometheus.yml: scrape_configs ..."
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from monitoring import conventions
from monitoring.checks import yaml_files
from monitoring.checks.shapes import OPTIONAL, mismatch
from monitoring.errors import OutputError
from monitoring.output.manifest import Manifest, load_json

_ANY_OBJECT: dict[str, Any] = {}  # an object, whatever its fields
_LABELS = {str: str}
_RULE = {"expr": str, OPTIONAL: {"alert": str, "record": str, "for": str, "keep_firing_for": str,
                                 "labels": _LABELS, "annotations": _LABELS}}
_GROUPS = [{"name": str, OPTIONAL: {"interval": str, "rules": [_RULE]}}]
_METADATA = {"name": str, OPTIONAL: {"namespace": str, "labels": _LABELS, "annotations": _LABELS}}
_RESOURCE = {"apiVersion": str, "kind": str, "metadata": _METADATA,
             OPTIONAL: {"spec": _ANY_OBJECT, "stringData": _LABELS, "data": _LABELS}}
_PROMETHEUS_RULE = {"spec": {"groups": _GROUPS}}
_HPA_METRIC = {OPTIONAL: {"type": str, "pods": {OPTIONAL: {"metric": {OPTIONAL: {"name": str}}}},
                          "object": {OPTIONAL: {"metric": {OPTIONAL: {"name": str}}}}}}
# An HPA and the adapter's configuration, as `check-hpa` reads the ones a user names too.
HPA = {OPTIONAL: {"kind": str, "metadata": {OPTIONAL: {"name": str}}, "spec": {OPTIONAL: {"metrics": [_HPA_METRIC]}}}}
# What the dashboard checks index into; the rest of a panel is the schema's to judge (hand-written dashboards
# are as varied as Grafana allows).
_PANEL = {OPTIONAL: {"type": str, "gridPos": _ANY_OBJECT, "targets": [{OPTIONAL: {"expr": str}}],
                     "panels": [_ANY_OBJECT], "fieldConfig": {OPTIONAL: {"defaults": _ANY_OBJECT}}}}
_ADAPTER_RULE = {OPTIONAL: {"seriesQuery": str, "metricsQuery": str,
                            "resources": {OPTIONAL: {"overrides": {str: _ANY_OBJECT}, "template": str}},
                            "name": {OPTIONAL: {"matches": str, "as": str}}}}
ADAPTER = {OPTIONAL: {"rules": [_ADAPTER_RULE]}}
# prometheus.yml as validate reads it (its checking copy, the Kubernetes comparison): Prometheus takes null for
# any list; the rest of a job is promtool's to judge.
_TARGETS = {OPTIONAL: {"targets": (None, [str]), "labels": (None, _LABELS)}}
_SCRAPE_JOB = {"job_name": str, OPTIONAL: {"static_configs": (None, [_TARGETS]),
                                           "file_sd_configs": (None, [{OPTIONAL: {"files": (None, [str])}}]),
                                           "kubernetes_sd_configs": (None, [_ANY_OBJECT])}}
PROMETHEUS = {"scrape_configs": [_SCRAPE_JOB],
              OPTIONAL: {"global": {OPTIONAL: {"evaluation_interval": str}}, "alerting": _ANY_OBJECT,
                         "rule_files": (None, [str])}}

# (glob of the relative path, YAML or JSON, shape of each document), the first that matches a path; a file none
# matches is not read by the checks in Python (promtool, amtool or nothing reads it).
_FILES: tuple[tuple[str, str, Any], ...] = (
    (conventions.PROMETHEUS_CONFIG, "yaml", PROMETHEUS),
    (f"{conventions.RULES_DIR}/*.yml", "yaml", {"groups": _GROUPS}),
    (f"{conventions.TESTS_DIR}/*.yml", "yaml", {OPTIONAL: {"rule_files": [str], "tests": [_ANY_OBJECT]}}),
    (conventions.ALERTMANAGER_CONFIG, "yaml", {"route": _ANY_OBJECT, OPTIONAL: {"receivers": [{"name": str}]}}),
    (conventions.BLACKBOX_CONFIG, "yaml", {OPTIONAL: {"modules": {str: _ANY_OBJECT}}}),
    (conventions.ADAPTER_CONFIG, "yaml", ADAPTER),
    (f"{conventions.HPA_DIR}/*.yml", "yaml", HPA),
    (conventions.KUSTOMIZATION_FILE, "yaml", {OPTIONAL: {"resources": [str]}}),
    (f"{conventions.KUBERNETES_DIR}/*.yaml", "yaml", _RESOURCE),
    (conventions.GRAFANA_FOLDERS_FILE, "json", [{"uid": str, "title": str}]),
    (f"{conventions.GRAFANA_DASHBOARDS_DIR}/*/*.json", "json",
     {"uid": str, "title": str, OPTIONAL: {"panels": [_PANEL], "templating": {OPTIONAL: {"list": [_ANY_OBJECT]}}}}),
)


def problem(manifest: Manifest, out_dir: Path, under: str = "") -> str | None:
    """'out_dir/path: what' for the first file the manifest lists (under a directory, with under) that is not of
    the shape generate writes, or None."""
    for path in sorted(p for p in manifest.files if p.startswith(under)):
        kind = next(((syntax, shape) for pattern, syntax, shape in _FILES if fnmatchcase(path, pattern)), None)
        if kind is not None:
            found = file_problem(out_dir / path, *kind)
            if found:
                return f"{out_dir / path}: {found}"
    return None


def file_problem(path: Path, syntax: str, shape: Any) -> str | None:
    """What makes the file at path not of shape (each document of it, for YAML), or None."""
    try:
        text = path.read_text(encoding="utf-8")
        documents = [load_json(text)] if syntax == "json" else list(yaml_files.load_all(text))
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except RecursionError:
        return "nested too deep to read"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    except (ValueError, OutputError) as exc:  # json's errors are ValueErrors
        return f"not {syntax.upper()} ({' '.join(str(exc).split())[:200]})"
    except yaml_files.error() as exc:
        return f"not YAML ({' '.join(str(getattr(exc, 'problem', None) or exc).split())})"
    if syntax == "yaml" and len(documents) != 1:
        return f"{len(documents)} YAML documents, not one" if documents else "empty"
    return next(filter(None, (document_problem(document, shape) for document in documents)), None)


def document_problem(document: Any, shape: Any) -> str | None:
    """What makes one document of a file not of shape (one of those of `_FILES`, or PROMETHEUS), or None."""
    found = mismatch(document, shape, "")
    if found is None and isinstance(document, dict) and document.get("kind") == "PrometheusRule":
        found = mismatch(document, _PROMETHEUS_RULE, "") or _rules_problem(document["spec"]["groups"], "spec.")
    elif found is None and shape is _FILES[1][2]:  # a rule file
        found = _rules_problem(document["groups"], "")
    elif found is None and shape is PROMETHEUS:
        found = _duration_problem((document.get("global") or {}).get("evaluation_interval"),
                                  "global.evaluation_interval")
    if found:
        found = found.lstrip(".")
        return "the document" + found if found.startswith((" ", ":")) else found
    return None


def _rules_problem(groups: list[dict[str, Any]], where: str) -> str | None:
    """What in rule groups of the right shape is no rule Prometheus loads (and the checks read): a rule that
    is neither an alert nor a recording rule, a duration or an expression that does not parse."""
    from monitoring import promql

    for g, group in enumerate(groups):
        at = f"{where}groups[{g}]"
        found = _duration_problem(group.get("interval"), f"{at}.interval")
        if found:
            return found
        for r, rule in enumerate(group.get("rules") or ()):
            if ("alert" in rule) == ("record" in rule):
                return f"{at}.rules[{r}] is neither an alert nor a recording rule, or both"
            if not rule.get("alert", rule.get("record")):
                return f"{at}.rules[{r}] has an empty name"
            found = _duration_problem(rule.get("for"), f"{at}.rules[{r}].for")
            if found:
                return found
            try:
                promql.parse(rule["expr"])
            except ValueError as exc:  # its text as a repr would write it: control characters escaped
                return f"{at}.rules[{r}].expr: {repr(' '.join(str(exc).split())[:200])[1:-1]}"
    return None


def _duration_problem(value: str | None, where: str) -> str | None:
    from monitoring.units import duration_ms

    if value is None:
        return None
    try:
        duration_ms(value)
    except ValueError:
        return f"{where}: {value!r:.40} is not a duration"
    return None
