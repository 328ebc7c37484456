"""The stack: everything one `generate` run builds, with the references between objects checked."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from monitoring import promql
from monitoring.model.base import Model, unique_names
from monitoring.model.common import Labels, PositiveDuration, Slug, duration_ms, require_unique
from monitoring.model.dashboards import DEFAULT_FOLDER, Dashboard, DashboardSettings, Folder, check_dashboards
from monitoring.model.metrics import Counter, Gauge, Histogram, Summary
from monitoring.model.routing import Routing
from monitoring.model.rules import Alert
from monitoring.model.service import Service
from monitoring.model.slo import SLO

# Series Prometheus itself writes: per scrape target, and for alert state.
BUILTIN_SERIES = frozenset({
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
    "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE",
})


class Stack(Model):
    kind: ClassVar[str] = "stack"
    name: Slug
    scrape_interval: PositiveDuration = "1m"
    scrape_timeout: PositiveDuration = "10s"
    evaluation_interval: PositiveDuration = "1m"
    external_labels: Labels = {}
    alertmanagers: tuple[str, ...] = ()
    runbook_url_pattern: str = "https://runbooks.example.com/{service}/{alertname}"
    services: tuple[Service, ...] = Field(min_length=1)
    routing: Routing
    slos: tuple[SLO, ...] = ()
    folders: tuple[Folder, ...] = (DEFAULT_FOLDER,)
    dashboard_settings: DashboardSettings = DashboardSettings()
    dashboards: tuple[Dashboard, ...] = ()

    @field_validator("runbook_url_pattern")
    @classmethod
    def _pattern_fields(cls, pattern: str) -> str:
        try:
            pattern.format(service="s", alertname="A")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"runbook_url_pattern {pattern!r} may only use {{service}} and {{alertname}} ({exc})"
            ) from None
        return pattern

    @model_validator(mode="after")
    def _references(self) -> Stack:
        unique_names("service", self.services)
        unique_names("metric", [m for s in self.services for m in s.metrics])
        unique_names("scrape job", [j for s in self.services for j in s.scrape_jobs])
        unique_names("alert", [a for s in self.services for a in s.alerts])
        unique_names("slo", self.slos)
        self._check_scrape_timeouts()
        self._check_selected_metrics()
        self._check_slos()
        return self

    def _check_slos(self) -> None:
        services = {s.name for s in self.services}
        metrics = {m.name: m for m in self.metrics}
        for slo in self.slos:
            slo.check_references(services, metrics)
        require_unique("alert", [a.name for s in self.services for a in s.alerts]
                       + [slo.alert_name(tier) for slo in self.slos for tier in slo.tiers])

    def _check_scrape_timeouts(self) -> None:
        for service in self.services:
            for job in service.scrape_jobs:
                interval = job.scrape_interval or self.scrape_interval
                timeout = job.scrape_timeout or self.scrape_timeout
                if duration_ms(timeout) > duration_ms(interval):
                    raise job.error(f"scrape_timeout {timeout} must not exceed scrape_interval {interval}",
                                    field="scrape_timeout", value=timeout)

    def _check_selected_metrics(self) -> None:
        known = self.known_series()
        for service in self.services:
            for group in service.rule_groups:
                for rule in group.rules:
                    unknown = sorted(promql.selected_metrics(rule.expr) - known)
                    if unknown:
                        raise rule.error(f"expr selects {unknown[0]!r}, which is in no metric catalog and no "
                                         f"recording rule (service {service.name!r})", field="expr", value=rule.expr)

    @model_validator(mode="after")
    def _dashboard_references(self) -> Stack:
        check_dashboards(self.folders, self.dashboard_settings, self.dashboards, self.known_series())
        return self

    def check(self) -> None:
        """The late checks: what the fields allow but generation cannot honour, found before anything renders.

        Each raises a DefinitionError naming the definition and where it was made: an SLO whose selectors admit
        no test series, an alert test whose annotations cannot be predicted, windows no test step fits.
        `monitoring.generate` runs it first, so renderers trust the stack. Call it yourself to fail early:

            stack = Stack(name="shop", services=(...), routing=routing)
            stack.check()
        """
        # The renderers import the model, not the reverse.
        from monitoring.render import promtool_tests
        from monitoring.render.promtool_timing import choose_step
        from monitoring.slo import promtool_tests as slo_tests

        for slo in self.slos:
            if slo.tiers:
                choose_step(slo_tests.slo_windows(slo))
                slo_tests.sli_series(slo)
        for service in self.services:
            tested = [a for a in service.alerts if a.test is not None]
            if tested:
                choose_step(promtool_tests.service_windows(service))
            for alert in tested:
                assert alert.test is not None
                promtool_tests.expected_plain_alert(self, service, alert, alert.test)

    def known_series(self) -> frozenset[str]:
        """Series names an expression may select: catalog, recording rules, SLO rules and Prometheus' own."""
        names = set(BUILTIN_SERIES)
        for service in self.services:
            for metric in service.metrics:
                names.update(metric.series_names())
            names.update(r.name for r in service.recording_rules)
        for slo in self.slos:
            names.update(slo.recorded_series())
        return frozenset(names)

    @property
    def metrics(self) -> tuple[Counter | Gauge | Histogram | Summary, ...]:
        return tuple(m for s in self.services for m in s.metrics)

    def runbook_url(self, service: Service, alert: Alert) -> str:
        return alert.runbook_url or self.runbook_url_pattern.format(service=service.name, alertname=alert.name)
