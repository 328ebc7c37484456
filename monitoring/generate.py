"""From a stack to the files of out/: every renderer, serialised."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from monitoring import conventions
from monitoring.grafana import dashboards, hand_written
from monitoring.model.stack import Stack
from monitoring.output import to_json, to_yaml
from monitoring.render import alertmanager, blackbox, prometheus_config, promtool_tests, rules
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo

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
    files = {}
    for objective in stack.slos:
        ctx.warnings.extend(slo.warnings(objective))
        files[conventions.slo_rules_file(objective.service, objective.name)] = to_yaml(
            slo.render(stack, objective), ctx.header)
    return files


def emit_alert_tests(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    """promtool unit tests: one file per SLO, and one per service for its alerts that have a test scenario."""
    files = {}
    for objective in stack.slos:
        tests = slo_tests.render(stack, objective)
        if tests is not None:
            files[conventions.slo_tests_file(objective.service, objective.name)] = to_yaml(tests, ctx.header)
    for service in stack.services:
        tests = promtool_tests.render(stack, service)
        if tests is not None:
            files[conventions.tests_file(service.name)] = to_yaml(tests, ctx.header)
    return files


def emit_grafana(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    """Folders and dashboards: generated ones, then the project's dashboards/*.dashboard.py."""
    custom = hand_written.load(stack, hand_written.dashboards_dir(ctx.project_dir), ctx.project_dir)
    rendered = dashboards.render(stack) + custom
    return {path: to_json(data) for path, data in dashboards.output(stack, rendered).items()}


def emit_blackbox(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    config = blackbox.render(stack)
    return {} if config is None else {conventions.BLACKBOX_CONFIG: to_yaml(config, ctx.header)}


EMITTERS: list[Emitter] = [emit_prometheus, emit_alertmanager, emit_slo_rules, emit_alert_tests, emit_grafana,
                           emit_blackbox]


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Rendering allocates millions of short-lived acyclic objects; the cyclic collector would rescan the
    whole (large) model each time, which cost over half of the render time for big stacks."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render_files(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    """Every output file for the stack. Pure: nothing is written."""
    files: dict[str, str] = {}
    with _no_cyclic_gc():
        stack.check()
        for emit in EMITTERS:
            for path, text in emit(stack, ctx).items():
                if path in files:
                    raise RuntimeError(f"two emitters write {path}")  # a bug here, not in the stack
                files[path] = text
    return files
