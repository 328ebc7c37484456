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
from typing import TYPE_CHECKING, Any

from monitoring.errors import DefinitionError, ProjectError
from monitoring.project import setting_error, setting_line
from monitoring.units import quoted

if TYPE_CHECKING:
    # The model is imported where a setting's values are checked: a project that sets none (or a switch) reads
    # its pyproject.toml without pydantic, as `validate` and `publish` do.
    from monitoring.model.kubernetes_output import KubernetesOutput
    from monitoring.model.stack import Stack

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


# Why a setting is refused: (the key of the table it is about, or None for the setting as a whole; the problem;
# the offending value).
Problem = tuple[object, str, object]


def shape_problem(setting: Any) -> Problem | None:
    """Why `setting` is not a switch or a table of settings a project may give, or None; without the model, so
    that reading pyproject.toml for `validate` or `publish` does not load pydantic."""
    if setting is None or isinstance(setting, bool):
        return None
    if not isinstance(setting, dict):
        return None, f"must be true, false or a table of settings, not {quoted(setting)}", setting
    for key in setting:
        if key not in SETTABLE:
            return key, (f"unknown setting (a project may set {', '.join(SETTABLE)}; team routing is defined in the "
                         "stack)"), setting[key]
    return None


def setting_problem(setting: Any, stack: Stack | None = None) -> Problem | None:
    """Why `setting` cannot be [tool.monitoring.kubernetes] (or a Project's `kubernetes`) over the stack's own
    settings (without a stack: over the defaults), or None. A table's values are checked as KubernetesOutput
    checks them; none of those a project may give depends on another."""
    if (problem := shape_problem(setting)) is not None or setting is None or isinstance(setting, bool):
        return problem
    try:
        _output(setting, stack)
    except DefinitionError as exc:
        key = exc.field if exc.field in setting else next(iter(setting), None)
        problem = exc.problem.removeprefix(f"{exc.field}: ") if exc.field else exc.problem
        return key, problem, exc.value
    return None


def _output(setting: dict[str, Any], stack: Stack | None) -> KubernetesOutput:
    """The stack's settings (or the defaults) with the project's over them."""
    from monitoring.model.kubernetes_output import KubernetesOutput

    base = stack.kubernetes.model_dump() if stack is not None and stack.kubernetes else {}
    return KubernetesOutput(**(base | setting))


def check(setting: Any, pyproject: Path, stack: Stack | None = None, *, shape_only: bool = False) -> None:
    """A ProjectError naming pyproject.toml and the setting's line when `setting`, read from it, cannot be used
    (`shape_only`: only when it is no switch or table a project may give; its values are checked with the stack)."""
    problem = shape_problem(setting) if shape_only else setting_problem(setting, stack)
    if problem is not None:
        key, text, value = problem
        raise _error(pyproject, None if key is None else str(key), text, value)


def kubernetes_output(setting: Any, stack: Stack, pyproject: Path) -> KubernetesOutput | None:
    """The output the project asks for: None (off), or the stack's settings with the project's over them."""
    check(setting, pyproject, stack)
    if setting is None:  # the stack decides
        return stack.kubernetes
    if isinstance(setting, bool):
        return (stack.kubernetes or _output({}, None)) if setting else None
    return _output(setting, stack)


def apply(stack: Stack, setting: Any, pyproject: Path) -> Stack:
    """stack with the project's Kubernetes setting applied (see the module's precedence)."""
    return stack.with_kubernetes(kubernetes_output(setting, stack, pyproject))
