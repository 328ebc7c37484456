"""An alert's dashboard link is the one `Stack.dashboard_url` gives for its service, found without a search."""

from __future__ import annotations

from alerts.stack import stack as repository_stack
from monitoring import Stack
from tests.test_alert_shapes import SHAPES_STACK


def _stacks() -> list[Stack]:
    settings = SHAPES_STACK.dashboard_settings
    return [repository_stack, SHAPES_STACK.model_copy(update={"grafana_url": "https://grafana.example"}),
            SHAPES_STACK.model_copy(update={"grafana_url": "https://grafana.example", "dashboard_settings":
                                            settings.model_copy(update={"service_dashboards": False})})]


def test_each_alert_links_the_dashboard_of_its_service() -> None:
    linked = 0
    for stack in _stacks():
        for service in stack.services:
            for alert in service.alerts:
                url = stack.alert_annotations(service, alert).get("dashboard_url")
                assert url == (alert.annotations.get("dashboard_url") or stack.dashboard_url(service.name))
                linked += url is not None
    assert linked > 0
