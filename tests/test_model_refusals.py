"""Definitions Prometheus, Alertmanager or promtool cannot use are refused when made, naming the definition,
the field and where it was made; a test that could never finish is left out with a warning instead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from monitoring import (
    SLO,
    Alert,
    BooleanSLI,
    DefinitionError,
    Email,
    LatencySLI,
    PagerDuty,
    QuerySLI,
    RatioSLI,
    Receiver,
    Route,
    Routing,
    RuleGroup,
    Service,
    Slack,
    SLOAlerting,
    Stack,
    TimeInterval,
    VerbatimRule,
)
from monitoring.checks import context
from monitoring.errors import MonitoringError
from monitoring.grafana.publish.config import GrafanaConfig
from monitoring.output.emitters import GenerateContext, output_files
from monitoring.project import Project
from monitoring.render import promtool_tests
from monitoring.slo import promtool_tests as slo_tests
from tests.test_slo_stacks import api_down_alert, api_metrics, api_service, routing, stack_with

HERE = Path(__file__).name


def availability(**overrides: object) -> SLO:
    """An SLO made here, so that errors point into this file."""
    fields: dict[str, object] = dict(name="availability", service="api", objective="99.9",
                                     sli=RatioSLI(errors='api_requests_total{code=~"5.."}', total="api_requests_total"))
    return SLO(**{**fields, **overrides})


def refusal(build: Callable[[], object]) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        build()
    error = caught.value
    assert error.where is not None and error.where.startswith(f"tests/{HERE}:"), error.where
    assert "\n" not in str(error)
    return error


# --- 1: what a rule records must be an instant vector or a scalar ------------------------------------------------

RULE_VALUES = [
    ("query total a range vector", lambda: QuerySLI(errors="sum(rate(x_total[{{window}}]))",
                                                    total="x_total[{{window}}]"), "total", "is a range vector"),
    ("query errors a range vector", lambda: QuerySLI(errors="x_total[{{window}}]",
                                                     total="sum(rate(x_total[{{window}}]))"), "errors",
     "is a range vector"),
    ("query total a string", lambda: QuerySLI(errors="sum(rate(x_total[{{window}}]))", total='"x{{window}}"'),
     "total", "is a string"),
    ("verbatim rule a range vector", lambda: VerbatimRule(record="job:x:raw", expr="x_total[5m]"), "expr",
     "is a range vector"),
]


@pytest.mark.parametrize(("build", "field", "problem"), [c[1:] for c in RULE_VALUES], ids=[c[0] for c in RULE_VALUES])
def test_a_rule_value_that_prometheus_cannot_evaluate_is_refused(build: Callable[[], object], field: str,
                                                                  problem: str) -> None:
    error = refusal(build)
    assert error.field == field
    assert f"{field} " in error.problem and problem in error.problem


def test_a_query_sli_in_an_slo_names_the_slo_and_sli_field() -> None:
    error = refusal(lambda: SLO(name="availability", service="api", objective="99.9",
                                sli=QuerySLI(errors="sum(rate(api_requests_total[{{window}}]))",
                                             total="api_requests_total[{{window}}]")))
    assert (error.definition, error.field) == ("slo 'availability'", "sli.total")
    assert "'api_requests_total[{{window}}]' is a range vector" in error.problem


# --- 2: generated tests stay bounded -------------------------------------------------------------------------------


def test_an_slo_whose_tests_would_never_finish_gets_a_warning_and_no_test() -> None:
    stack = stack_with(availability(period="3650d"))
    slo = stack.slos[0]
    stack.check()
    assert not slo_tests.testable(slo)
    assert slo_tests.render_text(stack, slo) is None
    [warning] = slo_tests.warnings(slo)
    assert "50,000" in warning and "no promtool test was generated" in warning


def test_the_manifest_says_why_an_slos_alerts_have_no_generated_test() -> None:
    """`monitoring test` explains each untested alert from the manifest: an SLO's alerts carry its warning."""
    stack = stack_with(availability(period="3650d"))
    _, manifest = output_files(stack, GenerateContext("tests:stack"))
    [warning] = slo_tests.warnings(stack.slos[0])
    alerts = set(stack.slos[0].plan.alert_names.values())
    assert len(alerts) == 2 and context.untested(manifest.checks) == dict.fromkeys(sorted(alerts), warning)
    assert warning.startswith("slo 'availability': ")


def test_an_slo_of_a_year_is_still_tested() -> None:
    stack = stack_with(availability(period="365d"))
    assert slo_tests.testable(stack.slos[0]) and not slo_tests.warnings(stack.slos[0])


