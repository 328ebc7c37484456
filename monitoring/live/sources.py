"""What the live commands read from out/: every rule of the generated rule files, every dashboard query."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from monitoring import conventions
from monitoring.errors import OutputError


@dataclass(frozen=True)
class GeneratedRule:
    """One rule of a generated rule file, with its group's evaluation interval (or the global one)."""

    file: str
    group: str
    kind: str  # "alert" or "record"
    name: str
    expr: str
    for_: str | None
    keep_firing_for: str | None
    interval: str

    def label(self) -> str:
        return f"{self.kind} {self.name!r} ({self.file}, group {self.group!r})"


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise OutputError(f"{path}: cannot be read as YAML ({str(exc).splitlines()[0]})") from None


def prometheus_config(out_dir: Path) -> dict[str, Any]:
    path = out_dir / conventions.PROMETHEUS_CONFIG
    if not path.is_file():
        raise OutputError(f"{out_dir} has no generated output: run `monitoring generate` first")
    config = _load_yaml(path)
    return config if isinstance(config, dict) else {}


def read_rules(out_dir: Path) -> list[GeneratedRule]:
    """Every rule of out/prometheus/rules/*.yml, in file and group order."""
    interval = str((prometheus_config(out_dir).get("global") or {}).get("evaluation_interval") or "1m")
    found = []
    for path in sorted((out_dir / conventions.RULES_DIR).glob("*.yml")):
        shown = str(path.relative_to(out_dir.parent)) if path.is_relative_to(out_dir.parent) else str(path)
        for group in (_load_yaml(path).get("groups") or []):
            for rule in group.get("rules") or []:
                kind = "alert" if "alert" in rule else "record"
                found.append(GeneratedRule(shown, group["name"], kind, rule.get("alert") or rule.get("record"),
                                           rule["expr"], rule.get("for"), rule.get("keep_firing_for"),
                                           str(group.get("interval") or interval)))
    return found


def external_labels(out_dir: Path) -> frozenset[str]:
    """Labels Prometheus adds only on the way out: queries never see them."""
    return frozenset((prometheus_config(out_dir).get("global") or {}).get("external_labels") or {})
