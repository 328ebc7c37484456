"""One plan per SLO: the rules, generated tests, dashboard, inhibit rules and known series all follow it.

The property: for every SLO shape (period, enabled tiers, guard, `for`, window policy, SLI kind) and every fixture
and example stack, what each generator writes agrees with the plan, and the whole output passes `validate` and
every generated promtool test.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
import yaml

from monitoring import (
    SLO,
    AlertTier,
    BooleanSLI,
    CalendarPeriod,
    Histogram,
    LatencySLI,
    ScrapeJob,
    Service,
    SLOAlerting,
    Stack,
    StaticConfig,
    Timeslices,
)
from monitoring.checks.tools import Tool
from monitoring.checks.validate import validate
from monitoring.model.slo import AlertWindow, QuerySLI, WindowPolicy
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.slo import promtool_tests as slo_tests
from monitoring.slo.windows import Tier
from tests.conftest import write_out
from tests.stacks.example import stack as example_stack
from tests.test_slo_stacks import api_service, availability, routing, variety

CUSTOM = WindowPolicy(windows=(AlertWindow(tier="page", long="2h", short="10m", burn_rate=10),
                               AlertWindow(tier="ticket", long="1d", short="2h", budget_percent=10)))


def shapes() -> tuple[SLO, ...]:
    """SLOs of every shape the plan distinguishes."""
    slos = []
    tier_choices = {"both": {}, "page only": {"ticket": AlertTier(severity="warning", enabled=False)},
                    "ticket only": {"page": AlertTier(severity="critical", enabled=False)}}
    for days, (tiers, overrides) in itertools.product((7, 14, 28, 30, 90), tier_choices.items()):
        slos.append(availability(name=f"s{days}d-{tiers.replace(' ', '-')}", period=f"{days}d",
                                 alerting=SLOAlerting(**overrides)))
    for days in (7, 30):
        slos.append(availability(name=f"guarded-{days}d", period=f"{days}d",
                                 alerting=SLOAlerting(min_events_per_second="2")))
    slos.append(availability(name="custom-policy", period="28d", window_policy=CUSTOM))
    slos.append(availability(name="held", alerting=SLOAlerting(page=AlertTier(severity="critical", for_="3m"))))
    slos.append(SLO(name="query-14d", service="api", objective="99.5", period="14d",
                    sli=QuerySLI(errors='sum(rate(api_requests_total{code=~"5.."}[{{window}}]))',
                                 total="sum(rate(api_requests_total[{{.window}}]))"),
                    alerting=SLOAlerting(summary="High error rate on api", title="api errors",
                                         labels={"category": "availability"},
                                         page=AlertTier(severity="pageteam", labels={"routing_key": "myteam"}))))
    slos.append(availability(name="per-route", group_by=("route",)))
    slos.append(SLO(name="latency-per-route", service="api", objective="99", group_by=("route",),
                    sli=LatencySLI(histogram="api_latency_seconds", threshold=1)))
    slos.append(SLO(name="query-per-route", service="api", objective="99.5", period="7d", group_by=("route",),
                    sli=QuerySLI(errors='sum by (route) (rate(api_requests_total{code=~"5.."}[{{window}}]))',
                                 total="sum by (route) (rate(api_requests_total[{{window}}]))")))
    slos.append(SLO(name="latency-7d", service="api", objective="99", period="7d",
                    sli=LatencySLI(histogram="api_latency_seconds", threshold=1)))
    slos.append(SLO(name="up-30d", service="api", objective="99.9", sli=BooleanSLI(gauge='up{job="api"}')))
    slos.append(SLO(name="up-7d-per-instance", service="api", objective="99.5", period="7d", group_by=("instance",),
                    sli=BooleanSLI(gauge='up{job="api"}'),
                    alerting=SLOAlerting(page=AlertTier(severity="critical", for_="2m"))))
    slos.append(SLO(name="up-28d-page-only", service="api", objective="99", period="28d", sli=BooleanSLI(gauge="up"),
                    alerting=SLOAlerting(ticket=AlertTier(severity="warning", enabled=False))))
    slos.append(availability(name="sliced-weekly", objective="99.5", budgeting=Timeslices(window="5m", target="0.99"),
                             calendar=CalendarPeriod(unit="week", timezone="Europe/Berlin")))
    slos.append(SLO(name="native-latency", service="web", objective="99", group_by=("route",),
                    sli=LatencySLI(histogram="web_request_duration_seconds", threshold="0.5", native=True)))
    return tuple(slos)


def web_service() -> Service:
    """A service whose latency is a native histogram."""
    return Service(name="web", metrics=(Histogram(name="web_request_duration_seconds", unit="seconds",
                                                  help="Latency.", native=True, labels=("route",)),),
                   scrape_jobs=(ScrapeJob(name="web", static_configs=(StaticConfig(targets=("web:8080",)),)),))


def shape_stack(names: frozenset[str] | None = None) -> Stack:
    slos = tuple(s for s in shapes() if names is None or s.name in names)
    return Stack(name="slo-shapes", services=(api_service(), web_service()), routing=routing(), slos=slos)


# promtool runs the generated tests of one SLO of each kind of difference (the others are the same arithmetic at
# another period; 7d..90d with both tiers are proven in test_slo_periods).
PROVEN = frozenset({"s7d-both", "s14d-page-only", "s28d-ticket-only", "s90d-ticket-only", "guarded-7d",
                    "custom-policy", "held", "latency-7d", "query-14d",
                    "per-route", "latency-per-route", "query-per-route", "up-30d", "up-7d-per-instance",
                    "up-28d-page-only", "native-latency", "sliced-weekly"})


STACKS = {"shapes": shape_stack, "variety": variety, "example": lambda: example_stack}


def _rules(files: dict[str, str], slo: SLO) -> list[dict[str, object]]:
    path = f"prometheus/rules/{slo.service}.slo.{slo.name}.rules.yml"
    return yaml.safe_load(files[path])["groups"][0]["rules"]


@pytest.mark.parametrize("name", sorted(STACKS))
def test_every_generator_follows_the_plan(name: str) -> None:
    stack = STACKS[name]()
    files = render_files(stack, GenerateContext("tests"))
    boards = "\n".join(text for path, text in files.items() if path.startswith("grafana/dashboards/"))
    for slo in stack.slos:
        plan = slo.plan
        rules = _rules(files, slo)
        alerts = {r["alert"]: r for r in rules if "alert" in r}
        assert set(alerts) == {plan.alert_name(t) for t in plan.tiers}
        assert {r["record"] for r in rules if "record" in r} == plan.recorded_series
        for tier in plan.tiers:
            expr = alerts[plan.alert_name(tier)]["expr"]
            used = set(re.findall(r"slo:sli_error:ratio_rate(\w+)\{", expr))
            assert used == {w for p in plan.tier_pairs(tier) for w in (p.window.long, p.window.short)}
            assert all(f"> ({p.threshold_text})" in expr for p in plan.tier_pairs(tier))
        tests = files.get(f"prometheus/tests/{slo.service}.slo.{slo.name}.test.yml")
        assert (tests is None) == (not plan.tiers or not slo_tests.testable(slo))
        if tests:
            checked = {c["alertname"] for t in yaml.safe_load(tests)["tests"] for c in t["alert_rule_test"]}
            assert checked == {plan.alert_name(t) for t in plan.tiers}
        # The dashboard draws the burn rate of exactly the enabled long windows.
        drawn = set(re.findall(rf'slo:sli_error:ratio_rate(\w+)\{{service=\\"{slo.service}\\", '
                               rf'slo=\\"{re.escape(slo.name)}\\"\}}\\n/ on', boards))
        assert drawn == {p.window.long for p in plan.pairs}, slo.name
        assert plan.recorded_series <= stack.known_series()
    inhibit = yaml.safe_load(files["alertmanager/alertmanager.yml"]).get("inhibit_rules", [])
    slo_inhibit = [r for r in inhibit if r.get("source_matchers") == [f'tier="{Tier.PAGE}"']]
    assert bool(slo_inhibit) == any(set(s.plan.tiers) == set(Tier) for s in stack.slos)


@pytest.mark.integration
def test_every_shape_passes_validate_and_its_generated_tests(tmp_path: Path, promtool: Tool, amtool: Tool) -> None:
    stack = shape_stack(PROVEN)
    out = tmp_path / "out"
    write_out(stack, out)
    failed = [f"{r.name}: {r.details}" for r in validate(out) if not r.ok]
    assert failed == []
    tests = sorted((out / "prometheus" / "tests").glob("*.yml"))
    # one per SLO but the native-histogram one (promtool 2.42 has no notation for it), one for the plain alerts
    assert len(tests) == len(stack.slos)
    proc = promtool.run("test", "rules", *map(str, tests))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_the_readme_example_with_the_ticket_disabled_draws_no_ticket() -> None:
    slo = availability(alerting=SLOAlerting(ticket=AlertTier(severity="warning", enabled=False)))
    stack = Stack(name="readme", services=(api_service(),), routing=routing(), slos=(slo,))
    files = render_files(stack, GenerateContext("tests"))
    board = json.loads(next(text for path, text in files.items() if path.endswith("api-slos.json")))
    assert "ticket" not in json.dumps(board)
    assert "ratio_rate1d" not in json.dumps(board)


def test_grouped_slos_keep_their_labels_through_every_recording_and_alert() -> None:
    stack = shape_stack(frozenset({"per-route", "query-per-route"}))
    files = render_files(stack, GenerateContext("tests"))
    for slo in stack.slos:
        rules = _rules(files, slo)
        for rule in rules:
            if "record" in rule and ("sum(" in rule["expr"] or "sum by" in rule["expr"]):
                assert "sum(" not in rule["expr"].replace("sum_over_time(", ""), rule
        tests = yaml.safe_load(files[f"prometheus/tests/api.slo.{slo.name}.test.yml"])["tests"]
        fired = [a for t in tests for c in t["alert_rule_test"] for a in c["exp_alerts"]]
        assert fired and all(a["exp_labels"]["route"] for a in fired)
    assert "or on (route)" in _rules(files, stack.slos[0])[1]["expr"]
