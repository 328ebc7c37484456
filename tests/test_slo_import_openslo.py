"""`import-slo` for OpenSLO v1: SLO, SLI (inline and referenced), AlertPolicy and AlertCondition (inline and
referenced), in single- and multi-document files; every field that does not map is named.

The positive specs are this project's own (tests/slo_specs); OpenSLO's published examples use no Prometheus data
source, so each of them is a named error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring.checks.tools import Tool
from monitoring.cli import main
from monitoring.errors import InputFileError
from monitoring.slo import specs
from tests.conftest import shared_reference
from tests.slo_imports import SPECS, import_slos, imported_stack, prove

SHOP, SEARCH = SPECS / "openslo-shop.yaml", SPECS / "openslo-search.yaml"


def test_referenced_objects_across_documents_make_one_slo_with_its_alert_policies(tmp_path: Path) -> None:
    [slo] = import_slos(tmp_path, SHOP)
    assert (slo.name, slo.service, str(slo.objective), slo.period) == ("checkout-availability", "shop", "99.9",
                                                                      "28d")
    assert slo.labels == {"team": "shop"}
    assert slo.sli.errors == 'sum(rate(shop_requests_total{route="/checkout",code=~"5.."}[{{window}}]))'
    pairs = [(str(p.tier), p.window.long, p.window.short, p.threshold_text) for p in slo.plan.pairs]
    assert pairs == [("page", "1h", "5m", "14.4 * 0.001"), ("ticket", "1d", "2h", "3 * 0.001")]
    assert (slo.alerting.page.severity, slo.alerting.page.for_) == ("page", "2m")
    assert (slo.alerting.ticket.severity, slo.alerting.ticket.for_) == ("ticket", None)


def test_an_inline_sli_with_good_events_and_two_objectives_makes_two_slos(tmp_path: Path) -> None:
    internal, contract = import_slos(tmp_path, SEARCH)
    assert (internal.name, str(internal.objective)) == ("search-internal", "99.5")
    assert (contract.name, str(contract.objective)) == ("search-contract", "99")
    # Good events are subtracted from all events; the selector is rated over each window.
    assert internal.sli.errors == ('sum(rate(shop_searches_total[{{window}}])) - '
                                   'sum(rate(shop_searches_total{result="ok"}[{{window}}]))')
    assert internal.plan.tiers == ("page", "ticket")  # no alert policy: the built-in policy


def test_timeslices_and_a_calendar_month_map_onto_the_slo(tmp_path: Path) -> None:
    [slo] = import_slos(tmp_path, SPECS / "openslo-monthly.yaml")
    assert (slo.period, slo.budgeting.window, str(slo.budgeting.target)) == ("30d", "1m", "0.95")
    assert (slo.calendar.unit, slo.calendar.timezone) == ("month", "Europe/Berlin")


def test_notes_name_what_belongs_to_the_stack(tmp_path: Path) -> None:
    imported = specs.read_files([SHOP])
    notes = "\n".join(imported.notes)
    assert "DataSource prometheus: connectionDetails are not carried" in notes
    assert "notification target on-call" in notes
    assert "alertWhenResolved" in notes


def test_objects_no_slo_uses_are_named(tmp_path: Path) -> None:
    path = tmp_path / "more.yaml"
    path.write_text("apiVersion: openslo/v1\nkind: Service\nmetadata: {name: shop}\nspec: {description: Shop}\n"
                    "---\napiVersion: openslo/v1\nkind: AlertNotificationTarget\nmetadata: {name: on-call}\n"
                    "spec: {target: email}\n---\napiVersion: openslo/v1\nkind: SLI\nmetadata: {name: spare}\n"
                    "spec: {ratioMetric: {}}\n")
    notes = specs.read_files([path, SHOP]).notes
    assert f"{path}:11: SLI 'spare' is used by no SLO read; not imported" in notes
    assert not any("'shop'" in note or "'on-call'" in note for note in notes)  # both are referenced


@pytest.mark.integration
def test_imported_openslo_slos_generate_validate_and_pass_their_tests(tmp_path: Path, promtool: Tool) -> None:
    stack = imported_stack(import_slos(tmp_path, SHOP, SEARCH, SPECS / "openslo-monthly.yaml"))
    assert prove(tmp_path, stack, promtool) == 4


def test_the_cli_writes_one_module_per_service_and_prints_the_notes(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-slo", str(SHOP), str(SEARCH), "--directory", str(tmp_path / "slos")]) == 0
    out, err = capsys.readouterr()
    assert "imported 3 SLOs of 1 services" in out
    assert "monitoring: warning: DataSource prometheus: connectionDetails are not carried" in err
    assert sorted(p.name for p in (tmp_path / "slos").iterdir()) == ["slos_shop.py"]


@pytest.mark.parametrize(("name", "message"), [
    ("budgeting-method/occurences-slo.yaml", ":15: spec.indicator.spec.thresholdMetric is not supported"),
    ("budgeting-method/ratio-timeslices.yaml",
     ":23: spec.indicator.spec.ratioMetric.total.metricSource.type is not supported: 'Any'"),
    ("budgeting-method/timeslices-slo.yaml", ":23: spec.indicator.spec.ratioMetric.total.metricSource.type"),
    ("treat-low-traffic-as-equally-important/timeslices-slo.yaml", "metricSource.type is not supported: 'Any'"),
])
def test_openslos_examples_are_named_errors(name: str, message: str) -> None:
    path = shared_reference(f"openslo/examples/{name}")
    with pytest.raises(InputFileError) as raised:
        specs.read_files([path])
    assert str(raised.value).startswith(str(path)) and message in str(raised.value)
    assert "\n" not in str(raised.value)


SLO_HEAD = """apiVersion: openslo/v1
kind: SLO
metadata:
  name: search
