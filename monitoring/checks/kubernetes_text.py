"""A PrometheusRule's rule groups cut from its file's text, so that `validate` starts promtool on them before it
has imported PyYAML or read any resource (both cost as much as the promtool run itself takes to start).

Only the block layout this tool writes is cut: `spec:` at the margin, `  groups:` under it, nothing but comments
at the margin in between. Any other layout gives None. A cut is trusted only once the loaded resource agrees
with it (`agrees`); `validate` otherwise extracts the groups from the loaded resource and runs promtool again.

    text = Path("out/kubernetes/prometheusrule-api.yaml").read_text()
    cut = rule_groups(text)          # "groups:\\n- name: api.alerts\\n  rules: ..." or None
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from monitoring import conventions

KIND = "PrometheusRule"
_KIND_LINE = f"kind: {KIND}\n"


def rule_groups(text: str) -> str | None:
    """`spec.groups` of a PrometheusRule written in block layout, as the text of a rule file; None for any
    other layout (or another kind)."""
    lines = text.splitlines(keepends=True)
    if _KIND_LINE not in lines or "spec:\n" not in lines:
        return None
    out: list[str] = []
    inside = found = False
    for line in lines[lines.index("spec:\n") + 1:]:
        if line.startswith("#"):
            continue  # a comment at the margin, even in a block scalar's text
        if not line.strip(" \n"):
            if inside:  # an empty line (in a block scalar, its spaces beyond the indentation are text)
                out.append(line[2:] if line.startswith("  ") else "\n")
            continue
        if not line.startswith("  "):
            if line.startswith(" "):
                return None  # indented by one space: not a layout this cuts
            break  # back at the margin: the spec has ended
        if line[2] != " " and not line.startswith("  - "):  # a key of the spec
            if line.startswith("  groups:"):
                if found or line != "  groups:\n":
                    return None  # the key twice, or its value on its line
                inside = found = True
                out.append("groups:\n")
            else:
                inside = False
            continue
        if inside:
            out.append(line[2:])
    return "".join(out) if found else None


def resource_files(out_dir: Path) -> list[Path]:
    """The resources of out/kubernetes, one per file (kustomization.yaml lists them and is none)."""
    directory = out_dir / conventions.KUBERNETES_DIR
    return sorted(p for p in directory.glob("*.yaml") if p.name != "kustomization.yaml")


def rule_file(resource_file: Path, into: Path) -> Path:
    """Where a PrometheusRule's groups go for promtool: a rule file under into, named after the resource."""
    return into / f"{resource_file.stem}.rules.yml"


def cut_rule_groups(out_dir: Path, into: Path) -> dict[Path, Path]:
    """Each PrometheusRule of out/kubernetes that `rule_groups` can cut, as a rule file under into:
    {resource file: rule file}."""
    from monitoring.checks import yaml_files

    written = {}
    for path in resource_files(out_dir):
        cut = rule_groups(yaml_files.read_text(path))
        if cut is not None:
            target = rule_file(path, into)
            target.write_text(cut, encoding="utf-8")
            written[path] = target
    return written


def agrees(cuts: Mapping[Path, Path], resources: Mapping[Path, Any]) -> bool:
    """Whether the cuts are exactly the loaded resources' rule groups: one per PrometheusRule, each reading back
    as its `{"groups": spec.groups}`."""
    from monitoring.checks import yaml_files

    rules = {path: resource for path, resource in resources.items()
             if isinstance(resource, dict) and resource.get("kind") == KIND}
    if set(cuts) != set(rules):
        return False
    try:
        return all(yaml_files.load(cuts[path].read_text(encoding="utf-8")) == {"groups": resource["spec"]["groups"]}
                   for path, resource in rules.items())
    except (KeyError, TypeError, ValueError, yaml_files.error()):
        return False
