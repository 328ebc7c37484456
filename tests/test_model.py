"""Unit tests for the model's value types and invariants."""

from __future__ import annotations

import pytest

from monitoring import Alert, Counter, FileSDConfig, Histogram, Receiver, Route, Routing, Stack, Webhook
from monitoring.errors import DefinitionError
from monitoring.model.routing import check_matcher
from monitoring.promql import selected_metrics
from monitoring.units import duration_ms, format_duration


@pytest.mark.parametrize(("text", "ms"), [
    ("0s", 0), ("30s", 30_000), ("5m", 300_000), ("1h30m", 5_400_000), ("1d", 86_400_000), ("2w", 1_209_600_000),
    ("1y", 31_536_000_000), ("500ms", 500), ("1m30s500ms", 90_500),
])
def test_valid_durations(text: str, ms: int) -> None:
    assert duration_ms(text) == ms


@pytest.mark.parametrize("text", ["", "5", "5 m", "1.5h", "30m1h", "5M", "-1m", "1h 30m"])
def test_invalid_durations(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        duration_ms(text)


@pytest.mark.parametrize(("ms", "text"), [(0, "0s"), (90_000, "1m30s"), (86_400_000, "1d"), (1500, "1s500ms")])
def test_format_duration(ms: int, text: str) -> None:
    assert format_duration(ms) == text
    assert duration_ms(text) == ms


@pytest.mark.parametrize(("given", "canonical"), [
    ('severity="critical"', 'severity="critical"'),
    (' severity = "critical" ', 'severity="critical"'),
    ('team=~"a|b"', 'team=~"a|b"'),
    ('env!="dev"', 'env!="dev"'),
    ('msg!~"x\\"y"', 'msg!~"x\\"y"'),
    # A backslash the classic parser keeps as it is, escaped: Alertmanager 0.27 and later read "5\d" otherwise.
    ('code=~"5\\d\\d"', 'code=~"5\\\\d\\\\d"'),
    ('team="a\\tb"', 'team="a\\\\tb"'),
    ('x="a\\\\b"', 'x="a\\\\b"'),
    ('x="a\\nb"', 'x="a\\nb"'),
])
def test_matchers(given: str, canonical: str) -> None:
    assert check_matcher(given) == canonical


@pytest.mark.parametrize("bad", ["severity=critical", 'sev-erity="x"', 'team=~"(unclosed"', '="x"'])
def test_bad_matchers(bad: str) -> None:
    with pytest.raises(ValueError):
        check_matcher(bad)


@pytest.mark.parametrize(("expr", "names"), [
    ("up", {"up"}),
    ('sum by (le) (rate(a_bucket{x="1"}[5m])) / on() group_left b', {"a_bucket", "b"}),
    ('{__name__="c_total", job="j"}', {"c_total"}),
    ('{__name__=~"c_.*"}', set()),
    ("absent(up{job='x'}) or vector(1)", {"up"}),
])
def test_selected_metrics(expr: str, names: set[str]) -> None:
    assert selected_metrics(expr) == names


def test_histogram_series_names() -> None:
    h = Histogram(name="rpc_duration_seconds", unit="seconds", help="h", buckets=(0.1, 1))
    assert h.series_names() == ("rpc_duration_seconds_bucket", "rpc_duration_seconds_sum", "rpc_duration_seconds_count")


def test_unit_must_appear_in_name() -> None:
    with pytest.raises(DefinitionError, match="must contain its unit 'seconds'"):
        Histogram(name="rpc_duration", unit="seconds", help="h", buckets=(1,))


def test_models_are_immutable() -> None:
    counter = Counter(name="a_total", help="a")
    with pytest.raises(DefinitionError, match="name cannot be changed: a definition is immutable"):
        counter.name = "b_total"  # type: ignore[misc]


def test_recording_rule_output_is_a_known_series() -> None:
    from monitoring import RecordingRule, RuleGroup, Service

    service = Service(name="s", metrics=(Counter(name="a_total", help="a"),), rule_groups=(RuleGroup(name="g", rules=(
        RecordingRule(record="job:a:rate5m", expr="sum by (job) (rate(a_total[5m]))"),
        Alert(name="A", severity="info", expr="job:a:rate5m > 1", summary="s.", description="d."),
    )),))
    routing = Routing(route=Route(receiver="r"), receivers=(Receiver(name="r", webhooks=(Webhook(url="http://h/"),)),))
    stack = Stack(name="s", services=(service,), routing=routing)
    assert "job:a:rate5m" in stack.known_series()


def test_runbook_url_from_pattern_unless_given() -> None:
    from tests.stacks.example import checkout, stack

    by_name = {a.name: a for a in checkout.alerts}
    assert stack.runbook_url(checkout, by_name["CheckoutErrors"]) == "https://runbooks.example.com/checkout/CheckoutErrors"
    assert stack.runbook_url(checkout, by_name["CheckoutQueueStuck"]) == "https://wiki.example.com/checkout-queue"


def test_runbook_pattern_with_unknown_field() -> None:
    from tests.stacks.example import stack

    with pytest.raises(DefinitionError, match=r"may only use \{service\} and \{alertname\}"):
        Stack(**{**dict(stack), "runbook_url_pattern": "https://x/{team}"})


def test_root_route_needs_a_receiver() -> None:
    with pytest.raises(DefinitionError, match="the root route needs a receiver"):
        Routing(route=Route(), receivers=(Receiver(name="r"),))


@pytest.mark.parametrize("pattern", ["/etc/prometheus/targets/*.json", "targets.yml", "/t/a*b*.yaml", "/t/T.JSON",
                                     "/t/*.YML"])
def test_file_sd_takes_the_patterns_prometheus_takes(pattern: str) -> None:
    assert FileSDConfig(files=(pattern,)).files == (pattern,)


@pytest.mark.parametrize("pattern", ["/dev/zero", "", "/etc/*/targets.json", "targets.Json", "targets.json.bak",
                                     "/t/targets.json\n.json", "*/x.yml"])
def test_file_sd_refuses_a_pattern_prometheus_refuses(pattern: str) -> None:
    """Prometheus' file discovery refuses any other name when it loads the configuration: refused where it is
    written, naming the pattern, not by `promtool check config` (or, for a device named here, never)."""
    with pytest.raises(DefinitionError) as refused:
        FileSDConfig(files=("ok.json", pattern))
    assert refused.value.field == "files[1]" and refused.value.value == pattern
    assert "is not a file pattern Prometheus takes" in str(refused.value)
