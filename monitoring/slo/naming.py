"""How an SLO's series and alerts are labelled: this project's labels, or Sloth's.

The series names are the same either way (`slo:sli_error:ratio_rate5m`, `slo:objective:ratio`, ...: they are
Sloth's names). What differs are the labels that say which SLO a series belongs to:

- `default`: `service` and `slo` on every series, `tier` (page, ticket) on the alerts;
- `sloth`: Sloth's `sloth_id` (`<service>-<slo>`), `sloth_service` and `sloth_slo` on every series,
  `sloth_window` on the per-window SLI series, `sloth_severity` (page, ticket) on the alerts, and Sloth's
  `sloth_slo_info` series: dashboards built for Sloth's rules keep working after a migration.

`SLO(naming="sloth")` picks it; the SLO's plan carries it, so rules, generated tests, the dashboard, the inhibit
rules and lint's known series all follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from monitoring import conventions

NamingStyle = Literal["default", "sloth"]
# Sloth's info series: one per SLO, value 1, labelled with the SLO's identity and objective.
SLOTH_INFO = "sloth_slo_info"
# What sloth_slo_info says about its generator: Sloth's own CLI mode and spec, and this tool as the version.
SLOTH_INFO_LABELS = {"sloth_mode": "cli-gen-prom", "sloth_spec": "prometheus/v1", "sloth_version": "monitoring"}


@dataclass(frozen=True)
class SeriesNaming:
    """The labels that tie series and alerts to their SLO. Use `NAMINGS[style]`; `SLO.plan.naming` is the SLO's.

    >>> NAMINGS["sloth"].series_labels("myservice", "availability", {"team": "web"})
    {'sloth_id': 'myservice-availability', 'sloth_service': 'myservice', 'sloth_slo': 'availability', 'team': 'web'}
    """

    style: NamingStyle
    service_label: str
    slo_label: str
    tier_label: str
    id_label: str | None = None
    window_label: str | None = None

    @property
    def reserved(self) -> tuple[str, ...]:
        """Labels the SLO sets itself on its series and alerts: not for users' labels."""
        own = (self.service_label, self.slo_label, self.tier_label, self.id_label, self.window_label)
        return (*(label for label in own if label), *conventions.ALERT_LABELS)

    def identity(self, service: str, slo: str) -> dict[str, str]:
        labels = {self.service_label: service, self.slo_label: slo}
        if self.id_label:
            labels[self.id_label] = f"{service}-{slo}"
        return labels

    def selector(self, service: str, slo: str) -> str:
        """The matchers that pick one SLO's series: '{service="api", slo="availability"}'."""
        return "{" + ", ".join(f'{k}="{v}"' for k, v in self.identity(service, slo).items()
                               if k != self.id_label) + "}"

    def series_labels(self, service: str, slo: str, labels: dict[str, str]) -> dict[str, str]:
        """The labels of every series (and so every alert) of an SLO, sorted."""
        return dict(sorted({**self.identity(service, slo), **labels}.items()))

    def window_labels(self, window: str) -> dict[str, str]:
        """The labels a per-window SLI series adds: Sloth's sloth_window, or none."""
        return {self.window_label: window} if self.window_label else {}

    def without_window(self, condition: str) -> str:
        """An alert condition on per-window series with the window label dropped, so that the conditions of
        different windows match each other (Sloth's `max(...) without (sloth_window)`)."""
        if not self.window_label:
            return condition
        return f"max without ({self.window_label}) ({condition})"

    def info_labels(self, objective: str) -> dict[str, str]:
        """The extra labels of Sloth's info series (Sloth's mode, spec and objective)."""
        return {**SLOTH_INFO_LABELS, "sloth_objective": objective} if self.style == "sloth" else {}


NAMINGS: dict[str, SeriesNaming] = {
    "default": SeriesNaming("default", conventions.SLO_SERVICE_LABEL, conventions.SLO_LABEL,
                            conventions.SLO_TIER_LABEL),
    "sloth": SeriesNaming("sloth", "sloth_service", "sloth_slo", "sloth_severity", "sloth_id", "sloth_window"),
}
