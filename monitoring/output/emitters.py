"""From a stack to the files of out/: every renderer, serialised.

The renderers that depend on nothing but the stack (prometheus.yml, alertmanager.yml, each service's rules and
tests, each SLO's rules and tests, the generated dashboards) are split into units of work, `ctx.each(unit,
stack, count)`: for a large stack `iter_files` runs them in several processes (see monitoring.output.workers),
and takes their results in order, so that the output is the same, byte for byte, in one process or several.
Whatever reads files or runs the user's code (hand-written dashboards) runs in this process, where `generate`
records what it reads.

`generate` has each unit write its files into the staging directory itself, in whichever process renders it
(`GenerateContext.content`): only each file's path, hash and signature come back, never its text.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import nullcontext
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

from monitoring import conventions, inputs
from monitoring.gc_pause import no_cyclic_gc
from monitoring.grafana import dashboards, hand_written
from monitoring.grafana.dashboards import RenderedDashboard
from monitoring.model.stack import Stack, service_late_checks, slo_late_checks, whole_stack_checks
from monitoring.output.files import Content, Previous, Written, hashed, to_json, to_yaml, write_staged
from monitoring.output.manifest import MANIFEST, Manifest, sha256
from monitoring.output.workers import Pool, worker_count
from monitoring.project import DEFAULT_REGENERATE, Project
from monitoring.render import adapter, alertmanager, blackbox, k6, prometheus_config, promtool_tests, rules
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo import rules as slo

# An emitter turns the stack into files, one (relative path, text) at a time, so that a writer can put each
# on disk before the next is rendered and memory stays flat however large the stack. Every emitter is called
# before the first file is taken: one whose files come from units of work makes their map then (ctx.each), so
# that the workers go on from one emitter's units to the next's without waiting for this process; anything else
# an emitter does waits until its files are asked for (it is a generator), when the emitters before it are done.
Emitter = Callable[[Stack, "GenerateContext"], Iterable[tuple[str, Content]]]

T = TypeVar("T")
# A unit of work: unit(stack, ctx, index) renders the index-th item of its kind (a service, an SLO, a group of
# dashboards). It must be a module-level function of the stack alone; it may add to ctx.origins and ctx.warnings.
Unit = Callable[[Stack, "GenerateContext", int], Iterable[T]]


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
        # What validate's checks need to know of the stack (see monitoring.checks.context), for the manifest:
        # set by iter_files once the stack is checked, by the time its last file is taken.
        self.checks: dict[str, Any] | None = None
        # Alert name -> why generate wrote no tests for it (no AlertScenario and not a shape tests are generated
        # for, a test too long, an SLO's SLI tests cannot feed): `monitoring test` explains its coverage gaps from
        # the manifest, without the stack.
        self.untested: dict[str, str] = {}
        self._pool: Pool | None = None  # the worker processes rendering the units, while iter_files runs
        # Where units write what they render (see `content`): nowhere (texts go to the writer), a staging
        # directory, or "" for a hash alone (generate --check). The Kubernetes output needs Grafana's texts.
        self._staging: str | None = None
        self._previous: Previous | None = None  # the output directory being replaced (see `replacing`)
        self._keep_grafana = False
        self._made: set[str] = set()  # directories this process made in the staging directory
        self._shared: dict[Callable[[Stack], Any], Any] = {}
        self._scratch: GenerateContext | None = None  # a worker's copy, for its units (see _run)

    def each(self, unit: Unit[T], stack: Stack, count: int,
             key: Callable[[Stack, int], Hashable] | None = None) -> Iterator[T]:
        """What unit(stack, self, index) yields for each index in range(count), in order: in the worker
        processes while iter_files has some (they start at once, while this process may render something
        else), else here, as they are asked for. Units of one `key(stack, index)` share what a process caches:
        they go to one worker where that keeps the workers busy."""
        if self._pool is None:
            return itertools.chain.from_iterable(unit(stack, self, index) for index in range(count))
        keys = None if key is None else [key(stack, index) for index in range(count)]
        return self._taken(self._pool.map(unit, count, keys))

    def _taken(self, results: Iterable[tuple[list[T], dict[str, str], list[str], dict[str, str]]]) -> Iterator[T]:
        """The workers' results in order, with what each unit added to the context."""
        for items, origins, warnings, untested in results:
            self.origins.update(origins)
            self.warnings.extend(warnings)
            self.untested.update(untested)
            yield from items

    def write_into(self, staging: Path) -> None:
        """Units write each file they render into `staging` themselves, in whatever process renders them, and
        hand on its hash and signature (a `Written`) in place of its text; for write_tree's `staged`."""
        self._staging = str(staging)

    def replacing(self, previous: Previous | None) -> None:
        """The output directory the staging directory replaces: a file it holds already is kept, not written
        (see monitoring.output.files.Previous). Before the workers start, which inherit it."""
        self._previous = previous

    def hash_only(self) -> None:
        """Units hand on each file's hash alone, in place of its text (generate --check)."""
        self._staging = ""

    def content(self, path: str, text: str) -> Content:
        """What a unit yields for the file it rendered at `path`: the text itself, or, when generate asks for
        that, a `Written` (the file written here and now, or only hashed). The text of a large stack (hundreds
        of megabytes) then never travels between processes, and is encoded once."""
        if self._staging is None or (self._keep_grafana and path.startswith(conventions.GRAFANA_DIR + "/")):
            return text
        if not self._staging:
            return hashed(text)
        return write_staged(self._staging, path, text, self._made, self._previous)

    def shared(self, compute: Callable[[Stack], T], stack: Stack) -> T:
        """compute(stack), once per process and generation: what the units of one kind share (e.g. the
        dashboard groups they index into)."""
        if compute not in self._shared:
            self._shared[compute] = compute(stack)
        return self._shared[compute]  # type: ignore[no-any-return]

    def _run(self, stack: Stack, unit: Unit[Any], index: int
             ) -> tuple[list[Any], dict[str, str], list[str], dict[str, str]]:
        """One unit in a worker process, with what it adds to the context kept apart for the parent (in a copy
        of this context made once per process: a copy per unit showed in the profile)."""
        scratch = self._scratch
        if scratch is None:
            scratch = self._scratch = copy.copy(self)
            scratch._pool = None
        scratch.warnings, scratch.origins, scratch.files, scratch.untested = [], {}, {}, {}
        return list(unit(stack, scratch, index)), scratch.origins, scratch.warnings, scratch.untested


