"""[tool.monitoring.kubernetes] in pyproject.toml: the Kubernetes output switched on, and its settings, per project.

Precedence, key by key: pyproject.toml over the stack's own `Stack(kubernetes=KubernetesOutput(...))`, over the
defaults. So one stack can be deployed by projects whose clusters differ (another namespace, another
kube-prometheus-stack release label) without editing it:

    [tool.monitoring.kubernetes]          # on, with these settings over the stack's
    namespace = "monitoring"
    labels = { release = "kube-prometheus-stack" }

`kubernetes = true` turns the output on with the stack's settings (or the defaults), `kubernetes = false` turns it
off even when the stack sets it. Team routing (AlertmanagerConfig) is defined in the stack only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from monitoring.errors import DefinitionError, ProjectError
from monitoring.model.kubernetes_output import KubernetesOutput
from monitoring.model.stack import Stack

TABLE = "tool.monitoring.kubernetes"
# The settings a project may give; the rest of KubernetesOutput (team routing) belongs to the stack.
SETTABLE = ("namespace", "labels", "alertmanager_secret", "dashboard_label", "dashboard_label_value",
            "folder_annotation")


def _line(pyproject: Path, key: str | None) -> int | None:
    """The line of key in [tool.monitoring.kubernetes] (or of the `kubernetes` key itself), for the message."""
    try:
        lines = pyproject.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    table = None
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if header := re.fullmatch(r"\[\s*([^\]]+?)\s*\]", stripped):
            table = header.group(1).replace(" ", "")
            if table == (TABLE if key is None else f"{TABLE}.{key}"):
                return number
            continue
        name = stripped.split("=", 1)[0].strip()
        if table == TABLE and key is not None and name == key:
            return number
        if table == "tool.monitoring" and name == "kubernetes":
            return number
    return None


def _error(pyproject: Path, key: str | None, problem: str, value: object = None) -> ProjectError:
    """'[tool.monitoring.kubernetes] namespace (pyproject.toml:9): problem'."""
    line = _line(pyproject, key)
    return ProjectError(problem, definition=f"[{TABLE}]{' ' + key if key else ''}",
                        where=f"{pyproject}:{line}" if line else str(pyproject), field=key, value=value)


def kubernetes_output(setting: Any, stack: Stack, pyproject: Path) -> KubernetesOutput | None:
    """The output the project asks for: None (off), or the stack's settings with the project's over them."""
    if isinstance(setting, bool):
        return (stack.kubernetes or KubernetesOutput()) if setting else None
    if not isinstance(setting, dict):
        raise _error(pyproject, None, f"must be true, false or a table of settings, not {setting!r}")
    for key in setting:
        if key not in SETTABLE:
            raise _error(pyproject, key, f"unknown setting (a project may set {', '.join(SETTABLE)}; team routing "
                                         "is defined in the stack)")
    base = stack.kubernetes.model_dump() if stack.kubernetes else {}
    try:
        return KubernetesOutput(**(base | setting))
    except DefinitionError as exc:
        key = exc.field if exc.field in setting else next(iter(setting), None)
        problem = exc.problem.removeprefix(f"{exc.field}: ") if exc.field else exc.problem
        raise _error(pyproject, key, problem, exc.value) from None


def apply(stack: Stack, setting: Any, pyproject: Path) -> Stack:
    """stack with the project's Kubernetes setting applied (see the module's precedence)."""
    return stack.with_kubernetes(kubernetes_output(setting, stack, pyproject))
