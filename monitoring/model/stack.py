"""The stack: everything one `generate` run builds, with the references between objects checked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from monitoring import conventions, promql
from monitoring.model.alertmanagers import AlertmanagerEndpoint
from monitoring.model.autoscaling import check_autoscaling
from monitoring.model.base import FieldProblem, Model, model_check, unique_names
from monitoring.model.common import HostPort, Labels, PositiveDuration, Slug
from monitoring.model.dashboards import (
    DEFAULT_FOLDER,
    Dashboard,
    DashboardSettings,
    DataSource,
    Folder,
    check_dashboards,
)
from monitoring.model.kubernetes_output import KubernetesOutput, check_monitor_job, check_probe, monitor_kind
from monitoring.model.loadtest import LoadTestGates
from monitoring.model.metrics import AnyMetric, Catalog
from monitoring.model.output_names import check_output_names
from monitoring.model.probe import PROBE_SERIES
from monitoring.model.routing import Routing
from monitoring.model.rules import Alert, RecordingRule
from monitoring.model.scrape import ScrapeJob
from monitoring.model.service import Service
from monitoring.model.slo import SLO
from monitoring.promql.label_sets import TARGET_LABELS, job_labels
from monitoring.slo.naming import SLOTH_INFO
from monitoring.units import duration_ms, safe_url, unsafe_character

# Series Prometheus itself writes: per scrape target, and for alert state.
BUILTIN_SERIES = frozenset({
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
    "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE",
})


DEFAULT_SCRAPE_TIMEOUT = "10s"


def default_scrape_timeout(data: dict[str, object]) -> str:
    """Prometheus' default scrape_timeout for a global section of data: the smaller of 10s and scrape_interval
    (10s where the interval was left out or did not validate: its own error is reported)."""
    interval = data.get("scrape_interval", "1m")
    if isinstance(interval, str) and duration_ms(interval) < duration_ms(DEFAULT_SCRAPE_TIMEOUT):
        return interval
    return DEFAULT_SCRAPE_TIMEOUT


class Stack(Model):
    """Everything one `generate` run builds: services, routing, SLOs and dashboards, with every reference between them
    checked when it is built. Name it in pyproject.toml [tool.monitoring] stack.

        app = Service(name="app", metrics=(Counter(name="app_requests_total", help="Requests.", labels=("code",)),),
                      scrape_jobs=(ScrapeJob(name="app", static_configs=(StaticConfig(targets=("app:8080",)),)),))
        routing = Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),))
        availability = SLO(name="availability", service="app", objective="99.9",
                           sli=RatioSLI(errors='app_requests_total{code=~"5.."}', total="app_requests_total"))
        stack = Stack(name="shop", services=(app,), routing=routing, slos=(availability,))

    scrape_timeout defaults as Prometheus defaults it: to the smaller of 10s and scrape_interval. A scrape job
    without a scrape_timeout of its own is scraped with the smaller of the stack's and its own scrape_interval.
    """

    kind: ClassVar[str] = "stack"
    name: Slug
    scrape_interval: PositiveDuration = "1m"
    scrape_timeout: PositiveDuration = Field(default_factory=default_scrape_timeout)
    evaluation_interval: PositiveDuration = "1m"
    external_labels: Labels = Field(default_factory=dict)
    # Where Prometheus sends alerts: "host:port" (over HTTP, at the root path), or an AlertmanagerEndpoint for
    # HTTPS, a path prefix, auth or TLS.
    alertmanagers: tuple[HostPort | AlertmanagerEndpoint, ...] = ()
    # None: alerts without their own runbook_url get none (imported rules keep their annotations as they were).
    runbook_url_pattern: str | None = "https://runbooks.example.com/{service}/{alertname}"
    # Grafana's base URL, e.g. "https://grafana.example.com": every alert then carries a `dashboard_url`
    # annotation to its service's generated dashboard (an SLO alert: to the service's SLO dashboard).
    grafana_url: str | None = None
    services: tuple[Service, ...] = Field(min_length=1)
    catalogs: tuple[Catalog, ...] = ()
    routing: Routing
    slos: tuple[SLO, ...] = ()
    folders: tuple[Folder, ...] = (DEFAULT_FOLDER,)
    dashboard_settings: DashboardSettings = DashboardSettings()
    dashboards: tuple[Dashboard, ...] = ()
    # The data sources hand-written dashboards name, with their types (see DataSource).
    datasources: tuple[DataSource, ...] = ()
    load_test: LoadTestGates | None = None
    # Prometheus Operator resources under out/kubernetes/ as well; None: plain files only.
    kubernetes: KubernetesOutput | None = None

    @field_validator("runbook_url_pattern")
    @classmethod
    def _pattern_fields(cls, pattern: str | None) -> str | None:
        if pattern is None:
            return None
        try:
            pattern.format(service="s", alertname="A")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"runbook_url_pattern {pattern!r} may only use {{service}} and {{alertname}} ({exc})"
            ) from None
        return pattern

    @field_validator("grafana_url")
    @classmethod
    def _base_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if unsafe_character(url):  # urlsplit would drop a line break, which would then end up in every alert
            raise ValueError(f"grafana_url {safe_url(url)!r} must not contain a space or a control character")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"grafana_url {url!r} must be an http(s) base URL, like 'https://grafana.example.com'")
        if parts.username or parts.password:
            raise ValueError("grafana_url must not carry credentials: it is written into every alert")
        return url.rstrip("/")

    @model_check
    def _references(self) -> Stack:
        unique_names("service", self.services)
        unique_names("catalog", self.catalogs)
        unique_names("data source", self.datasources)
        uids: dict[str, int] = {}
        for index, source in enumerate(self.datasources):  # a uid left out is the name's
            uid = source.uid or source.name
            if uid in uids:
                raise FieldProblem(f"data sources {uids[uid]} and {index} have the same uid {uid!r}: Grafana could "
                                   "not tell them apart", field=f"datasources[{index}].uid", value=uid)
            uids[uid] = index
        self._check_metric_types()
        unique_names("scrape job", [j for s in self.services for j in (*s.scrape_jobs, *s.probes)])
        unique_names("alert", [a for s in self.services for a in s.alerts])
        by_service: dict[str, list[SLO]] = {s.name: [] for s in self.services}
        for objective in self.slos:
            by_service.setdefault(objective.service, []).append(objective)
        for service in self.services:  # SLO series carry service and slo: names repeat across services
            if len(by_service[service.name]) > 1:
                unique_names(f"slo of service {service.name!r}", by_service[service.name])
        self._check_scrape_timeouts()
        derived = frozenset(self._derived_series())  # a pass over every SLO: once for both checks
        self._check_selected_metrics(derived)
        self._check_slos()
        check_autoscaling(
            [(f"services[{i}].custom_metrics[{j}]", m) for i, s in enumerate(self.services)
             for j, m in enumerate(s.custom_metrics)],
            [(f"services[{i}].autoscalers[{j}]", h) for i, s in enumerate(self.services)
             for j, h in enumerate(s.autoscalers)], derived)
        self._check_monitors()
        return self

    def with_kubernetes(self, output: KubernetesOutput | None) -> Stack:
        """The stack with its Kubernetes output set (or turned off), its monitors checked for that output."""
        stack = self._trusted_copy({"kubernetes": output})
        stack._check_monitors()
        return stack

    def _check_monitors(self) -> None:
        if self.kubernetes is None:
            return
        for service in self.services:
            for job in service.scrape_jobs:
                if job.monitor:
                    check_monitor_job(job)
            for probe in service.probes:
                check_probe(probe)

    def _check_metric_types(self) -> None:
        """The same metric may be declared by several services and catalogs, but always as the same type."""
        seen: dict[str, tuple[str, str]] = {}
        owners = [(f"service {s.name!r}", s.metrics) for s in self.services]
        owners += [(f"catalog {c.name!r}", c.metrics) for c in self.catalogs]
        for owner, metrics in owners:
            for metric in metrics:
                first = seen.setdefault(metric.name, (owner, metric.type))
                if first[1] != metric.type:
                    raise metric.error(f"a {metric.type} in {owner} but a {first[1]} in {first[0]}: one name, one type",
                                       field="type", value=metric.type)

    def _check_slos(self) -> None:
        services = {s.name: s for s in self.services}
        names = set(services)
        metrics_of: dict[str, dict[str, AnyMetric]] = {}  # per service, built once: many SLOs share a service
        scraped = self._scraped_labels() if self.slos else frozenset()
        for slo in self.slos:
            service = services.get(slo.service)
            if service is not None and slo.service not in metrics_of:
                metrics_of[slo.service] = {m.name: m for m in self.service_metrics(service)}
            try:
                slo.check_references(names, metrics_of.get(slo.service, {}), scraped)
            except FieldProblem as problem:  # the SLO's own mistake: named at its own file:line, not the stack's
                raise slo.error(str(problem), field=problem.field, value=problem.value) from None
            slices = slo.timeslices
            if slices is not None and duration_ms(slices.window) % duration_ms(self.evaluation_interval):
                raise slo.error(f"budgeting.window {slices.window} is not a multiple of the stack's "
                                f"evaluation_interval {self.evaluation_interval}: each slice is read from one "
                                "evaluation", field="budgeting.window", value=slices.window)
        # The SLO's series (and so its alerts) carry its service's labels, under the SLO's own: none of them may be
        # one its naming sets.
        for slo in self.slos:
            service = services[slo.service]
            for key in service.labels:
                if key in slo.plan.naming.reserved:
                    raise service.error(f"labels: {key!r} is set by slo {slo.name!r} on its series and alerts, not "
                                        "by the service", field="labels", value=service.labels)
        object.__setattr__(self, "slos", tuple(
            slo._trusted_copy({"labels": {**services[slo.service].labels, **slo.labels}})
            if services[slo.service].labels else slo for slo in self.slos))
        self._check_slo_alert_names()

    def _check_slo_alert_names(self) -> None:
        """An SLO's alert names are made from alerting.name (or its service and name): each must be new, among the
        plain alerts' and the other SLOs'. The error names the later SLO and the definition that has the name."""
        if not self.slos:
            return
        owners: dict[str, Model] = {a.name: a for s in self.services for a in s.alerts}
        for slo in self.slos:
            for name in slo.plan.alert_names.values():
                first = owners.setdefault(name, slo)
                if first is slo:
                    continue
                made = f" (made at {first.defined_at})" if first.defined_at else ""
                field, value = ("alerting.name", slo.alerting.name) if slo.alerting.name else ("name", slo.name)
                how = (f"alerting.name {value!r}" if slo.alerting.name
                       else f"its service {slo.service!r} and name {slo.name!r}")
                raise slo.error(f"duplicate alert name {name!r} (made from {how}): {first.named}{made} has it too; "
                                "set alerting.name to tell them apart", field=field, value=value)

    def _scraped_labels(self) -> frozenset[str] | None:
        """Every label a scrape job of the stack attaches to what it scrapes (a metric of a shared catalog may come
        from any of them); None when a relabel chain copies labels that cannot be listed."""
        found: set[str] = set()
        for service in self.services:
            for job in service.scrape_jobs:
                labels = job_labels(job, self.external_labels)
                if labels is None:
                    return None
                found |= labels
        return frozenset(found | TARGET_LABELS | set(self.external_labels))

    def _check_scrape_timeouts(self) -> None:
        """Prometheus refuses a scrape_timeout longer than the scrape_interval it applies to; one left out it takes
        as the smaller of the default (the stack's, 10s for the stack) and that interval, which is never refused."""
        if duration_ms(self.scrape_timeout) > duration_ms(self.scrape_interval):  # (never the default)
            raise self.field_problem("scrape_timeout", f"scrape_timeout {self.scrape_timeout} must not exceed "
                                     f"scrape_interval {self.scrape_interval}")
        for service in self.services:
            for job in service.scrape_jobs:
                interval = job.scrape_interval or self.scrape_interval
                if job.scrape_timeout and duration_ms(job.scrape_timeout) > duration_ms(interval):
                    # Only an interval inherited from the stack gets here: the job's own check compares its own.
                    raise job.error(f"scrape_timeout {job.scrape_timeout} must not exceed scrape_interval {interval}",
                                    field="scrape_timeout", value=job.scrape_timeout)

    def scrape_timeout_of(self, job: ScrapeJob) -> str:
        """The scrape_timeout Prometheus scrapes job with: its own, or the smaller of the stack's and the job's
        scrape_interval."""
        if job.scrape_timeout:
            return job.scrape_timeout
        interval = job.scrape_interval or self.scrape_interval
        return interval if duration_ms(interval) < duration_ms(self.scrape_timeout) else self.scrape_timeout

    def _check_selected_metrics(self, derived: frozenset[str]) -> None:
        """Each service's rules select its own metrics, the shared catalogs' and recorded series only (`derived`:
        the stack's derived series)."""
        shared = set(derived)
        for catalog in self.catalogs:
            shared.update(n for m in catalog.metrics for n in m.series_names())
        shared_values = any(m.label_values for c in self.catalogs for m in c.metrics)
        for service in self.services:
            own = {n for m in service.metrics for n in m.series_names()}  # `shared` is not copied per service
            # Series name -> label -> the values the catalog declares: a matcher must match one of them. (Most
            # stacks declare none: no look-up of the service's catalog then.)
            declares = shared_values or any(m.label_values for m in service.metrics)
            values = {n: m.label_values for m in self.service_metrics(service) if m.label_values
                      for n in m.series_names()} if declares else {}
            for group in service.rule_groups:
                for rule in group.rules:
                    selected = rule.selected_metrics()
                    unknown = selected.difference(own, shared)  # (one pass in C: 50,000 rules at 10,000 services)
                    if unknown:
                        raise rule.error(
                            f"expr selects {min(unknown)!r}, which is in no metric catalog (the service's own or a "
                            f"shared one) and no recording rule (service {service.name!r})", field="expr",
                            value=rule.expr)
                    # Only selectors of metrics with declared values can miss: no parse for the others.
                    checked = values and not selected.isdisjoint(values)
                    for problem in promql.unmatched_values(promql.parse(rule.expr), values) if checked else ():
                        raise rule.error(f"expr: {problem}, so it selects nothing", field="expr", value=rule.expr)

    @model_check
    def _dashboard_references(self) -> Stack:
        # The known series only for the stack's own dashboards' queries: a pass over every SLO.
        known = self.known_series() if self.dashboards else frozenset()
        check_dashboards(self.folders, self.dashboard_settings, self.dashboards, known)
        return self

    def check(self) -> None:
        """The late checks: what the fields allow but generation cannot honour, found before anything renders.

        Each raises a DefinitionError naming the definition and where it was made: two definitions whose outputs
        would have one name (a file, a Kubernetes resource, a dashboard uid; see model.output_names), load-test
        gates naming no latency SLO or no alert with a threshold, an SLO whose
        selectors admit no test series, an alert test whose annotations cannot be predicted, windows no test step
        fits.
        `monitoring.generate` runs it first, so renderers trust the stack. Call it yourself to fail early:

            stack = Stack(name="shop", services=(...), routing=routing)
            stack.check()
        """
        # Its parts, in this order, are what generate runs: the per-definition ones in its worker processes, their
        # results taken in order, so that the first problem found is the one found here.
        whole_stack_checks(self)
        for index in range(len(self.slos)):
            slo_late_checks(self, index)
        for index in range(len(self.services)):
            service_late_checks(self, index)

    def _derived_series(self) -> set[str]:
        """Series every expression may select: Prometheus' own, recording rules and SLO rules."""
        names = set(BUILTIN_SERIES)
        for service in self.services:
            names.update(name for group in service.rule_groups for name in group.recorded_series)
            if service.probes:
                names.update(PROBE_SERIES)
        # SLOs of the same windows share one set of recorded series: each distinct set once.
        names.update(*{slo.recorded_series() for slo in self.slos}, *(slo.read_series() for slo in self.slos))
        return names

    def known_series(self) -> frozenset[str]:
        """Series names a dashboard may select: every catalog, recording rules, SLO rules and Prometheus' own."""
        return frozenset(self._derived_series() | {n for m in self.metrics for n in m.series_names()})

    def fixed_record_names(self) -> dict[str, str]:
        """Recorded series whose names something outside the stack fixes: name -> who (a recording rule's
        `name_fixed_by`; Sloth's dashboards, which read `sloth_slo_info`, for an SLO of naming='sloth')."""
        fixed = {rule.name: rule.name_fixed_by for service in self.services for group in service.rule_groups
                 for rule in group.rules if isinstance(rule, RecordingRule) and rule.name_fixed_by}
        if any(slo.naming == "sloth" for slo in self.slos):
            fixed[SLOTH_INFO] = "Sloth's dashboards (SLO naming='sloth')"
        return fixed

    def monitored_jobs(self) -> list[str]:
        """The scrape jobs that have a PodMonitor, ServiceMonitor or ScrapeConfig in the Kubernetes output (none
        without one), sorted."""
        if self.kubernetes is None:
            return []
        return sorted(job.name for service in self.services for job in service.scrape_jobs
                      if job.monitor and monitor_kind(job) is not None)

    def service_metrics(self, service: Service) -> tuple[AnyMetric, ...]:
        """What the service's selectors resolve against: its own metrics, then the shared catalogs'."""
        return _first_by_name((*service.metrics, *(m for c in self.catalogs for m in c.metrics)))

    @property
    def metrics(self) -> tuple[AnyMetric, ...]:
        """Every metric of every service and catalog, once per name (the types agree, see _check_metric_types)."""
        return _first_by_name((*(m for s in self.services for m in s.metrics),
                               *(m for c in self.catalogs for m in c.metrics)))

    def runbook_url(self, service: Service, alert: Alert) -> str | None:
        if alert.runbook_url or self.runbook_url_pattern is None:
            return alert.runbook_url
        return self.runbook_url_pattern.format(service=service.name, alertname=alert.name)

    def dashboard_url(self, service: str, *, slo: bool = False) -> str | None:
        """The generated dashboard an alert of service links to (its SLO dashboard for an SLO alert), or None
        without a grafana_url or when that dashboard is not generated."""
        settings = self.dashboard_settings
        if self.grafana_url is None:
            return None
        if slo:
            return f"{self.grafana_url}/d/{conventions.slo_dashboard_uid(service)}" if settings.slo_dashboards \
                else None
        return self._service_dashboard_url(next((s for s in self.services if s.name == service), None))

    def _service_dashboard_url(self, owner: Service | None) -> str | None:
        if self.grafana_url is None or not self.dashboard_settings.service_dashboards or owner is None \
                or not owner.metrics:
            return None
        return f"{self.grafana_url}/d/{conventions.service_dashboard_uid(owner.name)}"

    def alert_annotations(self, service: Service, alert: Alert) -> dict[str, str]:
        """An alert's annotations as written to its rule: summary, description, runbook_url, dashboard_url (with a
        grafana_url), then its own annotations, which may replace the generated links."""
        annotations = {"summary": alert.summary, "description": alert.description}
        if (runbook := self.runbook_url(service, alert)) is not None:
            annotations["runbook_url"] = runbook
        if (url := self._service_dashboard_url(service)) is not None:  # (not by name: a search per alert)
            annotations["dashboard_url"] = url
        return {**annotations, **dict(sorted(alert.annotations.items()))}


def _first_by_name(metrics: Iterable[AnyMetric]) -> tuple[AnyMetric, ...]:
    """The first metric of each name, in order (one pass: this runs over every metric of the stack)."""
    first: dict[str, AnyMetric] = {}
    for metric in metrics:
        first.setdefault(metric.name, metric)
    return tuple(first.values())


def whole_stack_checks(stack: Stack) -> None:
    """The late checks that look at the whole stack at once (part of Stack.check): output names, load-test gates."""
    from monitoring.render import k6  # the renderers import the model, not the reverse

    check_output_names(stack)
    if stack.load_test is not None:  # the gates name an SLO and an alert, which must be there
        k6.gates(stack, stack.load_test)


def slo_late_checks(stack: Stack, index: int) -> None:
    """The late checks of the stack's index-th SLO (part of Stack.check): that its windows leave a test step and
    its selectors admit test series."""
    from monitoring.slo import promtool_tests as slo_tests  # the renderers import the model, not the reverse

    slo = stack.slos[index]
    if slo.tiers and slo_tests.testable(slo):
        slo_tests.slo_step(slo)
        slo_tests.sli_series(slo)


def service_late_checks(stack: Stack, index: int) -> None:
    """The late checks of the stack's index-th service (part of Stack.check): that its alert tests have a step
    and annotations that can be predicted."""
    from monitoring.render import promtool_tests  # the renderers import the model, not the reverse

    service = stack.services[index]
    tested = [a for a in service.alerts if a.test is not None]
    if tested:
        promtool_tests.service_step(service)
    for alert in tested:
        assert alert.test is not None
        promtool_tests.expected_plain_alert(stack, service, alert, alert.test)
