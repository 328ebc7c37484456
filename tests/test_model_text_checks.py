"""Text the model writes into Prometheus' and Alertmanager's files is refused when it is made, in one line naming
the field and where, when those tools (or the writers) could not take it: control characters in names, a lone
surrogate in any string, annotation names that are not label names, Go template actions left open."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from monitoring import (
    SLO,
    Alert,
    AlertTier,
    Counter,
    DefinitionError,
    Email,
    InhibitRule,
    Probe,
    RatioSLI,
    Receiver,
    Route,
    RouteTest,
    Routing,
    RuleGroup,
    Service,
    Slack,
    SLOAlerting,
    Stack,
    TimeInterval,
    VerbatimRule,
    Webhook,
)
from monitoring.cli import main
from monitoring.project import Project

HERE = "test_model_text_checks.py:"
HOOK = Webhook(url="http://alert-receiver:5001/alerts")


def alert(**overrides: object) -> Alert:
    fields: dict[str, object] = dict(name="AppErrors", severity="critical", expr="rate(app_requests_total[5m]) > 1",
                                     summary="Errors.", description="{{ $value }} errors per second.")
    fields.update(overrides)
    return Alert(**fields)


def routing(**overrides: object) -> Routing:
    fields: dict[str, object] = dict(route=Route(receiver="default"),
                                     receivers=(Receiver(name="default", webhooks=(HOOK,)),))
    fields.update(overrides)
    return Routing(**fields)


def stack(**overrides: object) -> Stack:
    fields: dict[str, object] = dict(name="shop", services=(Service(name="app"),), routing=routing())
    fields.update(overrides)
    return Stack(**fields)


def slo(**overrides: object) -> SLO:
    fields: dict[str, object] = dict(name="availability", service="app", objective="99.9",
                                     sli=RatioSLI(errors='app_requests_total{code=~"5.."}', total="app_requests_total"))
    fields.update(overrides)
    return SLO(**fields)


def refused(make: Callable[[], object]) -> str:
    """The message of the DefinitionError that making the definition raises; it is one line and says where."""
    with pytest.raises(DefinitionError) as caught:
        make()
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message, message
    assert HERE in message, message
    return message


Case = tuple[str, Callable[[], object], str]

CONTROL_CHARACTERS_IN_NAMES: list[Case] = [
    ("receiver NUL", lambda: Receiver(name="a\x00b", webhooks=(HOOK,)), "name"),
    ("receiver CR LF", lambda: Receiver(name="a\r\nb", webhooks=(HOOK,)), "name"),
    ("receiver tab", lambda: Receiver(name="a\tb", webhooks=(HOOK,)), "name"),
    ("route receiver", lambda: Route(receiver="receiver\n"), "receiver"),
    ("route mute interval", lambda: Route(receiver="x", mute_time_intervals=("night\x00",)), "mute_time_intervals"),
    ("route active interval", lambda: Route(receiver="x", active_time_intervals=("d\x7fay",)),
     "active_time_intervals"),
    ("route test receiver", lambda: RouteTest(labels={"severity": "critical"}, receivers=("a\x00b",)), "receivers"),
    ("time interval", lambda: TimeInterval(name="nights\r\n"), "name"),
    ("rule group", lambda: RuleGroup(name="app\x00alerts", rules=(alert(),)), "name"),
    ("verbatim alert", lambda: VerbatimRule(alert="Slo\nFail", expr="up == 0"), "alert"),
    ("inhibit matcher", lambda: InhibitRule(source_matchers=('severity="crit\x85ical"',),
                                            target_matchers=('severity="warning"',)), "source_matchers"),
    ("slack channel", lambda: Slack(api_url_file="/run/slack", channel="#alerts\n"), "channel"),
    ("email to", lambda: Email(to="oncall@example.com\r\nBcc: x@example.com", from_="am@example.com",
                               smarthost="smtp.example.com:587"), "to"),
]


@pytest.mark.parametrize(("make", "field"), [c[1:] for c in CONTROL_CHARACTERS_IN_NAMES],
                         ids=[c[0] for c in CONTROL_CHARACTERS_IN_NAMES])
def test_a_name_written_into_a_config_holds_no_control_character(make: Callable[[], object], field: str) -> None:
    message = refused(make)
    assert f"{field} " in message or f"{field}:" in message or f"{field}[" in message, message
    assert "control character" in message, message


SURROGATES: list[Case] = [
    ("annotation value", lambda: alert(annotations={"extra": "\ud800"}), "annotations.extra"),
    ("annotation key", lambda: alert(annotations={"ex\ud800tra": "x"}), "annotations"),
    ("alert summary", lambda: alert(summary="Fails\udfff."), "summary"),
    ("service description", lambda: Service(name="app", description="The app \ud800"), "description"),
    ("slo description", lambda: slo(description="Requests \ud800"), "description"),
    ("runbook url pattern", lambda: stack(runbook_url_pattern="https://r.example.com/\ud800/{service}"),
     "runbook_url_pattern"),
    ("webhook url", lambda: Webhook(url="http://hooks.example.com/\ud800"), "url"),
    ("route test receivers (tuple)", lambda: RouteTest(labels={"a": "b"}, receivers=("x\ud800",)), "receivers[0]"),
    ("label values (tuple in a dict)", lambda: Counter(name="app_requests_total", help="Requests.",
                                                       labels=("code",), label_values={"code": ("2\ud800",)}),
     "label_values.code[0]"),
    ("metric unit", lambda: Counter(name="app_requests_total", help="Requests.", unit="s\ud800"), "unit"),
]


@pytest.mark.parametrize(("make", "field"), [c[1:] for c in SURROGATES], ids=[c[0] for c in SURROGATES])
def test_a_string_that_is_not_utf8_is_refused_in_any_field(make: Callable[[], object], field: str) -> None:
    message = refused(make)
    assert field in message and "surrogate" in message, message


ANNOTATION_NAMES: list[Case] = [
    ("alert, line break", lambda: alert(annotations={"run\nbook": "x"}), "annotations"),
    ("alert, dollar", lambda: alert(annotations={"$x": "v"}), "annotations"),
    ("alert, dash", lambda: alert(annotations={"run-book": "v"}), "annotations"),
    ("verbatim rule", lambda: VerbatimRule(alert="SloFail", expr="up == 0", annotations={"1st": "v"}),
     "annotations"),
    ("slo alerting", lambda: SLOAlerting(annotations={"my key": "v"}), "annotations"),
    ("alert tier", lambda: AlertTier(severity="critical", annotations={"a.b": "v"}), "annotations"),
]


@pytest.mark.parametrize(("make", "field"), [c[1:] for c in ANNOTATION_NAMES], ids=[c[0] for c in ANNOTATION_NAMES])
def test_an_annotation_is_named_as_a_label(make: Callable[[], object], field: str) -> None:
    message = refused(make)
    assert f"{field}: invalid annotation name" in message, message


UNCLOSED_TEMPLATES: list[Case] = [
    ("annotation", lambda: alert(annotations={"extra": "{{ .Foo "}), "annotations"),
    ("label", lambda: alert(labels={"team": "{{ $labels.code "}), "labels"),
    ("description", lambda: alert(description="{{ $value errors"), "description"),
    ("runbook_url", lambda: alert(runbook_url="https://r.example.com/{{ $labels.job"), "runbook_url"),
    ("a '}}' in a string does not close", lambda: alert(description='{{ "}}" errors'), "description"),
    ("a '}}' in a raw string does not close", lambda: alert(description="{{ `}} errors` "), "description"),
    ("an unterminated string", lambda: alert(description='{{ printf "%d }} errors'), "description"),
    ("a string across lines", lambda: alert(description='{{ "a\nb" }} errors'), "description"),
    ("an unclosed comment", lambda: alert(description="{{/* note }} errors"), "description"),
    ("a second action left open", lambda: alert(description="{{ $value }} and {{- $labels.job"), "description"),
    ("verbatim alert label", lambda: VerbatimRule(alert="SloFail", expr="up == 0", labels={"a": "{{ x"}),
     "labels"),
    ("verbatim annotation", lambda: VerbatimRule(alert="SloFail", expr="up == 0", annotations={"a": "x {{"}),
     "annotations"),
]


@pytest.mark.parametrize(("make", "field"), [c[1:] for c in UNCLOSED_TEMPLATES],
                         ids=[c[0] for c in UNCLOSED_TEMPLATES])
def test_every_template_action_is_closed(make: Callable[[], object], field: str) -> None:
    message = refused(make)
    assert f"{field}:" in message or f"{field} " in message, message
    assert "not closed" in message or "not terminated" in message, message


def test_templates_go_parses_are_accepted_and_one_left_open_is_not() -> None:
    for text in ("{{ $value }}", "{{- $value -}}", '{{ "}}" }}', "{{ `}}` }}", "{{/* }} */}}",
                 "{{- /* note */ -}}", '{{ "a\\"}}" }}', "{{ '}' }}", "no template }}", "{{ if .A }}x{{ end }}"):
        alert(description=f"Errors: {text}", annotations={"extra": text}, labels={"team": text})
    alert(description="{{ `a raw string\nacross lines }}` }}")
    VerbatimRule(record="job:x:rate5m", expr="up", labels={"a": "{{ kept as written"})  # not a template there
    refused(lambda: alert(description="{{ $value"))


def test_a_url_is_shown_as_given() -> None:
    message = refused(lambda: Webhook(url="ab\ncd"))
    assert "url 'ab\\ncd'" in message, message
    message = refused(lambda: Webhook(url="http://hooks.example.com/a\nb"))
    assert "url 'http://hooks.example.com/a\\nb'" in message and "control character" in message, message


@pytest.mark.parametrize(("make", "field"), [
    (lambda: Probe(name="ready", module="http_2xx", targets=("http://app:8080/re\r\nady",)), "targets"),
    (lambda: stack(grafana_url="https://grafana.example.com/\n"), "grafana_url"),
], ids=["probe target", "grafana_url"])
def test_a_url_with_a_line_break_is_refused(make: Callable[[], object], field: str) -> None:
    message = refused(make)
    assert field in message and "control character" in message, message


def test_generate_refuses_a_receiver_name_with_nul_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    module = "text_checks_stack"
    (tmp_path / "pyproject.toml").write_text(f'[tool.monitoring]\nstack = "{module}:stack"\n')
    (tmp_path / f"{module}.py").write_text(
        "from monitoring import Receiver, Route, Routing, Service, Stack, Webhook\n"
        "hook = Webhook(url='http://alert-receiver:5001/alerts')\n"
        "stack = Stack(name='shop', services=(Service(name='app'),),\n"
        "              routing=Routing(route=Route(receiver='a\\x00b'),\n"
        "                              receivers=(Receiver(name='a\\x00b', webhooks=(hook,)),)))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, module, raising=False)

    status = main(["generate"], project=Project.find(tmp_path))

    err = capsys.readouterr().err
    assert status == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{module}.py:4" in err and "receiver " in err and "control character" in err, err
    assert not (tmp_path / "out").exists()