def test_an_alert_whose_for_is_years_is_left_untested_and_says_why() -> None:
    stack = stack_with(alerts=(api_down_alert().model_copy(update={"for_": "5y"}),))
    untested: dict[str, str] = {}
    warnings: list[str] = []
    assert promtool_tests.render_text(stack, stack.services[0], untested=untested, warnings=warnings) is None
    assert "its for of 5y" in untested["APIDown"] and "50,000" in untested["APIDown"]
    assert warnings == [f"alert 'APIDown' of service 'api': {untested['APIDown']}, so no promtool test was "
                        "generated for it"]


def test_an_alert_whose_for_is_a_day_is_still_tested() -> None:
    stack = stack_with(alerts=(api_down_alert().model_copy(update={"for_": "1d"}),))
    assert promtool_tests.render_text(stack, stack.services[0]) is not None


# --- 3: time intervals and the root route as Alertmanager reads them -----------------------------------------------

TIME_INTERVALS = [
    ("day 32", {"days_of_month": ("32",)}, "days_of_month"),
    ("day 0", {"days_of_month": ("0",)}, "days_of_month"),
    ("day range from a negative to a positive day", {"days_of_month": ("-1:5",)}, "days_of_month"),
    ("day range before its start in a 28-day month", {"days_of_month": ("28:-1",)}, "days_of_month"),
    ("negative day range reversed", {"days_of_month": ("-3:-5",)}, "days_of_month"),
    ("years reversed", {"years": ("2030:2020",)}, "years"),
    ("year 0", {"years": ("0",)}, "years"),
    ("months reversed", {"months": ("december:january",)}, "months"),
    ("month 13", {"months": ("13",)}, "months"),
    ("weekdays reversed", {"weekdays": ("friday:monday",)}, "weekdays"),
    ("three-part range", {"weekdays": ("monday:tuesday:friday",)}, "weekdays"),
    ("unknown zone", {"location": "Mars/Olympus"}, "location"),
]


@pytest.mark.parametrize(("fields", "field"), [c[1:] for c in TIME_INTERVALS], ids=[c[0] for c in TIME_INTERVALS])
def test_a_time_interval_amtool_refuses_or_never_matches_is_refused(fields: dict[str, object], field: str) -> None:
    error = refusal(lambda: TimeInterval(name="n", **fields))
    assert (error.definition, error.field) == ("time interval 'n'", field)


def test_time_intervals_alertmanager_accepts_are_kept() -> None:
    # A positive start with a negative end, as amtool 0.25 takes it (16:-1: the second half of every month).
    interval = TimeInterval(name="n", days_of_month=("1:31", "-31:-1", "15", "16:-1", "1:-1", "27:-1"),
                            months=("January:march", "1:12"),
                            weekdays=("Monday:FRIDAY", "sunday:sunday"), years=("2020:2030",), location="Local")
    assert interval.months == ("January:march", "1:12")
    assert TimeInterval(name="n", location="Europe/Berlin").location == "Europe/Berlin"


@pytest.mark.parametrize("field", ["mute_time_intervals", "active_time_intervals"])
def test_the_root_route_has_no_time_intervals(field: str) -> None:
    error = refusal(lambda: Routing(route=Route(receiver="default", **{field: ("n",)}),
                                    receivers=(Receiver(name="default"),), time_intervals=(TimeInterval(name="n"),)))
    assert error.field == f"route.{field}"


# --- 4: the stack's checks of an SLO name the SLO, where it was made -----------------------------------------------

SLO_REFERENCES = [
    ("unknown service", lambda: availability(service="billing"), "service"),
    ("ratio on a gauge", lambda: availability(sli=RatioSLI(errors="api_queue_depth", total="api_requests_total")),
     "sli.errors"),
    ("threshold not a bucket", lambda: availability(sli=LatencySLI(histogram="api_latency_seconds", threshold=0.3)),
     "sli.threshold"),
    ("group_by not a label", lambda: availability(group_by=("tenant",)), "group_by"),
    ("native on a classic histogram",
     lambda: availability(sli=LatencySLI(histogram="api_latency_seconds", threshold=0.5, native=True)), "sli.native"),
]


