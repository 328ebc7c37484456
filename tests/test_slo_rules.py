"""SLO rules: golden files, exact thresholds, traffic-weighted windows, `le` spellings, and what promtool says."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from monitoring import conventions
from monitoring.checks.tools import Tool
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.render.numbers import go_float, python_float
from monitoring.slo import rules as slo_rules
from tests.test_slo_stacks import SOURCE, availability, stack_with, variety

SLO_NAMES = ("availability", "checkout-latency", "errors", "queue-free")


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return render_files(variety(), GenerateContext(SOURCE))


@pytest.mark.parametrize("name", SLO_NAMES)
def test_slo_rules_match_golden(golden, files: dict[str, str], name: str) -> None:
    golden(f"slo/rules/api.slo.{name}.rules.yml", files[conventions.slo_rules_file("api", name)])


def _rules(files: dict[str, str], name: str) -> dict[str, dict]:
    data = yaml.safe_load(files[conventions.slo_rules_file("api", name)])
    [group] = data["groups"]
    assert group["name"] == f"slo:api:{name}"
    return {rule.get("record", rule.get("alert")) + str(rule.get("labels", {}).get("slo")): rule
            for rule in group["rules"]}


def test_bad_and_total_are_summed_separately_then_divided(files: dict[str, str]) -> None:
    rules = _rules(files, "availability")
    total = rules["slo:sli_total_events:rate1havailability"]["expr"]
    bad = rules["slo:sli_bad_events:rate1havailability"]["expr"]
    ratio = rules["slo:sli_error:ratio_rate1havailability"]["expr"]
    assert total == "sum(rate(api_requests_total[1h]))"
    assert bad.startswith('sum(rate(api_requests_total{code=~"5.."}[1h]))\nor on ()\n0 * ')
    assert ratio == ('slo:sli_bad_events:rate1h{service="api", slo="availability"}\n/\n'
                     'slo:sli_total_events:rate1h{service="api", slo="availability"}')
    period = rules["slo:sli_error:ratio_rate30davailability"]["expr"]
    assert period.startswith("sum_over_time(slo:sli_bad_events:rate5m{")  # sums, never avg_over_time of ratios
    assert "avg" not in files[conventions.slo_rules_file("api", "availability")]


def test_every_series_carries_service_slo_and_the_slo_labels(files: dict[str, str]) -> None:
    for rule in _rules(files, "availability").values():
        if "record" in rule:
            assert rule["labels"] == {"service": "api", "slo": "availability", "team": "web"}


def test_alert_is_an_or_of_two_anded_pairs_with_exact_thresholds(files: dict[str, str]) -> None:
    rules = _rules(files, "availability")
    page = rules["ApiAvailabilityErrorBudgetBurnPageNone"]
    sel = '{service="api", slo="availability"}'
    assert page["expr"] == (
        f"(\n  slo:sli_error:ratio_rate1h{sel} > (14.4 * 0.001)\nand\n"
        f"  slo:sli_error:ratio_rate5m{sel} > (14.4 * 0.001)\n)\nor\n"
        f"(\n  slo:sli_error:ratio_rate6h{sel} > (6 * 0.001)\nand\n"
        f"  slo:sli_error:ratio_rate30m{sel} > (6 * 0.001)\n)"
    )
    assert page["labels"] == {"severity": "critical", "tier": "page"}
    assert page["annotations"]["description"] == (
        "Requests answered without a server error. api availability (99.9% over 30d) is burning its error budget "
        "14.4\u00d7 faster than sustainable over 1h and 5m (at that rate the 30-day budget is gone in ~2 days), "
        "or 6\u00d7 over 6h and 30m (gone in ~5 days).")
    assert page["annotations"]["runbook_url"] == "https://runbooks.example.com/api/ApiAvailabilityErrorBudgetBurnPage"


def test_no_float_noise_anywhere(files: dict[str, str]) -> None:
    for name in SLO_NAMES:
        text = files[conventions.slo_rules_file("api", name)]
        assert not re.search(r"\d\.\d{7,}", text), name
        assert not re.search(r"\de[-+]\d", text), name


def test_guard_for_and_disabled_tiers(files: dict[str, str]) -> None:
    checkout = _rules(files, "checkout-latency")
    page = checkout["CheckoutLatencyErrorBudgetBurnPageNone"]
    assert page["for"] == "2m"
    assert page["labels"] == {"severity": "critical", "tier": "page", "team": "checkout"}
    # The guard reads the short window: the long one is diluted while the history is shorter than the window.
    assert 'slo:sli_total_events:rate5m{service="api", slo="checkout-latency"} >= 1' in page["expr"]
    assert 'slo:sli_total_events:rate1h{service="api", slo="checkout-latency"} >= 1' not in page["expr"]
    assert page["annotations"]["runbook_url"] == "https://runbooks.example.com/checkout-latency"
    queue = _rules(files, "queue-free")
    assert "ApiQueueFreeErrorBudgetBurnTicketNone" not in queue
    assert not any("rate1d" in key or "rate3d" in key for key in queue)  # no ticket windows without tickets


@pytest.mark.parametrize(("value", "go", "python"), [
    (5, "5", "5.0"), (0.5, "0.5", "0.5"), (300, "300", "300.0"), (1e6, "1e+06", "1e+06"),
    (0.0001, "0.0001", "0.0001"), (1e-05, "1e-05", "1e-05"), (2.5, "2.5", "2.5"), (100000, "100000", "100000.0"),
])
def test_le_spellings_of_go_and_python_clients(value: float, go: str, python: str) -> None:
    assert (go_float(value), python_float(value)) == (go, python)
    from prometheus_client.utils import floatToGoString
    assert floatToGoString(value) == python


def test_le_matcher_matches_both_spellings_only_where_they_differ() -> None:
    assert slo_rules.le_matcher(Decimal("5")) == 'le=~"5|5\\\\.0"'
    assert slo_rules.le_matcher(Decimal("0.5")) == 'le="0.5"'
    pattern = slo_rules.le_matcher(Decimal("5")).split('"')[1].replace("\\\\", "\\")
    assert re.fullmatch(pattern, "5") and re.fullmatch(pattern, "5.0") and not re.fullmatch(pattern, "5x0")


def test_inhibit_rule_page_silences_ticket_of_the_same_slo(files: dict[str, str]) -> None:
    config = yaml.safe_load(files[conventions.ALERTMANAGER_CONFIG])
    assert {"source_matchers": ['tier="page"'], "target_matchers": ['tier="ticket"'],
            "equal": ["service", "slo"]} in config["inhibit_rules"]


def test_no_inhibit_rule_without_an_slo_that_has_both_tiers() -> None:
    from monitoring import AlertTier, SLOAlerting
    page_only = availability(alerting=SLOAlerting(ticket=AlertTier(severity="warning", enabled=False)))
    assert slo_rules.inhibit_rules(stack_with(page_only)) == []


@pytest.mark.integration
def test_promtool_and_amtool_accept_the_output(tmp_path: Path, files: dict[str, str], promtool: Tool,
                                               amtool: Tool) -> None:
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    rules = sorted((tmp_path / conventions.RULES_DIR).glob("*.slo.*.rules.yml"))
    assert len(rules) == 4
    proc = promtool.run("check", "rules", "--lint=all", "--lint-fatal", *map(str, rules))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS: 30 rules found" in proc.stdout and "SUCCESS: 20 rules found" in proc.stdout
    proc = amtool.run("check-config", str(tmp_path / conventions.ALERTMANAGER_CONFIG))
    assert proc.returncode == 0, proc.stdout + proc.stderr
