"""From a stack to the files of out/: every renderer, serialised."""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager

from monitoring import conventions
from monitoring.grafana import dashboards, hand_written
from monitoring.grafana.dashboards import RenderedDashboard
from monitoring.model.stack import Stack
from monitoring.output.files import to_json, to_yaml
from monitoring.output.manifest import MANIFEST, Manifest, sha256
from monitoring.project import DEFAULT_REGENERATE, Project
from monitoring.render import adapter, alertmanager, blackbox, k6, prometheus_config, promtool_tests, rules
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo

# An emitter turns the stack into files, one (relative path, text) at a time, so that a writer can put each
# on disk before the next is rendered and memory stays flat however large the stack.
# (A mapping of path -> text is accepted too.)
Emitter = Callable[[Stack, "GenerateContext"], Iterable[tuple[str, str]] | Mapping[str, str]]


class GenerateContext:
    """What emitters may know besides the stack: where it came from, and the project (its hand-written
    dashboards, the command that regenerates out/). Without a project: no hand-written dashboards, and the
    default regenerate command."""

    def __init__(self, stack_path: str, project: Project | None = None) -> None:
        self.stack_path = stack_path  # the stack's import path, named in every file's header
        self.project_dir = project.project_dir if project else None
        self.dashboards_dir = project.dashboards_dir if project else None
        self.regenerate = project.regenerate if project else DEFAULT_REGENERATE
        self.header = conventions.header(stack_path, self.regenerate)
        # Advice that does not stop generation; the CLI prints it.
        self.warnings: list[str] = []
        # path -> what produced it, "<kind>:<name>" (service:api, slo:api/availability, dashboard:...); files an
        # emitter does not describe get the emitter's name.
        self.origins: dict[str, str] = {}
        # Grafana files emitted so far, kept only for the Kubernetes output (which repackages them as ConfigMaps).
        self.files: dict[str, str] = {}


def emit_prometheus(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    yield conventions.PROMETHEUS_CONFIG, to_yaml(prometheus_config.render(stack), ctx.header)
    for service in stack.services:
        if service.rule_groups:
            path = conventions.rules_file(service.name)
            ctx.origins[path] = f"service:{service.name}"
            yield path, to_yaml(rules.render(stack, service), ctx.header)


def emit_alertmanager(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    yield conventions.ALERTMANAGER_CONFIG, to_yaml(alertmanager.render(stack), ctx.header)


def emit_slo_rules(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    for objective in stack.slos:
        ctx.warnings.extend(slo.warnings(objective) + slo_tests.warnings(objective))
        path = conventions.slo_rules_file(objective.service, objective.name)
        ctx.origins[path] = f"slo:{objective.service}/{objective.name}"
        yield path, slo.render_text(stack, objective, ctx.header)


def emit_alert_tests(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    """promtool unit tests: one file per SLO, and one per service for its alerts that have a test scenario."""
    for objective in stack.slos:
        tests = slo_tests.render_text(stack, objective, ctx.header)
        if tests is not None:
            yield conventions.slo_tests_file(objective.service, objective.name), tests
    for service in stack.services:
        tests = promtool_tests.render(stack, service)
        if tests is not None:
            yield conventions.tests_file(service.name), to_yaml(tests, ctx.header)


def emit_grafana(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    """Folders and dashboards: generated ones, then the project's dashboards/*.dashboard.py, one at a time."""
    custom = hand_written.load(stack, ctx.dashboards_dir, ctx.project_dir)
    rendered = itertools.chain(_with_origins(ctx, dashboards.render(stack), "dashboard"),
                               _with_origins(ctx, custom, "hand-written"))
    for path, data in dashboards.output(stack, rendered):
        yield path, to_json(data)


def _with_origins(ctx: GenerateContext, rendered: Iterable[RenderedDashboard], kind: str
                  ) -> Iterator[RenderedDashboard]:
    for dashboard in rendered:
        ctx.origins[conventions.dashboard_file(dashboard.folder, dashboard.uid)] = f"{kind}:{dashboard.source}"
        yield dashboard


def emit_blackbox(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    config = blackbox.render(stack)
    if config is not None:
        yield conventions.BLACKBOX_CONFIG, to_yaml(config, ctx.header)


def emit_adapter(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    """prometheus-adapter's rules for the custom metrics, and the HPAs that scale on them."""
    config = adapter.render(stack)
    files = {} if config is None else {conventions.ADAPTER_CONFIG: to_yaml(config, ctx.header)}
    for hpa in adapter.autoscalers(stack):
        files[conventions.hpa_file(hpa.namespace, hpa.name)] = to_yaml(adapter.hpa_manifest(hpa), ctx.header)
    return files


def emit_k6(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    gates = k6.render(stack)
    if gates is None:
        return {}
    return {conventions.K6_THRESHOLDS: to_json(gates), conventions.K6_MODULE: k6.module(gates, ctx.stack_path)}


def emit_kubernetes(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    """Prometheus Operator resources, one per file, and kustomization.yaml; runs after the plain outputs."""
    if stack.kubernetes is None:
        return {}
    from monitoring.render.kubernetes import stack as kubernetes

    found = kubernetes.resources(stack, stack.kubernetes, ctx.files)
    files = {r.file: to_yaml(r.body, ctx.header) for r in found}
    if len(files) != len(found):
        raise ValueError("two Kubernetes resources of one kind have the same name")
    files[conventions.KUSTOMIZATION_FILE] = to_yaml(kubernetes.kustomization(found), ctx.header)
    return files


EMITTERS: list[Emitter] = [emit_prometheus, emit_alertmanager, emit_slo_rules, emit_alert_tests, emit_grafana,
                           emit_blackbox, emit_adapter, emit_k6, emit_kubernetes]


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


def iter_files(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    """Every output file for the stack, (relative path, text), each rendered when it is asked for."""
    seen: set[str] = set()
    with _no_cyclic_gc():
        stack.check()
        for emit in EMITTERS:
            emitted = emit(stack, ctx)
            for path, text in emitted.items() if isinstance(emitted, Mapping) else emitted:
                if path in seen:
                    raise RuntimeError(f"two emitters write {path}")  # a bug here, not in the stack
                seen.add(path)
                ctx.origins.setdefault(path, emit.__name__.removeprefix("emit_"))
                if stack.kubernetes is not None and path.startswith(conventions.GRAFANA_DIR + "/"):
                    ctx.files[path] = text  # the Kubernetes output repackages the dashboards as ConfigMaps
                yield path, text


def render_files(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    """Every output file for the stack, in memory. Pure: nothing is written."""
    return dict(iter_files(stack, ctx))


def output_files(stack: Stack, ctx: GenerateContext) -> tuple[dict[str, str], Manifest]:
    """Every output file in memory, and the manifest that describes them (for tests and small stacks)."""
    from monitoring.checks import context

    files = render_files(stack, ctx)
    return files, Manifest.of(ctx.stack_path, {p: sha256(t) for p, t in files.items()}, ctx.origins, context.of(stack))


def with_manifest(files: dict[str, str], manifest: Manifest) -> dict[str, str]:
    """The files as out/ holds them: the manifest included."""
    return {**files, MANIFEST: manifest.text()}
