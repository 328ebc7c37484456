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

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from monitoring import conventions
from monitoring.checks import yaml_files
from monitoring.checks.shapes import OPTIONAL, mismatch
from monitoring.errors import OutputError
from monitoring.output.manifest import Manifest

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
_HPA = {OPTIONAL: {"kind": str, "metadata": {OPTIONAL: {"name": str}}, "spec": {OPTIONAL: {"metrics": [_HPA_METRIC]}}}}
# What the dashboard checks index into; the rest of a panel is the schema's to judge (hand-written dashboards
# are as varied as Grafana allows).
_PANEL = {OPTIONAL: {"type": str, "gridPos": _ANY_OBJECT, "targets": [{OPTIONAL: {"expr": str}}],
                     "panels": [_ANY_OBJECT]}}

# (glob of the relative path, YAML or JSON, shape of each document), the first that matches a path; a file none
# matches is not read by the checks in Python (promtool, amtool or nothing reads it).
_FILES: tuple[tuple[str, str, Any], ...] = (
    (conventions.PROMETHEUS_CONFIG, "yaml", {"scrape_configs": [{"job_name": str}],
                                             OPTIONAL: {"global": _ANY_OBJECT, "alerting": _ANY_OBJECT,
                                                        "rule_files": [str]}}),
    (f"{conventions.RULES_DIR}/*.yml", "yaml", {"groups": _GROUPS}),
    (f"{conventions.TESTS_DIR}/*.yml", "yaml", {OPTIONAL: {"rule_files": [str], "tests": [_ANY_OBJECT]}}),
    (conventions.ALERTMANAGER_CONFIG, "yaml", {"route": _ANY_OBJECT, OPTIONAL: {"receivers": [{"name": str}]}}),
    (conventions.BLACKBOX_CONFIG, "yaml", {OPTIONAL: {"modules": {str: _ANY_OBJECT}}}),
    (conventions.ADAPTER_CONFIG, "yaml", {OPTIONAL: {"rules": [_ANY_OBJECT]}}),
    (f"{conventions.HPA_DIR}/*.yml", "yaml", _HPA),
    (conventions.KUSTOMIZATION_FILE, "yaml", {OPTIONAL: {"resources": [str]}}),
    (f"{conventions.KUBERNETES_DIR}/*.yaml", "yaml", _RESOURCE),
    (conventions.GRAFANA_FOLDERS_FILE, "json", [{"uid": str, "title": str}]),
    (f"{conventions.GRAFANA_DASHBOARDS_DIR}/*/*.json", "json",
     {"uid": str, "title": str, OPTIONAL: {"panels": [_PANEL], "templating": {OPTIONAL: {"list": [_ANY_OBJECT]}}}}),
)


def problem(manifest: Manifest, out_dir: Path) -> str | None:
    """'out_dir/path: what' for the first file the manifest lists that is not of the shape generate writes, or
    None."""
    for path in sorted(manifest.files):
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
        documents = [json.loads(text)] if syntax == "json" else list(yaml_files.load_all(text))
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
    for document in documents:
        found = mismatch(document, shape, "")
        if found is None and isinstance(document, dict) and document.get("kind") == "PrometheusRule":
            found = mismatch(document, _PROMETHEUS_RULE, "")
        if found:
            found = found.lstrip(".")
            return "the document" + found if found.startswith((" ", ":")) else found
    return None
