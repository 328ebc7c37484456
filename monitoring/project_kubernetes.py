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

from pathlib import Path
from typing import Any

from monitoring.errors import DefinitionError, ProjectError
from monitoring.model.kubernetes_output import KubernetesOutput
from monitoring.model.stack import Stack
from monitoring.project import setting_error, setting_line

TABLE = "tool.monitoring.kubernetes"
# The settings a project may give; the rest of KubernetesOutput (team routing) belongs to the stack.
SETTABLE = ("namespace", "labels", "alertmanager_secret", "dashboard_label", "dashboard_label_value",
            "folder_annotation")


def _error(pyproject: Path, key: str | None, problem: str, value: object = None) -> ProjectError:
    """'[tool.monitoring.kubernetes] namespace (pyproject.toml:9): problem'; the line of the `kubernetes` key itself
    when the setting is not on a line of its own (an inline table)."""
    error = setting_error(pyproject, TABLE, key, problem, value)
    if key is None or error.where == str(pyproject):
        line = setting_line(pyproject, "tool.monitoring", "kubernetes")
        error = ProjectError(problem, definition=error.definition, field=key, value=value,
                             where=f"{pyproject}:{line}" if line else str(pyproject))
    return error


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