@pytest.mark.parametrize(("make", "field"), [c[1:] for c in SLO_REFERENCES], ids=[c[0] for c in SLO_REFERENCES])
def test_a_reference_error_names_the_slo_and_its_line(make: Callable[[], SLO], field: str) -> None:
    slo = make()
    error = refusal(lambda: stack_with(slo))
    assert (error.definition, error.where, error.field) == ("slo 'availability'", slo.defined_at, field)
    assert not error.problem.startswith("slo ")  # the definition already names it


def test_two_slos_with_one_alert_name_name_both() -> None:
    first = availability(alerting=SLOAlerting(name="Same"))
    second = availability(name="other", alerting=SLOAlerting(name="Same"))
    error = refusal(lambda: stack_with(first, second))
    assert (error.definition, error.where, error.field, error.value) == ("slo 'other'", second.defined_at,
                                                                         "alerting.name", "Same")
    assert f"slo 'availability' (made at {first.defined_at})" in error.problem


def test_an_slo_alert_name_clashing_with_an_alert_names_the_alert() -> None:
    slo = availability(alerting=SLOAlerting(name="APIDown"))
    alert = Alert(name="APIDownErrorBudgetBurnPage", severity="critical", expr="up == 0", summary="Down.",
                  description="Down.")
    error = refusal(lambda: stack_with(slo, alerts=(alert,)))
    assert error.definition == "slo 'availability'" and "alert 'APIDownErrorBudgetBurnPage'" in error.problem


# --- 5: no pydantic internals in messages --------------------------------------------------------------------------


def test_one_definition_for_a_tuple_of_them_is_said_so() -> None:
    counter = api_metrics()[0]
    error = refusal(lambda: Service(name="api", metrics=counter))  # type: ignore[arg-type]
    assert error.field == "metrics"
    assert error.problem.startswith("metrics must be a tuple of metrics, not a Counter")
    error = refusal(lambda: Stack(name="p", services=api_service(), routing=routing()))  # type: ignore[arg-type]
    assert error.problem.startswith("services must be a tuple of services, not a Service")
    error = refusal(lambda: RuleGroup(name="g", rules=api_down_alert()))  # type: ignore[arg-type]
    assert error.problem.startswith("rules must be a tuple of rules, not a Alert")


# A value none of a union's members takes: one problem naming the field and what it takes, never pydantic's names
# of the members (`metrics[0]['function-after[_ends_in_total(), ...]`) or each member's error counted as one more.
UNION_VALUES = [
    ("metric-as-text", lambda: Service(name="api", metrics=("api_requests_total",)), "metrics[0]",
     "metrics[0] 'api_requests_total': expected a Counter, a Gauge, a Histogram, or a Summary"),
    ("rule-as-text", lambda: RuleGroup(name="g", rules=("up == 0", api_down_alert())), "rules[0]",
     "rules[0] 'up == 0': expected a RecordingRule, an Alert, or a VerbatimRule"),
    ("policy-unknown", lambda: SLO(name="a", service="api", objective="99", window_policy="fast",
                                   sli=RatioSLI(errors="e_total", total="t_total")), "window_policy",
     "window_policy 'fast': expected 'default', 'workbook' or 'scaled', or a WindowPolicy"),
    ("budgeting-number", lambda: SLO(name="a", service="api", objective="99", budgeting=5,
                                     sli=RatioSLI(errors="e_total", total="t_total")), "budgeting",
     "budgeting 5: expected 'occurrences', or a Timeslices"),
    ("two-unions", lambda: Service(name="api", metrics=("a_total", "b_total")), "metrics[0]",
     "metrics[0] 'a_total': expected a Counter, a Gauge, a Histogram, or a Summary (and 1 more)"),
    ("a-field-then-a-union", lambda: SLO(name="a", service="api", objective="99", description=3, budgeting="x",
                                         sli=RatioSLI(errors="e_total", total="t_total")), "description",
     "description 3: input should be a valid string (and 1 more)"),
]


@pytest.mark.parametrize(("build", "field", "problem"), [c[1:] for c in UNION_VALUES], ids=[c[0] for c in UNION_VALUES])
def test_a_value_no_member_of_a_union_takes_is_one_problem_naming_the_field(
        build: Callable[[], object], field: str, problem: str) -> None:
    error = refusal(build)
    assert (error.field, error.problem) == (field, problem)


def test_a_decimal_is_shown_as_written() -> None:
    error = refusal(lambda: LatencySLI(histogram="api_latency_seconds", threshold="-1"))
    assert "Decimal" not in str(error) and "threshold -1:" in error.problem


# --- 6: filter labels are checked where group_by's are -------------------------------------------------------------


