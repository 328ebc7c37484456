"""From a stack to the files of out/: every renderer, serialised."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monitoring import conventions
from monitoring.model.stack import Stack
from monitoring.output import to_yaml
from monitoring.render import alertmanager, prometheus_config, rules

# An emitter turns the stack into files: relative path -> text.
Emitter = Callable[[Stack, "GenerateContext"], dict[str, str]]


class GenerateContext:
    """What emitters may know besides the stack: where it came from, and the project's directories."""

    def __init__(self, source: str, project_dir: Path | None = None) -> None:
        self.source = source
        self.project_dir = project_dir
        self.header = conventions.header(source)


def emit_prometheus(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    files = {conventions.PROMETHEUS_CONFIG: to_yaml(prometheus_config.render(stack), ctx.header)}
    for service in stack.services:
        if service.rule_groups:
            files[conventions.rules_file(service.name)] = to_yaml(rules.render(stack, service), ctx.header)
    return files


def emit_alertmanager(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    return {conventions.ALERTMANAGER_CONFIG: to_yaml(alertmanager.render(stack), ctx.header)}


EMITTERS: list[Emitter] = [emit_prometheus, emit_alertmanager]


def render_files(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    """Every output file for the stack. Pure: nothing is written."""
    files: dict[str, str] = {}
    for emit in EMITTERS:
        for path, text in emit(stack, ctx).items():
            if path in files:
                raise ValueError(f"two emitters write {path}")
            files[path] = text
    return files