def emit_prometheus(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, Content]]:
    return itertools.chain(ctx.each(_prometheus_config, stack, 1),
                           ctx.each(_service_rules, stack, len(stack.services)))


# prometheus.yml and alertmanager.yml are units of work too, each the only one of its kind: a large stack's take
# tens of milliseconds, during which this process, rendering them itself, would send the workers nothing more.
def _prometheus_config(stack: Stack, ctx: GenerateContext, index: int) -> Iterator[tuple[str, Content]]:
    path = conventions.PROMETHEUS_CONFIG
    yield path, ctx.content(path, to_yaml(prometheus_config.render(stack), ctx.header))


def _service_rules(stack: Stack, ctx: GenerateContext, index: int) -> Iterator[tuple[str, Content]]:
    service = stack.services[index]
    if service.rule_groups:
        path = conventions.rules_file(service.name)
        ctx.origins[path] = f"service:{service.name}"
        yield path, ctx.content(path, to_yaml(rules.render(stack, service), ctx.header))


def emit_alertmanager(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, Content]]:
    return ctx.each(_alertmanager_config, stack, 1)


def _alertmanager_config(stack: Stack, ctx: GenerateContext, index: int) -> Iterator[tuple[str, Content]]:
    path = conventions.ALERTMANAGER_CONFIG
    yield path, ctx.content(path, to_yaml(alertmanager.render(stack), ctx.header))


def emit_slo_rules(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, Content]]:
    return ctx.each(_slo_rules, stack, len(stack.slos), _slo_shape)


def _slo_shape(stack: Stack, index: int) -> Hashable:
    """SLOs of one shape share their planned rules and tests, which each process computes once."""
    return stack.slos[index].plan.shape


def _slo_rules(stack: Stack, ctx: GenerateContext, index: int) -> Iterator[tuple[str, Content]]:
    objective = stack.slos[index]
    ctx.warnings.extend(slo.warnings(objective) + slo_tests.warnings(objective))
    path = conventions.slo_rules_file(objective.service, objective.name)
    ctx.origins[path] = f"slo:{objective.service}/{objective.name}"
    yield path, ctx.content(path, slo.render_text(stack, objective, ctx.header))


def emit_alert_tests(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, Content]]:
    """promtool unit tests: one file per SLO, and one per service for its alerts that have a test scenario."""
    return itertools.chain(ctx.each(_slo_tests, stack, len(stack.slos), _slo_shape),
                           ctx.each(_service_tests, stack, len(stack.services)))


