"""An imported alertmanager.yml routes, mutes and notifies as the original: proven on the real Alertmanager (the
configuration it loads, read back from its status API, and an alert sent through a route an empty time interval
names) and with amtool. An input of another shape or type than Alertmanager reads is one line naming file:line,
never a Python error; a string where Alertmanager wants a boolean or a number is refused, as Alertmanager refuses
it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from monitoring import PagerDuty, Receiver, Slack, TimeInterval, TimePeriod, TimeRange, conventions
from monitoring.checks.tools import Tool
from monitoring.cli import main
from monitoring.errors import DefinitionError, InputFileError
from monitoring.imports import import_files
from monitoring.render import alertmanager as render
from tests.binaries import amtool_routes, binary_missing
from tests.conftest import import_and_generate, installed_input
from tests.e2e.harness import HTTP_TIMEOUT, LOOPBACK, Process, WebhookSink, free_port, get_json, wait_for


def _write(directory: Path, text: str, name: str = "alertmanager.yml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _regenerated(project: Path, original: Path) -> Path:
    """alertmanager.yml as `generate` writes it from what `monitoring import` made of original."""
    import_and_generate(project, [original])
    return project / "out" / conventions.ALERTMANAGER_CONFIG


def _imported(directory: Path, text: str) -> tuple[Path, Path]:
    """(the original alertmanager.yml holding text, the one `generate` writes from its import) under directory."""
    original = _write(directory, text)
    return original, _regenerated(directory / "project", original)


class Alertmanager:
    """One real Alertmanager, fed one configuration after another through /-/reload."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.config = _write(directory, "route: {receiver: a}\nreceivers: [{name: a}]\n")
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.process = Process("alertmanager", [
            binary, f"--config.file={self.config}", f"--storage.path={directory / 'data'}",
            f"--web.listen-address={LOOPBACK}:{self.port}", "--cluster.listen-address="],
            directory / "alertmanager.log")

    def start(self) -> Alertmanager:
        self.process.start()
        wait_for("Alertmanager ready", lambda: requests.get(f"{self.url}/-/ready", timeout=HTTP_TIMEOUT).ok, 60,
                 self.process.describe)
        return self

    def load(self, config: Path) -> dict[str, Any]:
        """The configuration as Alertmanager loaded it from config: every default filled in."""
        self.config.write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
        reloaded = requests.post(f"{self.url}/-/reload", timeout=HTTP_TIMEOUT)
        assert reloaded.ok, f"{config}: {reloaded.text}"
        loaded: dict[str, Any] = yaml.safe_load(get_json(f"{self.url}/api/v2/status")["config"]["original"])
        return loaded

    def send(self, labels: dict[str, str]) -> None:
        response = requests.post(f"{self.url}/api/v2/alerts", json=[{"labels": labels}], timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Alertmanager]:
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if binary is None:
        binary_missing("prometheus-alertmanager not found on PATH: `apt-get install prometheus-alertmanager`")
    server = Alertmanager(binary, tmp_path_factory.mktemp("alertmanager"))
    try:
        yield server.start()
    finally:
        server.process.stop()


