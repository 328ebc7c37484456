"""The labels no definition may name: every alert's own (severity, alertname), and those an SLO's naming sets on
its series and alerts, wherever they are given (the SLO, its alerting section and tiers, its service), judged by
that SLO's naming. One definition of each: conventions.ALERT_LABELS and SeriesNaming.reserved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from monitoring import SLO, AlertTier, DefinitionError, Service, SLOAlerting, Stack
from monitoring.conventions import ALERT_LABELS
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.slo.naming import NAMINGS
from tests.test_slo_stacks import api_metrics, availability, routing


def _stack(service_labels: dict[str, str], *slos: SLO) -> Stack:
    service = Service(name="api", metrics=api_metrics(), labels=service_labels)
    return Stack(name="reserved", services=(service,), routing=routing(), slos=slos)


def test_every_naming_reserves_the_alert_labels_and_its_own() -> None:
    for naming in NAMINGS.values():
        own = {naming.service_label, naming.slo_label, naming.tier_label, naming.id_label, naming.window_label}
        assert set(naming.reserved) == (own - {None}) | set(ALERT_LABELS)


@pytest.mark.parametrize("key", ALERT_LABELS)
def test_the_alert_labels_are_refused_where_they_are_written(key: str) -> None:
    with pytest.raises(DefinitionError, match=f"labels: '{key}' is set by the SLO itself"):
        AlertTier(severity="critical", labels={key: "x"})
    with pytest.raises(DefinitionError, match=f"labels: '{key}' is set by the SLO itself"):
        SLOAlerting(labels={key: "x"})
    with pytest.raises(DefinitionError, match=f"labels: '{key}' is set by each alert or SLO"):
        Service(name="api", labels={key: "x"})


ALERTING: list[tuple[str, Callable[[str], dict[str, Any]]]] = [
    ("alerting.labels", lambda key: {"alerting": SLOAlerting(labels={key: "x"})}),
    ("alerting.page.labels", lambda key: {"alerting": SLOAlerting(page=AlertTier(severity="critical",
                                                                                   labels={key: "x"}))}),
    ("alerting.ticket.labels", lambda key: {"alerting": SLOAlerting(ticket=AlertTier(severity="warning",
                                                                                       labels={key: "x"}))}),
    ("labels", lambda key: {"labels": {key: "x"}}),
]


@pytest.mark.parametrize(("where", "fields"), ALERTING, ids=[w for w, _ in ALERTING])
def test_an_slos_labels_are_judged_by_its_own_naming(where: str, fields: Callable[[str], dict[str, Any]]) -> None:
    """'slo' is the default naming's label, free under Sloth's; 'sloth_id' the reverse."""
    with pytest.raises(DefinitionError, match=f"{where}: 'slo' is set by the SLO itself"):
        availability(**fields("slo"))
    availability(naming="sloth", **fields("slo"))
    with pytest.raises(DefinitionError, match=f"{where}: 'sloth_id' is set by the SLO itself"):
        availability(naming="sloth", **fields("sloth_id"))
    availability(**fields("sloth_id"))


@pytest.mark.parametrize(("naming", "key"), [("default", "slo"), ("default", "tier"), ("sloth", "sloth_id"),
                                             ("sloth", "sloth_service")])
def test_a_services_labels_may_not_be_one_its_slos_naming_sets(naming: str, key: str) -> None:
    """The SLO's series carry its service's labels: one of its naming's would replace the SLO's own (its identity)."""
    with pytest.raises(DefinitionError) as raised:
        _stack({key: "x"}, availability(naming=naming)).check()
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("service 'api'")
    assert f"labels: '{key}' is set by slo 'availability' on its series and alerts, not by the service" in message
    assert "test_reserved_labels.py" in message  # where the service was made


def test_a_services_label_one_naming_reserves_is_free_under_another() -> None:
    """'slo' on a service whose SLOs are named Sloth's way: carried on their series and alerts."""
    stack = _stack({"slo": "checkout", "team": "web"}, availability(naming="sloth"))
    stack.check()
    files = render_files(stack, GenerateContext("tests.reserved:stack"))
    rules = files["prometheus/rules/api.slo.availability.rules.yml"]
    assert "slo: checkout" in rules and "sloth_slo: availability" in rules
    _stack({"slo": "checkout"}).check()  # no SLO: nothing sets it