def _slo_tests(stack: Stack, ctx: GenerateContext, index: int) -> Iterator[tuple[str, Content]]:
    objective = stack.slos[index]
    why = slo_tests.untested_why(objective)
    if why is not None:
        ctx.untested.update(dict.fromkeys(objective.plan.alert_names.values(), why))
    tests = slo_tests.render_text(stack, objective, ctx.header)
    if tests is not None:
        path = conventions.slo_tests_file(objective.service, objective.name)
        ctx.origins[path] = f"slo:{objective.service}/{objective.name}"
        yield path, ctx.content(path, tests)


def _service_tests(stack: Stack, ctx: GenerateContext, index: int) -> Iterator[tuple[str, Content]]:
    service = stack.services[index]
    tests = promtool_tests.render_text(stack, service, ctx.header, ctx.untested, ctx.warnings)
    if tests is not None:
        path = conventions.tests_file(service.name)
        ctx.origins[path] = f"service:{service.name}"
        yield path, ctx.content(path, tests)


def emit_grafana(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, Content]]:
    """Folders and dashboards: generated ones, then the project's dashboards/*.dashboard.py, one at a time."""
    groups = ctx.shared(dashboards.dashboard_groups, stack)
    keys = [dashboards.group_key(group) for group in groups]
    return _grafana_files(stack, ctx, ctx.each(_dashboard_group, stack, len(groups), lambda _, index: keys[index]))


def _grafana_files(stack: Stack, ctx: GenerateContext, generated: Iterable[RenderedDashboard]
                   ) -> Iterator[tuple[str, Content]]:
    custom = hand_written.load(stack, ctx.dashboards_dir, ctx.project_dir, ctx.warnings.append)
    rendered = itertools.chain(_with_origins(ctx, generated, "dashboard"), _with_origins(ctx, custom, "hand-written"))
    for path, data in dashboards.output(stack, rendered):
        yield path, data if isinstance(data, str | Written) else to_json(data)  # generated ones come serialised


def _dashboard_group(stack: Stack, ctx: GenerateContext, index: int) -> Iterator[RenderedDashboard]:
    group = ctx.shared(dashboards.dashboard_groups, stack)[index]
    for rendered in dashboards.render_json(stack, group()):
        # Serialised (and written) where it was rendered, possibly a worker: not the model's data goes back.
        path = conventions.dashboard_file(rendered.folder, rendered.uid)
        yield RenderedDashboard(rendered.folder, rendered.uid,
                                ctx.content(path, rendered.data),  # type: ignore[arg-type]
                                rendered.source, rendered.title)


def _with_origins(ctx: GenerateContext, rendered: Iterable[RenderedDashboard], kind: str
                  ) -> Iterator[RenderedDashboard]:
    for dashboard in rendered:
        ctx.origins[conventions.dashboard_file(dashboard.folder, dashboard.uid)] = f"{kind}:{dashboard.source}"
        yield dashboard


