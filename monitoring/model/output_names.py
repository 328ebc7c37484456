"""The names a stack's outputs take from its definitions, and the late check that no two definitions share one.

Every file `generate` writes for a definition, and every Kubernetes resource, is named after it: a service's
rule file and PrometheusRule, an SLO's rule file and PrometheusRule, a dashboard's uid, ConfigMap and title
(unique in its folder, as Grafana compares titles: by their slug), an HPA's manifest. Names that are unique
among the definitions of one kind can still meet once derived, across kinds: the service `shop-slo-orders`
and the SLO `orders` of service `shop` both make the PrometheusRule `shop-slo-orders`. `check_output_names`
finds that in `Stack.check()`, before anything renders, and names both definitions and where they were made.

`outputs` lists every such name that `generate` uses (a test compares it with what generate writes), and a name
it may not use only where that name cannot be another's (a test file: a slug holds no '.').
Hand-written dashboards are not the stack's: their uids and ConfigMaps are checked as they are loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from monitoring import conventions
from monitoring.errors import DefinitionError
from monitoring.model.dashboards import default_folder
from monitoring.model.kubernetes_output import TeamRouting, monitor_kind
from monitoring.model.slo import SLO

if TYPE_CHECKING:
    from monitoring.model.base import Model
    from monitoring.model.service import Service
    from monitoring.model.stack import Stack


class Output(NamedTuple):
    """One name an output takes from a definition (a tuple: a large stack has tens of thousands).

    `key` is what must be unique: a path under out/, or `uid:<uid>` for a Grafana dashboard (unique in a whole
    Grafana, whatever the folder). The rest is for a message, put together only when there is one: `kind` and
    `shown` say what the output is ("PrometheusRule", its path), `owner` is the definition, `role` what the
    output is of it ("the SLO dashboard of "), `field` the definition's field the name comes from."""

    key: str
    kind: str
    shown: str
    owner: Model
    field: str = "name"
    role: str = ""

    @property
    def what(self) -> str:
        if self.key.startswith("uid:"):
            return f"{self.kind} {self.key.removeprefix('uid:')!r} ({self.shown})"
        return f"{self.kind} {self.shown}"

    @property
    def owner_text(self) -> str:
        """How a message names the definition: "slo 'orders' of service 'shop'"."""
        owner = self.owner
        named = owner.named
        if isinstance(owner, SLO):  # its name is unique within its service only
            named = f"{named} of service {owner.service!r}"
        elif isinstance(owner, TeamRouting):
            named = f"{named} of namespace {owner.namespace!r}"
        return f"{self.role}{named}"


def outputs(stack: Stack) -> Iterator[Output]:
    """Every name the stack's outputs take from its definitions, in the order generate writes them."""
    for service in stack.services:
        if service.rule_groups:
            path = conventions.rules_file(service.name)
            yield Output(path, "rule file", path, service)
        path = conventions.tests_file(service.name)
        yield Output(path, "test file", path, service)
        for hpa in service.autoscalers:
            path = conventions.hpa_file(hpa.namespace, hpa.name)
            yield Output(path, "HPA manifest", path, hpa)
    for slo in stack.slos:
        path = conventions.slo_rules_file(slo.service, slo.name)
        yield Output(path, "rule file", path, slo)
        path = conventions.slo_tests_file(slo.service, slo.name)
        yield Output(path, "test file", path, slo)
    dashboards = list(_dashboards(stack))
    for folder, uid, owner, field, role, _ in dashboards:
        yield Output(f"uid:{uid}", "dashboard uid", conventions.dashboard_file(folder, uid), owner, field, role)
    # Grafana refuses a second dashboard whose title has the slug of one in the same folder.
    for folder, _, owner, field, role, title in dashboards:
        yield Output(f"title:{folder}/{conventions.dashboard_title_slug(title)}", "dashboard title",
                     f"{title!r} in folder {folder!r}", owner, "name" if field == "uid" else field, role)
    if stack.kubernetes is not None:
        yield from _kubernetes(stack, dashboards)


