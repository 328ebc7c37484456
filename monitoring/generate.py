"""From a stack to the files of out/: every renderer, serialised."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monitoring import conventions, custom_dashboards
from monitoring.checks.dashboards import require_clean
from monitoring.model.stack import Stack
from monitoring.output import to_json, to_yaml
from monitoring.render import alertmanager, dashboards, prometheus_config, rules, slo

# An emitter turns the stack into files: relative path -> text.
Emitter = Callable[[Stack, "GenerateContext"], dict[str, str]]


class GenerateContext:
    """What emitters may know besides the stack: where it came from, and the project's directories."""

    def __init__(self, source: str, project_dir: Path | None = None) -> None:
        self.source = source
        self.project_dir = project_dir
        self.header = conventions.header(source)
        # Advice that does not stop generation; the CLI prints it.
        self.warnings: list[str] = []


def emit_prometheus(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    files = {conventions.PROMETHEUS_CONFIG: to_yaml(prometheus_config.render(stack), ctx.header)}
    for service in stack.services:
        if service.rule_groups:
            files[conventions.rules_file(service.name)] = to_yaml(rules.render(stack, service), ctx.header)
    return files


def emit_alertmanager(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    return {conventions.ALERTMANAGER_CONFIG: to_yaml(alertmanager.render(stack), ctx.header)}


def emit_slo_rules(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    for objective in stack.slos:
        ctx.warnings.extend(slo.warnings(objective))
    return {conventions.slo_rules_file(service): to_yaml(slo.render(stack, service), ctx.header)
            for service in slo.services_with_slos(stack)}


def emit_grafana(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    """Folders and dashboards: generated ones, then the project's dashboards/*.dashboard.py (checked first)."""
    custom = custom_dashboards.load(stack, custom_dashboards.dashboards_dir(ctx.project_dir), ctx.project_dir)
    require_clean(stack, custom)
    rendered = dashboards.render(stack) + custom
    return {path: to_json(data) for path, data in dashboards.output(stack, rendered).items()}


EMITTERS: list[Emitter] = [emit_prometheus, emit_alertmanager, emit_slo_rules, emit_grafana]


def render_files(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    """Every output file for the stack. Pure: nothing is written."""
    files: dict[str, str] = {}
    for emit in EMITTERS:
        for path, text in emit(stack, ctx).items():
            if path in files:
                raise ValueError(f"two emitters write {path}")
            files[path] = text
    return files
