"""Metric catalogs belong to services; shared catalogs are open to every service; service labels reach alerts."""

from __future__ import annotations

import pytest

from monitoring import (
    SLO,
    Alert,
    Catalog,
    Counter,
    Gauge,
    RatioSLI,
    Receiver,
    Route,
    Routing,
    RuleGroup,
    Service,
    Stack,
    Summary,
)
from monitoring.errors import DefinitionError
from monitoring.packs import catalogs
from monitoring.render import rules
from monitoring.slo import rules as slo

ROUTING = Routing(receivers=(Receiver(name="r"),), route=Route(receiver="r"))


def _service(name: str, metric: str, expr: str, **extra: object) -> Service:
    return Service(
        name=name, metrics=(Counter(name=metric, help="Requests."),),
        rule_groups=(RuleGroup(name=f"{name}.alerts", rules=(
            Alert(name=f"{name.capitalize()}Errors", expr=expr, severity="warning", summary="s", description="d"),
        )),), **extra)


def test_the_same_metric_in_two_services_is_allowed() -> None:
    stack = Stack(name="s", routing=ROUTING, services=(
        _service("a", "process_x_total", "rate(process_x_total[5m]) > 1"),
        _service("b", "process_x_total", "rate(process_x_total[5m]) > 1"),
    ))
    assert [m.name for m in stack.metrics] == ["process_x_total"]


def test_a_service_cannot_select_another_services_metric() -> None:
    where = r"\(tests/test_catalogs.py:\d+\)"
    with pytest.raises(DefinitionError, match=rf"alert 'BErrors' {where}: expr selects 'a_total'"):
        Stack(name="s", routing=ROUTING, services=(
            _service("a", "a_total", "rate(a_total[5m]) > 1"),
            _service("b", "b_total", "rate(a_total[5m]) > 1"),
        ))


def test_a_shared_catalog_is_open_to_every_service() -> None:
    expr = 'sum by (pod) (container_memory_working_set_bytes{container="a"}) > 1'
    stack = Stack(name="s", routing=ROUTING, catalogs=(catalogs.cadvisor(),),
                  services=(_service("a", "a_total", expr),))
    assert "container_memory_working_set_bytes" in {m.name for m in stack.service_metrics(stack.services[0])}
    with pytest.raises(DefinitionError, match="container_memory_working_set_bytes"):
        Stack(name="s", routing=ROUTING, services=(_service("a", "a_total", expr),))


def test_one_metric_name_has_one_type_everywhere() -> None:
    gauge_service = Service(name="b", metrics=(Gauge(name="x_seconds", unit="seconds", help="h"),))
    summary = Catalog(name="c", metrics=(Summary(name="x_seconds", unit="seconds", help="h"),))
    where = r"\(tests/test_catalogs.py:\d+\)"
    with pytest.raises(DefinitionError, match=rf"metric 'x_seconds' {where}: a summary in catalog 'c' but a gauge"):
        Stack(name="s", routing=ROUTING, services=(gauge_service,), catalogs=(summary,))


def test_shared_catalog_packs_are_valid_and_distinct() -> None:
    packs = (catalogs.kube_state_metrics(), catalogs.cadvisor(), catalogs.node_exporter(), catalogs.process())
    names = [m.name for c in packs for m in c.metrics]
    assert len(names) == len(set(names))
    assert {c.name for c in packs} == {"kube-state-metrics", "cadvisor", "node-exporter", "process"}


def test_service_labels_are_on_every_alert_and_slo_series() -> None:
    service = _service("shop", "shop_requests_total", "rate(shop_requests_total[5m]) > 1", labels={"team": "shop"})
    objective = SLO(name="availability", service="shop", objective="99", sli=RatioSLI(
        errors='shop_requests_total{code="500"}', total="shop_requests_total"))
    stack = Stack(name="s", routing=ROUTING, services=(service,), slos=(objective,))
    rendered = rules.render(stack, service)
    assert rendered["groups"][0]["rules"][0]["labels"] == {"severity": "warning", "team": "shop"}
    groups = slo.render(stack, stack.slos[0])["groups"]
    # Every recorded SLO series carries the label; the burn-rate alerts inherit it from the series they select.
    records = [r for g in groups for r in g["rules"] if "record" in r]
    assert records and all(r["labels"]["team"] == "shop" for r in records)


@pytest.mark.parametrize("key", ["severity", "alertname"])
def test_service_labels_may_not_override_what_alerts_set(key: str) -> None:
    """Those of every alert; the labels an SLO's naming sets are refused with the stack, where the service's SLOs
    are known (tests/test_reserved_labels.py)."""
    with pytest.raises(DefinitionError, match=f"labels: '{key}' is set by each alert or SLO"):
        Service(name="a", labels={key: "x"})