spec:
  service: shop
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
"""
PROM = "metricSource: {type: Prometheus, spec: {query: 'x_total'}}"


@pytest.mark.parametrize(("text", "message"), [
    (SLO_HEAD + f"  indicator:\n    metadata: {{name: i}}\n    spec:\n      ratioMetric:\n        good: {{{PROM}}}\n"
     "        total: {metricSource: {type: Datadog, spec: {query: 'x'}}}\n",
     "spec.indicator.spec.ratioMetric.total.metricSource.type is not supported: 'Datadog'"),
    (SLO_HEAD + "  indicatorRef: nowhere\n", ":10: spec.indicatorRef 'nowhere' names no SLI in the files read"),
    (SLO_HEAD.replace("Occurrences", "RatioTimeslices") + "  indicatorRef: i\n---\napiVersion: openslo/v1\nkind: SLI\n"
     f"metadata: {{name: i}}\nspec:\n  ratioMetric:\n    bad: {{{PROM}}}\n    total: {{{PROM}}}\n",
     ":7: spec.budgetingMethod is not supported: 'RatioTimeslices'"),
    (SLO_HEAD.replace("Occurrences", "Timeslices") + "  indicatorRef: i\n---\napiVersion: openslo/v1\nkind: SLI\n"
     f"metadata: {{name: i}}\nspec:\n  ratioMetric:\n    bad: {{{PROM}}}\n    total: {{{PROM}}}\n",
     ":9: spec.objectives[0].timeSliceWindow and timeSliceTarget are required with budgetingMethod Timeslices"),
    (SLO_HEAD + "  indicatorRef: i\n  timeWindow:\n    - duration: 1Q\n      calendar: {startTime: 2024-01-01}\n"
     f"---\napiVersion: openslo/v1\nkind: SLI\nmetadata: {{name: i}}\nspec:\n  ratioMetric:\n"
     f"    bad: {{{PROM}}}\n    total: {{{PROM}}}\n", "timeWindow[0].duration is not supported: '1Q'"),
    (SLO_HEAD + "  indicatorRef: i\n  alertPolicies:\n    - kind: AlertPolicy\n      metadata: {name: p}\n"
     "      spec:\n        alertWhenNoData: true\n        conditions: []\n---\napiVersion: openslo/v1\nkind: SLI\n"
     f"metadata: {{name: i}}\nspec:\n  ratioMetric:\n    bad: {{{PROM}}}\n    total: {{{PROM}}}\n",
     "spec.alertPolicies[0].spec.alertWhenNoData is not supported"),
    (SLO_HEAD + "  indicatorRef: i\n  sloth: true\n---\napiVersion: openslo/v1\nkind: SLI\n"
     f"metadata: {{name: i}}\nspec:\n  ratioMetric:\n    bad: {{{PROM}}}\n    total: {{{PROM}}}\n",
     ":11: spec.sloth is not supported: this importer does not know the field"),
    ("apiVersion: openslo/v1alpha\nkind: SLO\n", "apiVersion is not supported: 'openslo/v1alpha'"),
])
def test_what_does_not_map_is_named_with_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(InputFileError) as raised:
        specs.read_files([path])
    assert message in str(raised.value) and str(raised.value).startswith(f"{path}:")