def emit_blackbox(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    config = blackbox.render(stack)
    if config is not None:
        yield conventions.BLACKBOX_CONFIG, to_yaml(config, ctx.header)


def emit_adapter(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    """prometheus-adapter's rules for the custom metrics, and the HPAs that scale on them."""
    config = adapter.render(stack)
    if config is not None:
        yield conventions.ADAPTER_CONFIG, to_yaml(config, ctx.header)
    for service in stack.services:
        for hpa in service.autoscalers:
            path = conventions.hpa_file(hpa.namespace, hpa.name)
            ctx.origins[path] = f"service:{service.name}"
            yield path, to_yaml(adapter.hpa_manifest(hpa), ctx.header)


def emit_k6(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    gates = k6.render(stack)
    if gates is not None:
        yield conventions.K6_THRESHOLDS, to_json(gates)
        yield conventions.K6_MODULE, k6.module(gates, ctx.stack_path)


def emit_kubernetes(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, str]]:
    """Prometheus Operator resources, one per file, and kustomization.yaml; runs after the plain outputs (it
    repackages the Grafana files they yielded)."""
    if stack.kubernetes is None:
        return
    from monitoring.render.kubernetes import stack as kubernetes

    found = kubernetes.resources(stack, stack.kubernetes, ctx.files, ctx.origins)
    files = {r.file: to_yaml(r.body, ctx.header) for r in found}
    ctx.origins.update((r.file, r.origin) for r in found)
    if len(files) != len(found):  # Stack.check() refuses the definitions that would (model.output_names)
        raise ValueError("two Kubernetes resources of one kind have the same name")
    files[conventions.KUSTOMIZATION_FILE] = to_yaml(kubernetes.kustomization(found), ctx.header)
    yield from files.items()


EMITTERS: list[Emitter] = [emit_prometheus, emit_alertmanager, emit_slo_rules, emit_alert_tests, emit_grafana,
                           emit_blackbox, emit_adapter, emit_k6, emit_kubernetes]


def iter_files(stack: Stack, ctx: GenerateContext) -> Iterator[tuple[str, Content]]:
    """Every output file for the stack, (relative path, text), each rendered when it is asked for; a large
    stack's units in several processes (see monitoring.output.workers), with the same result. The texts are
    all there unless ctx was told to write (`write_into`) or hash (`hash_only`) them where they are rendered."""
    seen: set[str] = set()
    with no_cyclic_gc():
        ctx._keep_grafana = stack.kubernetes is not None
        count = worker_count(len(stack.services) + len(stack.slos))
        # Forked before the check, whose per-definition part they share, and before the first file goes to the
        # writer's threads. What the workers read joins what generate records here (see monitoring.inputs),
        # though renderers should read nothing.
        pool: Pool | nullcontext[None] = nullcontext()
        if count > 1:
            # What a worker runs for each unit: the stack and context are the parent's when it forked.
            pool = Pool(count, partial(ctx._run, stack), partial(inputs.reads_since, inputs.mark()), inputs.merge)
        with pool as running:
            ctx._pool = running
            try:
                _check(stack, ctx)
                if running is not None:
                    # Worked out here while the workers render (0.5 s at 10,000 services, when this process has
                    # nothing else to do), once the stack is checked. Not in a worker: the copy sent back would
                    # hold its own strings, tens of megabytes more at 10,000 services in this, the largest process.
                    running.meanwhile(partial(_work_out_checks, stack, ctx))
                yield from _emitted(stack, ctx, seen)
            finally:
                ctx._pool = None
        if ctx.checks is None:
            _work_out_checks(stack, ctx)
        from monitoring.checks import context

        # Known once every service's tests are rendered, which may be after the rest was worked out.
        ctx.checks = context.with_untested(ctx.checks, ctx.untested)


def _check(stack: Stack, ctx: GenerateContext) -> None:
    """Stack.check(), done before anything renders: each SLO's and service's checks in the workers, if any, while
    this process checks what spans the stack. The first problem is the one Stack.check() raises: the stack-wide
    ones come first there, and the workers' results are taken in order."""
    each_slo = ctx.each(_check_slo, stack, len(stack.slos), _slo_shape)
    each_service = ctx.each(_check_service, stack, len(stack.services))
    whole_stack_checks(stack)
    for _ in itertools.chain(each_slo, each_service):
        pass


def _check_slo(stack: Stack, ctx: GenerateContext, index: int) -> Iterator[None]:
    slo_late_checks(stack, index)
    return iter(())


def _check_service(stack: Stack, ctx: GenerateContext, index: int) -> Iterator[None]:
    service_late_checks(stack, index)
    return iter(())


def _work_out_checks(stack: Stack, ctx: GenerateContext) -> None:
    from monitoring.checks import context  # the checks' package: only for what the manifest carries of them

    ctx.checks = context.of(stack)


def _emitted(stack: Stack, ctx: GenerateContext, seen: set[str]) -> Iterator[tuple[str, Content]]:
    started = [(emit, emit(stack, ctx)) for emit in EMITTERS]  # see Emitter
    for emit, emitted in started:
        for path, text in emitted:
            if path in seen:
                raise RuntimeError(f"two emitters write {path}")  # a bug here, not in the stack
            seen.add(path)
            ctx.origins.setdefault(path, emit.__name__.removeprefix("emit_"))
            if stack.kubernetes is not None and path.startswith(conventions.GRAFANA_DIR + "/"):
                assert isinstance(text, str)  # content() keeps these
                ctx.files[path] = text  # the Kubernetes output repackages the dashboards as ConfigMaps
            yield path, text


def render_files(stack: Stack, ctx: GenerateContext) -> dict[str, str]:
    """Every output file for the stack, in memory. Pure: nothing is written."""
    return cast(dict[str, str], dict(iter_files(stack, ctx)))  # texts: ctx was not told to write them


def output_files(stack: Stack, ctx: GenerateContext) -> tuple[dict[str, str], Manifest]:
    """Every output file in memory, and the manifest that describes them (for tests and small stacks)."""
    files = render_files(stack, ctx)
    assert ctx.checks is not None
    return files, Manifest.of(ctx.stack_path, {p: sha256(t) for p, t in files.items()}, ctx.origins, ctx.checks)


def with_manifest(files: dict[str, str], manifest: Manifest) -> dict[str, str]:
    """The files as out/ holds them: the manifest included."""
    return {**files, MANIFEST: manifest.text()}