def test_a_filter_on_a_label_no_series_carries_is_refused() -> None:
    slo = availability(filter='nolabel="x"')
    error = refusal(lambda: stack_with(slo))
    assert (error.definition, error.field) == ("slo 'availability'", "filter")
    assert "'nolabel'" in error.problem


def test_a_latency_filter_on_a_label_of_no_histogram_is_refused() -> None:
    slo = availability(sli=LatencySLI(histogram="api_latency_seconds", threshold=0.5), filter='code="200"')
    assert refusal(lambda: stack_with(slo)).field == "filter"


def test_filters_on_catalog_and_target_labels_are_kept() -> None:
    stack = stack_with(availability(filter='route!="/healthz", job="api", instance=~".+"'),
                       availability(name="up", sli=BooleanSLI(gauge='up{job="api"}'), filter='instance!="x"'))
    assert len(stack.slos) == 2


# --- 7: library arguments of the wrong type ------------------------------------------------------------------------


def test_a_project_of_no_directory_is_refused(tmp_path: Path) -> None:
    for wrong in (None, 5):
        with pytest.raises(TypeError, match="project_dir must be a path"):
            Project(wrong)  # type: ignore[arg-type]
    with pytest.raises(MonitoringError, match="does not exist") as caught:
        Project(tmp_path / "missing")
    assert isinstance(caught.value, DefinitionError) and caught.value.field == "project_dir"


def test_publish_env_must_be_a_mapping() -> None:
    with pytest.raises(TypeError, match="env must be a mapping"):
        GrafanaConfig.from_env(["GRAFANA_URL=http://x"])  # type: ignore[arg-type]


# --- 8: notification settings the services document -----------------------------------------------------------------

NOTIFICATIONS = [
    ("pagerduty severity", lambda: PagerDuty(routing_key_file="/x", severity="urgent"), "severity"),
    ("email to", lambda: Email(to="nobody", from_="am@example.com", smarthost="smtp.example.com:25"), "to"),
    ("email from", lambda: Email(to="oncall@example.com", from_="nobody", smarthost="smtp.example.com:25"), "from"),
    ("slack channel", lambda: Slack(api_url_file="/x", channel=" "), "channel"),
]


@pytest.mark.parametrize(("build", "field"), [c[1:] for c in NOTIFICATIONS], ids=[c[0] for c in NOTIFICATIONS])
def test_a_notification_setting_the_service_refuses_is_refused(build: Callable[[], object], field: str) -> None:
    error = refusal(build)
    assert error.field == field


def test_notification_settings_the_services_accept_are_kept() -> None:
    assert PagerDuty(routing_key_file="/x", severity="{{ .CommonLabels.severity }}").severity is not None
    assert PagerDuty(routing_key_file="/x", severity="error").severity == "error"
    Email(to='{{ template "team.email" . }}', from_="am@example.com", smarthost="smtp.example.com:25")


# --- 6: filters the scrape jobs may satisfy -----------------------------------------------------------------------


def test_a_filter_the_scrape_jobs_may_satisfy_or_that_needs_no_label_is_kept() -> None:
    """file_sd target groups carry labels of their own, and metric relabelling adds labels: a filter on either is
    no mistake. Nor is one whose matcher accepts a series without the label (`!=`, `=~".*"`)."""
    from monitoring import FileSDConfig, RelabelConfig, ScrapeJob, StaticConfig
    from tests.test_slo_stacks import api_metrics, routing

    def stack(job: ScrapeJob, filter_: str) -> Stack:
        service = Service(name="api", metrics=api_metrics(), scrape_jobs=(job,))
        return Stack(name="s", services=(service,), routing=routing(), slos=(availability(filter=filter_),))

    file_sd = ScrapeJob(name="api", file_sd_configs=(FileSDConfig(files=("/etc/prometheus/api-*.json",)),))
    relabelled = ScrapeJob(name="api", static_configs=(StaticConfig(targets=("api:8080",)),),
                           metric_relabel_configs=(RelabelConfig(source_labels=("route",), target_label="handler"),))
    static = ScrapeJob(name="api", static_configs=(StaticConfig(targets=("api:8080",)),))
    for job, filter_ in ((file_sd, 'env="prod"'), (relabelled, 'handler!="/healthz"'),
                         (relabelled, 'handler="/cart"'), (static, 'env!="dev"'), (static, 'env=~"prod|"')):
        stack(job, filter_).check()
    error = refusal(lambda: stack(static, 'env="prod"').check())
    assert error.field == "filter" and "never carries" in str(error)
