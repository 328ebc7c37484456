"""Notifications carry the alert: annotations with runbook and dashboard links, and templates that show them."""

from __future__ import annotations

import pytest

from monitoring import DashboardSettings
from monitoring.errors import DefinitionError
from monitoring.render import alertmanager, rules
from tests.stacks.example import stack as example_stack


def _receivers(stack):
    return {r["name"]: r for r in alertmanager.render(stack)["receivers"]}


def test_alerts_link_their_service_dashboard_under_the_grafana_url() -> None:
    stack = type(example_stack)(**{**dict(example_stack), "grafana_url": "https://grafana.example.com/"})
    assert stack.grafana_url == "https://grafana.example.com"
    service = stack.services[0]
    annotations = [r["annotations"] for g in rules.render(stack, service)["groups"] for r in g["rules"]
                   if "alert" in r]
    assert {a["dashboard_url"] for a in annotations[1:]} == {"https://grafana.example.com/d/checkout-service"}
    # An alert's own dashboard annotation is kept as written.
    assert "dashboard_url" in annotations[0] and annotations[0]["dashboard"] == "https://grafana.example.com/d/checkout"
    assert list(annotations[1])[:4] == ["summary", "description", "runbook_url", "dashboard_url"]


def test_no_link_without_a_grafana_url_or_without_the_dashboard() -> None:
    assert example_stack.dashboard_url("checkout") is None
    off = example_stack.model_copy(update={"grafana_url": "https://g.example.com",
                                           "dashboard_settings": DashboardSettings(service_dashboards=False)})
    assert off.dashboard_url("checkout") is None
    assert off.dashboard_url("checkout", slo=True) == "https://g.example.com/d/checkout-slos"


@pytest.mark.parametrize("url", ["grafana.example.com", "https://user:pw@grafana.example.com",
                                 "https://grafana.example.com/?orgId=1", "ftp://grafana.example.com"])
def test_grafana_url_must_be_a_plain_base_url(url: str) -> None:
    with pytest.raises(DefinitionError, match="grafana_url"):
        type(example_stack)(**{**dict(example_stack), "grafana_url": url})


def test_slack_and_pagerduty_show_summary_description_and_links() -> None:
    plain = _receivers(example_stack)
    linked = _receivers(example_stack.model_copy(update={"grafana_url": "https://grafana.example.com"}))
    for receivers, dashboards in ((plain, False), (linked, True)):
        slack = next(c for r in receivers.values() for c in r.get("slack_configs", []))
        assert "{{ .CommonAnnotations.summary }}" in slack["title"]
        for annotation in ("description", "runbook_url", "dashboard_url"):
            assert f".Annotations.{annotation}" in slack["text"]
        pagerduty = next(c for r in receivers.values() for c in r.get("pagerduty_configs", []))
        assert pagerduty["description"] == "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}"
        assert ("dashboard_url" in pagerduty["details"]) is dashboards
        assert {"summary", "description", "runbook_url"} <= pagerduty["details"].keys()
        assert [link["text"] for link in pagerduty["links"]] == ["Runbook", "Dashboard"][:1 + dashboards]