_Dashboard = tuple[str, str, "Model", str, str, str]  # folder, uid, definition, field, role, title


def _dashboards(stack: Stack) -> Iterator[_Dashboard]:
    """Every dashboard the model makes, as monitoring.grafana.dashboards makes them: the declared ones, each
    service's overview, then per service with SLOs its SLO dashboard and one per calendar its SLOs use."""
    settings = stack.dashboard_settings
    if not stack.folders and settings.folder is None:
        return  # then the stack makes no dashboard (the model has checked that it asks for none)
    folder = default_folder(stack.folders, settings)
    for dashboard in stack.dashboards:
        yield dashboard.folder or folder, dashboard.dashboard_uid, dashboard, "uid", "", dashboard.name
    if settings.service_dashboards:
        for service in stack.services:
            if service.metrics:
                yield (folder, conventions.service_dashboard_uid(service.name), service, "name", "the dashboard of ",
                       conventions.service_dashboard_title(service.name))
    if settings.slo_dashboards:
        by_service: dict[str, list[SLO]] = {}
        for slo in stack.slos:
            by_service.setdefault(slo.service, []).append(slo)
        for service in stack.services:
            if service.name in by_service:
                yield from _slo_dashboards(folder, service, by_service[service.name])


def _slo_dashboards(folder: str, service: Service, slos: list[SLO]) -> Iterator[_Dashboard]:
    yield (folder, conventions.slo_dashboard_uid(service.name), service, "name", "the SLO dashboard of ",
           conventions.slo_dashboard_title(service.name))
    calendars: dict[tuple[str, str], SLO] = {}
    for slo in slos:
        if slo.calendar is not None:
            calendars.setdefault((slo.calendar.unit, slo.calendar.timezone), slo)
    for (unit, timezone), slo in calendars.items():
        yield (folder, conventions.slo_calendar_dashboard_uid(service.name, unit, timezone), slo, "calendar",
               f"the {unit}ly budget dashboard of ",
               conventions.slo_calendar_dashboard_title(service.name, unit, timezone))


def _kubernetes(stack: Stack, dashboards: list[_Dashboard]) -> Iterator[Output]:
    """The file of every resource of the Kubernetes output: its kind and name, so one file per resource."""
    output = stack.kubernetes
    assert output is not None

    def resource(kind: str, name: str, owner: Model, field: str = "name", role: str = "") -> Output:
        path = conventions.kubernetes_file(kind, name)
        return Output(path, kind, path, owner, field, role)

    for service in stack.services:
        if service.rule_groups:
            yield resource("PrometheusRule", service.name, service)
    for slo in stack.slos:
        yield resource("PrometheusRule", conventions.slo_rule_resource(slo.service, slo.name), slo)
    for service in stack.services:
        for job in service.scrape_jobs:
            kind = monitor_kind(job)
            if job.monitor and kind is not None:
                yield resource(kind, job.name, job)
        for probe in service.probes:
            yield resource("Probe", probe.name, probe)
    yield resource("Secret", output.alertmanager_secret, output, "alertmanager_secret")
    for team in output.team_routing:
        yield resource("AlertmanagerConfig", team.name, team)
    for _, uid, owner, field, role, _ in dashboards:
        yield resource("ConfigMap", conventions.dashboard_config_map(uid), owner, field, role)


def check_output_names(stack: Stack) -> None:
    """A DefinitionError when two definitions give an output the same name, naming both and where each was made."""
    first: dict[str, Output] = {}
    for output in outputs(stack):
        earlier = first.setdefault(output.key, output)
        if earlier is not output:
            raise _clash(earlier, output)


def _clash(earlier: Output, output: Output) -> DefinitionError:
    at = f" ({earlier.owner.defined_at})" if earlier.owner.defined_at else ""
    same = "that" if earlier.what == output.what else f"the {earlier.what}"
    return DefinitionError(f"its {output.what} is also {same} of {earlier.owner_text}{at}: rename one of them",
                           definition=output.owner_text, where=output.owner.defined_at, field=output.field,
                           value=getattr(output.owner, output.field, None))