def _intervals(config: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The time intervals by name, each period without a location of UTC: Alertmanager reads a period without
    one in UTC (its docs, time_interval)."""
    return {interval["name"]: [{key: value for key, value in period.items() if (key, value) != ("location", "UTC")}
                               for period in interval.get("time_intervals") or []]
            for interval in [*(config.get("time_intervals") or []), *(config.get("mute_time_intervals") or [])]}


def _decides(config: dict[str, Any]) -> dict[str, Any]:
    """What decides routing, muting and every notification's content, of a configuration Alertmanager loaded:
    the route tree, the receivers by name, the inhibit rules and the time intervals."""
    return {"route": config["route"], "receivers": {r["name"]: r for r in config["receivers"]},
            "inhibit_rules": config.get("inhibit_rules") or [], "time_intervals": _intervals(config)}


def _same_as_loaded(alertmanager: Alertmanager, original: Path, regenerated: Path) -> None:
    before, after = _decides(alertmanager.load(original)), _decides(alertmanager.load(regenerated))
    assert after["receivers"].keys() == before["receivers"].keys()
    for name, receiver in before["receivers"].items():
        assert after["receivers"][name] == receiver, name
    for part in ("route", "inhibit_rules", "time_intervals"):
        assert after[part] == before[part], part


# --- A time interval of no period matches no moment, before and after the import --------------------------------

NEVER = ("route:\n  receiver: default\n  group_wait: 1s\n  group_interval: 1s\n  routes:\n"
         "  - receiver: pager\n    matchers: ['severity=\"critical\"']\n    mute_time_intervals: [holidays]\n"
         "  - receiver: pager\n    matchers: ['severity=\"warning\"']\n    active_time_intervals: [holidays]\n"
         "receivers:\n- name: default\n- name: pager\n  webhook_configs:\n  - url: http://{sink}/pager\n"
         "time_intervals:\n- name: holidays\n{periods}")
NO_PERIOD = {"empty": "  time_intervals: []\n", "null": "  time_intervals:\n", "absent": ""}


@pytest.mark.integration
@pytest.mark.parametrize("periods", NO_PERIOD.values(), ids=NO_PERIOD.keys())
def test_an_interval_of_no_period_is_loaded_as_the_original(tmp_path: Path, alertmanager: Alertmanager,
                                                            periods: str) -> None:
    original, regenerated = _imported(tmp_path, NEVER.format(sink="127.0.0.1:9", periods=periods))
    assert _intervals(alertmanager.load(regenerated)) == {"holidays": []}
    _same_as_loaded(alertmanager, original, regenerated)


@pytest.mark.integration
def test_a_route_an_empty_interval_mutes_still_notifies_after_the_import(tmp_path: Path,
                                                                        alertmanager: Alertmanager) -> None:
    sink = WebhookSink().start()
    try:
        original, regenerated = _imported(tmp_path, NEVER.format(sink=sink.address, periods=NO_PERIOD["empty"]))
        for config in (original, regenerated):
            alertmanager.load(config)
            labels = {"alertname": "Down", "severity": "critical", "config": config.parent.name}
            alertmanager.send(labels)
            wait_for(f"a notification of {labels} under {config}",
                     lambda labels=labels: sink.find("/pager", "firing", **labels), 30, sink.describe)
    finally:
        sink.stop()


def test_never_goes_with_no_period() -> None:
    interval = TimeInterval(name="freeze", never=True)
    assert render.time_interval(interval) == {"name": "freeze", "time_intervals": []}
    for fields in ({"times": (TimeRange(start_time="00:00", end_time="06:00"),)}, {"weekdays": ("monday",)},
                   {"location": "Europe/Berlin"}):
        with pytest.raises(DefinitionError, match="cannot go with never=True"):
            TimeInterval(name="freeze", never=True, **fields)


# --- An interval of several periods matches what any of them holds, before and after the import ------------------

SEVERAL = ("route:\n  receiver: default\n  routes:\n  - receiver: default\n    matchers: ['team=\"shop\"']\n"
           "    mute_time_intervals: [off-hours]\nreceivers:\n- name: default\n"
           "time_intervals:\n- name: off-hours\n  time_intervals:\n"
           "  - weekdays: ['monday:friday']\n    times:\n    - start_time: '00:00'\n      end_time: '08:00'\n"
           "    - start_time: '20:00'\n      end_time: '24:00'\n    location: Europe/Berlin\n"
           "  - weekdays: [saturday, sunday]\n"
           "  - days_of_month: ['-1']\n    months: [december]\n    years: ['2026:2030']\n")


@pytest.mark.integration
def test_an_interval_of_several_periods_is_loaded_as_the_original(tmp_path: Path, alertmanager: Alertmanager) -> None:
    """Every period stays, in its order, each with its own ranges and time zone (the first alone was kept)."""
    original, regenerated = _imported(tmp_path, SEVERAL)
    assert any("TimePeriod(" in source.read_text(encoding="utf-8") for source in (tmp_path / "project").rglob("*.py"))
    periods = _intervals(alertmanager.load(regenerated))["off-hours"]
    assert [sorted(period) for period in periods] == [["location", "times", "weekdays"], ["weekdays"],
                                                      ["days_of_month", "months", "years"]]
    _same_as_loaded(alertmanager, original, regenerated)


def test_an_interval_gives_its_ranges_for_one_period_or_in_periods_not_both() -> None:
    nights = TimeRange(start_time="00:00", end_time="06:00")
    weekend = TimePeriod(weekdays=("saturday", "sunday"))
    one = TimeInterval(name="quiet", times=(nights,), location="Europe/Berlin")
    several = TimeInterval(name="quiet", periods=(TimePeriod(times=(nights,), location="Europe/Berlin"), weekend))
    assert render.time_interval(one)["time_intervals"] == render.time_interval(several)["time_intervals"][:1]
    assert render.time_interval(several)["time_intervals"][1] == {"weekdays": ["saturday", "sunday"],
                                                                  "location": "UTC"}
    with pytest.raises(DefinitionError, match="times cannot go with periods"):
        TimeInterval(name="quiet", times=(nights,), periods=(weekend,))
    with pytest.raises(DefinitionError, match="periods cannot go with never=True"):
        TimeInterval(name="quiet", never=True, periods=(weekend,))
    with pytest.raises(DefinitionError, match="weekdays"):
        TimePeriod(weekdays=("someday",))


# --- Notifications: what the original leaves unset stays Alertmanager's default ------------------------------------

RECEIVERS = """\
global:
  slack_api_url_file: /etc/am/slack
route:
  receiver: slack-plain
receivers:
- name: slack-plain
  slack_configs:
  - channel: '#alerts'
- name: slack-title
  slack_configs:
  - channel: '#alerts'
    send_resolved: true
    title: '{{ template "slack.default.title" . }}'
- name: slack-null-title
  slack_configs:
  - channel: '#alerts'
    title:
    text: '{{ .CommonAnnotations.summary }}'
- name: pd-v2-plain
  pagerduty_configs:
  - routing_key_file: /etc/am/pd
- name: pd-v2-set
  pagerduty_configs:
  - routing_key_file: /etc/am/pd
    severity: critical
    description: '{{ .CommonLabels.alertname }}'
    details: {count: 5, empty: null, team: yes}
- name: pd-v1
  pagerduty_configs:
  - service_key_file: /etc/am/pd-service-key
    send_resolved: false
- name: hook-null-flags
  webhook_configs:
  - url: http://hook.example.org/alerts
    send_resolved:
    max_alerts:
"""


@pytest.mark.integration
def test_imported_receivers_notify_as_the_original(tmp_path: Path, alertmanager: Alertmanager) -> None:
    original, regenerated = _imported(tmp_path, RECEIVERS)
    _same_as_loaded(alertmanager, original, regenerated)
    text = regenerated.read_text(encoding="utf-8")
    assert "service_key_file: /etc/am/pd-service-key" in text and "routing_key_file: /etc/am/pd-service" not in text


@pytest.mark.integration
def test_debians_example_configuration_notifies_as_the_original(tmp_path: Path, alertmanager: Alertmanager) -> None:
    # Its secrets inline, as shipped, stop the import: each goes to a file, as the import asks.
    shipped = installed_input("/etc/prometheus/alertmanager.yml", "prometheus-alertmanager").read_text()
    text = shipped.replace("smtp_auth_password: 'password'", "smtp_auth_password_file: /etc/am/smtp")
    for team in ("X", "Y", "DB"):
        text = text.replace(f"service_key: <team-{team}-key>", f"service_key_file: /etc/am/team-{team}-key")
    assert "service_key:" not in text and "smtp_auth_password:" not in text
    original, regenerated = _imported(tmp_path, text)
    before, after = _decides(alertmanager.load(original)), _decides(alertmanager.load(regenerated))
    assert after["receivers"] == before["receivers"]


def test_an_inline_service_key_is_refused_naming_its_file_field(tmp_path: Path) -> None:
    original = _write(tmp_path, "route: {receiver: pd}\nreceivers:\n- name: pd\n  pagerduty_configs:\n"
                                "  - service_key: not-a-real-key\n")
    with pytest.raises(InputFileError, match=r":5: receivers\[0\]\.pagerduty_configs\[0\]\.service_key is a secret "
                                             r"written inline: put it in a file and use service_key_file$"):
        import_files([original])
    with pytest.raises(DefinitionError, match="use service_key_file"):
        PagerDuty(service_key="not-a-real-key")


def test_a_pagerduty_config_with_both_keys_pages_through_the_v1_api_as_alertmanager_does(tmp_path: Path) -> None:
    original = _write(tmp_path, "route: {receiver: pd}\nreceivers:\n- name: pd\n  pagerduty_configs:\n"
                                "  - routing_key_file: /etc/am/v2\n    service_key_file: /etc/am/v1\n")
    result = import_files([original])
    routing = result.files["imported/routing.py"]
    assert 'service_key_file="/etc/am/v1"' in routing and 'routing_key_file="/etc/am/v2"' not in routing
    assert any("routing_key_file" in warning for warning in result.warnings), result.warnings


def test_a_receiver_defined_in_python_keeps_the_tools_templates_unless_told_otherwise() -> None:
    slack = render.receiver(_receiver(slack=Slack(api_url_file="/x", channel="#a")))["slack_configs"][0]
    assert "title" in slack and "text" in slack
    plain = render.receiver(_receiver(slack=Slack(api_url_file="/x", channel="#a", title=None, text=None)))
    assert set(plain["slack_configs"][0]) == {"api_url_file", "channel", "send_resolved"}
    paged = render.receiver(_receiver(pagerduty=PagerDuty(routing_key_file="/k")), dashboards=True)
    assert {"description", "details", "links"} <= set(paged["pagerduty_configs"][0])
    assert "dashboard_url" in paged["pagerduty_configs"][0]["details"]
    unset = PagerDuty(service_key_file="/k", description=None, details=None, links=False)
    assert render.receiver(_receiver(pagerduty=unset), dashboards=True)["pagerduty_configs"] == [
        {"service_key_file": "/k", "send_resolved": True}]
    for keys in ({}, {"routing_key_file": "/a", "service_key_file": "/b"}):
        with pytest.raises(DefinitionError, match=r"routing_key_file .* or service_key_file"):
            PagerDuty(**keys)


def _receiver(**integration: Any) -> Receiver:
    return Receiver(name="r", **{kind: (config,) for kind, config in integration.items()})


# --- Strings as Alertmanager reads them: `yes`, 18:30, [1:5] are text ----------------------------------------------

WRITTEN = """\
route:
  receiver: no
  group_by: [yes, alertname]
  routes:
  - receiver: on
    matchers: [page=yes]
    group_by: [on]
    mute_time_intervals: [yes]
    active_time_intervals: [off]
receivers:
- name: no
- name: on
  webhook_configs:
  - url: http://hook.example.org/alerts
inhibit_rules:
- source_matchers: [severity=critical]
  target_matchers: [severity=warning]
  equal: [yes, no]
time_intervals:
- name: yes
  time_intervals:
  - times:
    - start_time: 18:30
      end_time: 24:00
    days_of_month: [1:5, -3:-1]
    weekdays: [monday:friday]
    months: [1:3, 12]
    years: [2024:2025]
- name: off
  time_intervals:
  - location: UTC
"""


@pytest.mark.integration
def test_values_yaml_reads_as_booleans_and_numbers_stay_the_text_alertmanager_reads(
        tmp_path: Path, amtool: Tool, alertmanager: Alertmanager) -> None:
    original, regenerated = _imported(tmp_path, WRITTEN)
    for labels in ({"page": "yes"}, {"page": "true"}, {"page": "yes", "severity": "critical"}, {"other": "x"}):
        assert amtool_routes(amtool, regenerated, labels) == amtool_routes(amtool, original, labels), labels
    assert amtool_routes(amtool, original, {"page": "yes"}) == "on"
    _same_as_loaded(alertmanager, original, regenerated)


# --- Another shape or type than Alertmanager reads: one line naming file:line ------------------------------------

BASE = "route: {receiver: a}\nreceivers:\n- name: a\n"
HOOK = BASE + "  webhook_configs:\n  - url: http://hook.example.org/\n"
INTERVAL = BASE + "time_intervals:\n- name: t\n  time_intervals:\n"
# (case, alertmanager.yml, what the one line says after file:)
SHAPES = [
    ("route-null", "route: null\nreceivers: [{name: a}]\n", "1: route is null: Alertmanager needs the root route"),
    ("route-list", "route: [a]\nreceivers: [{name: a}]\n", "1: route: ['a'] is not an object or null"),
    ("route-scalar", "route: a\nreceivers: [{name: a}]\n", "1: route: 'a' is not an object or null"),
    ("routes-null-item", "route: {receiver: a, routes: [null]}\nreceivers: [{name: a}]\n",
     "1: route.routes[0] is not an object"),
    ("global-list", "global: [a]\n" + BASE, "1: global: ['a'] is not an object or null"),
    ("matchers-mapping", "route:\n  receiver: a\n  routes:\n  - matchers: {a: b}\nreceivers: [{name: a}]\n",
     "4: route.routes[0].matchers: {'a': 'b'} is not a list or null"),
    ("match-list", "route:\n  receiver: a\n  routes:\n  - match: [a]\nreceivers: [{name: a}]\n",
     "4: route.routes[0].match: ['a'] is not an object or null"),
    ("receiver-null", "route: {receiver: a}\nreceivers: [{name: a}, null]\n", "2: receivers[1] is not an object"),
    ("config-null", BASE + "  webhook_configs: [null]\n", "4: receivers[0].webhook_configs[0] is not an object"),
    ("http-config-list", HOOK + "    http_config: [a]\n",
     "6: receivers[0].webhook_configs[0].http_config: ['a'] is not an object or null"),
    ("authorization-scalar", HOOK + "    http_config: {authorization: Bearer}\n",
     "6: receivers[0].webhook_configs[0].http_config.authorization: 'Bearer' is not an object or null"),
    ("basic-auth-list", HOOK + "    http_config: {basic_auth: [a]}\n",
     "6: receivers[0].webhook_configs[0].http_config.basic_auth: ['a'] is not an object or null"),
    ("tls-scalar", HOOK + "    http_config: {tls_config: x}\n",
     "6: receivers[0].webhook_configs[0].http_config.tls_config: 'x' is not an object or null"),
    ("details-list", BASE + "  pagerduty_configs:\n  - routing_key_file: /k\n    details: [a]\n",
     "6: receivers[0].pagerduty_configs[0].details: ['a'] is not an object or null"),
    ("details-nested", BASE + "  pagerduty_configs:\n  - routing_key_file: /k\n    details: {a: {b: c}}\n",
     "6: receivers[0].pagerduty_configs[0].details.a: {'b': 'c'} is not"),
    ("inhibit-null", BASE + "inhibit_rules: [null]\n", "4: inhibit_rules[0] is not an object"),
    ("interval-scalar", BASE + "time_intervals: [a]\n", "4: time_intervals[0] is not an object"),
    ("period-null", INTERVAL + "  - null\n", "6: time_intervals[0].time_intervals[0] is not an object"),
    ("times-mapping", INTERVAL + "  - times: {start_time: '00:00'}\n",
     "7: time_intervals[0].time_intervals[0].times: {'start_time': '00:00'} is not a list or null"),
    ("weekdays-mapping", INTERVAL + "  - weekdays: {a: b}\n",
     "7: time_intervals[0].time_intervals[0].weekdays: {'a': 'b'} is not a list or null"),
    ("resolve-timeout-null", "global: {resolve_timeout: null}\n" + BASE, "1: global.resolve_timeout is null"),
]
# A string (quoted) where Alertmanager reads a boolean or a number: its YAML reader refuses it.
TYPES = [
    ("insecure-skip-verify", HOOK + "    http_config: {tls_config: {insecure_skip_verify: 'yes'}}\n",
     "6: receivers[0].webhook_configs[0].http_config.tls_config.insecure_skip_verify: 'yes' is not bool"),
    ("follow-redirects", HOOK + "    http_config: {follow_redirects: 'no'}\n",
     "6: receivers[0].webhook_configs[0].http_config.follow_redirects: 'no' is not bool"),
    ("oauth2-tls", HOOK + "    http_config:\n      oauth2: {client_id: a, client_secret_file: /s, token_url: "
                          "'http://t.example.org/', tls_config: {insecure_skip_verify: 'true'}}\n",
     "7: receivers[0].webhook_configs[0].http_config.oauth2.tls_config.insecure_skip_verify: 'true' is not bool"),
    ("send-resolved", HOOK + "    send_resolved: 'true'\n",
     "6: receivers[0].webhook_configs[0].send_resolved: 'true' is not bool"),
    ("max-alerts", HOOK + "    max_alerts: '5'\n", "6: receivers[0].webhook_configs[0].max_alerts: '5' is not int"),
    ("continue", "route:\n  receiver: a\n  continue: 'yes'\nreceivers: [{name: a}]\n",
     "3: route.continue: 'yes' is not bool"),
    ("smtp-require-tls", "global: {smtp_require_tls: 'no'}\n" + BASE,
     "1: global.smtp_require_tls: 'no' is not bool"),
    ("email-tls", BASE + "  email_configs:\n  - {to: a@example.org, from: b@example.org, smarthost: 'm:25', "
                         "tls_config: {insecure_skip_verify: 'true'}}\n",
     "5: receivers[0].email_configs[0].tls_config.insecure_skip_verify: 'true' is not bool"),
    ("email-require-tls", BASE + "  email_configs:\n  - {to: a@example.org, from: b@example.org, smarthost: 'm:25', "
                                 "require_tls: 'false'}\n",
     "5: receivers[0].email_configs[0].require_tls: 'false' is not bool"),
    ("slack-short-fields", "global: {slack_api_url_file: /s}\n" + BASE + "  slack_configs:\n  - channel: '#a'\n"
                                                                        "    short_fields: 'yes'\n",
     "7: receivers[0].slack_configs[0].short_fields: 'yes' is not bool"),
    ("opsgenie-update-alerts", BASE + "  opsgenie_configs:\n  - {api_key_file: /k, update_alerts: 'yes'}\n",
     "5: receivers[0].opsgenie_configs[0].update_alerts: 'yes' is not bool"),
    ("telegram-chat-id", BASE + "  telegram_configs:\n  - {bot_token_file: /t, chat_id: '5'}\n",
     "5: receivers[0].telegram_configs[0].chat_id: '5' is not int"),
]


# A number with a fraction where Alertmanager reads a whole one: its YAML reader drops the fraction, unsaid.
FRACTIONS = [
    ("max-alerts-fraction", HOOK + "    max_alerts: 1.5\n",
     "6: receivers[0] 'a'.webhook_configs[0].max_alerts 1.5 is not a whole number; Alertmanager would read 1"),
]


@pytest.mark.parametrize(("text", "said"), [c[1:] for c in SHAPES + TYPES + FRACTIONS],
                         ids=[c[0] for c in SHAPES + TYPES + FRACTIONS])
def test_another_shape_or_type_is_one_line_naming_file_line_and_field(
        tmp_path: Path, text: str, said: str, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path, text)
    status = main(["import", "--directory", str(tmp_path / "project"), str(source)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert f"{source}:{said}" in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize("text", [c[1] for c in TYPES], ids=[c[0] for c in TYPES])
def test_alertmanager_refuses_a_string_for_a_boolean_or_a_number_too(tmp_path: Path, amtool: Tool,
                                                                      text: str) -> None:
    source = _write(tmp_path, text)
    run = subprocess.run([*amtool.argv, "check-config", str(source)], capture_output=True, text=True, check=False)
    said = run.stdout + run.stderr
    assert run.returncode != 0 and ("cannot unmarshal !!str" in said or "cannot unmarshal !!float" in said), said


# Nulls Alertmanager reads as absent (a list, a mapping, a pointer) or as the zero value (a boolean): imported.
NULLS = ("route:\n  receiver: a\n  group_by:\n  continue:\n  routes:\n  - receiver: a\n    matchers:\n"
         "    mute_time_intervals: [t]\nreceivers:\n- name: a\n  webhook_configs:\n"
         "  - url: http://hook.example.org/\n    http_config:\n    send_resolved:\n"
         "time_intervals:\n- name: t\n  time_intervals:\n  - weekdays:\n    times:\n    location:\n")


@pytest.mark.integration
def test_nulls_read_as_alertmanager_reads_them(tmp_path: Path, alertmanager: Alertmanager) -> None:
    original, regenerated = _imported(tmp_path, NULLS)
    _same_as_loaded(alertmanager, original, regenerated)
