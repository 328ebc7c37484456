"""What an import keeps means what the input meant: Alertmanager's reading of a matchers entry, every setting
the model cannot hold named and kept, panels by their data source, and no two SLO services in one module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring import conventions
from monitoring.checks.tools import Tool
from monitoring.errors import InputFileError
from monitoring.imports import import_files
from monitoring.slo import specs
from tests.binaries import amtool_routes
from tests.conftest import import_and_generate


def _write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    text = json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


# --- Alertmanager matchers: one entry may hold several, as Alertmanager's ParseMatchers reads it ---------------

# (a route's matchers entry, label sets that the route must (or must not) catch, as the original does)
MATCHER_ROUTES = [
    ("team=db, severity=critical", [{"team": "db", "severity": "critical"}, {"team": "db"}]),
    ('{service="a,b", env=~"prod|stage"}', [{"service": "a,b", "env": "prod"}, {"service": "a", "env": "prod"}]),
    ('msg="say \\"hi\\"",tier!=gold', [{"msg": 'say "hi"', "tier": "silver"}, {"msg": 'say "hi"', "tier": "gold"}]),
    ("zone=eu,", [{"zone": "eu"}, {"zone": "eu,"}]),
]


def _generated_routing(tmp_path: Path, inputs: list[Path]) -> Path:
    import_and_generate(tmp_path, inputs)
    return tmp_path / "out" / conventions.ALERTMANAGER_CONFIG


@pytest.mark.parametrize(("entry", "label_sets"), MATCHER_ROUTES, ids=[m for m, _ in MATCHER_ROUTES])
def test_a_matchers_entry_routes_as_alertmanager_reads_it(tmp_path: Path, amtool: Tool, entry: str,
                                                          label_sets: list[dict[str, str]]) -> None:
    original = _write(tmp_path, "alertmanager.yml", {
        "route": {"receiver": "default", "routes": [{"receiver": "matched", "matchers": [entry]}]},
        "receivers": [{"name": "default"}, {"name": "matched"}]})
    regenerated = _generated_routing(tmp_path / "project", [original])
    for labels in label_sets:
        assert amtool_routes(amtool, regenerated, labels) == amtool_routes(amtool, original, labels), labels
    assert amtool_routes(amtool, original, label_sets[0]) == "matched"


@pytest.mark.parametrize("entry", ["a=b,,c=d", 'a="b', 'a=b"c'])
def test_a_matchers_entry_alertmanager_refuses_is_refused_with_its_line(tmp_path: Path, entry: str) -> None:
    original = _write(tmp_path, "alertmanager.yml", {
        "route": {"receiver": "default", "routes": [{"receiver": "default", "matchers": [entry]}]},
        "receivers": [{"name": "default"}]})
    with pytest.raises(InputFileError, match=rf"^{original}:\d+: route\.routes\[0\]: matcher "):
        import_files([original])


# --- Settings the model cannot hold: named in a warning and kept as a comment, never dropped silently -----------

WEBHOOK = {"url": "https://hooks.example.com/alert"}
SLACK = {"api_url_file": "/etc/am/slack", "channel": "#ops"}
PAGERDUTY = {"routing_key_file": "/etc/am/pd"}
EMAIL = {"to": "ops@example.com", "from": "am@example.com", "smarthost": "smtp.example.com:587"}
# (where the setting goes: "global" or an integration, the settings, the field a warning must name)
UNREAD = [
    ("webhook_configs", {**WEBHOOK, "http_config": {"tls_config": {"ca_file": "/etc/am/ca.pem"}}}, "tls_config"),
    ("webhook_configs", {**WEBHOOK, "http_config": {"proxy_url": "http://proxy:3128"}}, "proxy_url"),
    ("webhook_configs", {**WEBHOOK, "http_config": {"authorization": {"type": "Token",
                                                                       "credentials_file": "/etc/am/t"}}},
     "authorization"),
    ("slack_configs", {**SLACK, "username": "alertbot"}, "username"),
    ("slack_configs", {**SLACK, "color": "danger"}, "color"),
    ("slack_configs", {**SLACK, "actions": [{"type": "button", "text": "Runbook", "url": "https://r.example"}]},
     "actions"),
    ("pagerduty_configs", {**PAGERDUTY, "client": "Alertmanager"}, "client"),
    ("email_configs", {**EMAIL, "headers": {"Subject": "alert"}}, "headers"),
    ("email_configs", {**EMAIL, "html": '{{ template "custom.html" . }}'}, "html"),
    ("global", {"http_config": {"proxy_url": "http://proxy:3128"}}, "http_config"),
    ("global", {"smtp_auth_secret": "not-a-real-secret"}, "smtp_auth_secret"),
    ("global", {"wechat_api_secret": "not-a-real-secret"}, "wechat_api_secret"),
    ("global", {"smtp_hello": "alertmanager.example.com"}, "smtp_hello"),
]


def _alertmanager(where: str, settings: dict[str, Any]) -> dict[str, Any]:
    receiver: dict[str, Any] = {"name": "team"}
    config: dict[str, Any] = {"route": {"receiver": "team"}, "receivers": [receiver]}
    if where == "global":
        config["global"] = settings
    else:
        receiver[where] = [settings]
    return config


@pytest.mark.parametrize(("where", "settings", "key"), UNREAD, ids=[f"{w}-{k}" for w, _, k in UNREAD])
def test_an_alertmanager_setting_the_model_lacks_is_named_and_kept(tmp_path: Path, where: str,
                                                                    settings: dict[str, Any], key: str) -> None:
    result = import_files([_write(tmp_path, "alertmanager.yml", _alertmanager(where, settings))])
    assert [w for w in result.warnings if f"{key!r}" in w and "kept as a comment" in w], result.warnings
    assert f"{key}:" in result.files["imported/routing.py"]


# (where, settings, what the Routing module must hold: the setting mapped onto the model)
MAPPED = [
    ("webhook_configs", {**WEBHOOK, "http_config": {"authorization": {"credentials_file": "/etc/am/token"}}},
     'bearer_token_file="/etc/am/token"'),
    ("webhook_configs", {**WEBHOOK, "http_config": {"authorization": {"type": "Bearer",
                                                                       "credentials_file": "/etc/am/token"}}},
     'bearer_token_file="/etc/am/token"'),
    ("pagerduty_configs", {**PAGERDUTY, "details": {"firing": "{{ .Alerts.Firing | len }}"}},
     'details={"firing": "{{ .Alerts.Firing | len }}"}'),
    ("pagerduty_configs", {**PAGERDUTY, "description": "{{ .CommonLabels.alertname }}"},
     'description="{{ .CommonLabels.alertname }}"'),
]


@pytest.mark.parametrize(("where", "settings", "expected"), MAPPED, ids=[e for _, _, e in MAPPED])
def test_an_alertmanager_setting_the_model_holds_is_mapped(tmp_path: Path, where: str, settings: dict[str, Any],
                                                           expected: str) -> None:
    result = import_files([_write(tmp_path, "alertmanager.yml", _alertmanager(where, settings))])
    assert expected in result.files["imported/routing.py"]
    assert result.warnings == []


@pytest.mark.parametrize("kind", ["Basic", "Token"])
def test_a_scrape_authorization_of_another_type_is_kept_not_sent_as_a_bearer_token(tmp_path: Path,
                                                                                   kind: str) -> None:
    config = {"scrape_configs": [{"job_name": "app", "static_configs": [{"targets": ["app:8080"]}],
                                  "authorization": {"type": kind, "credentials_file": "/etc/prom/credentials"}}]}
    result = import_files([_write(tmp_path, "prometheus.yml", config)])
    module = result.files["imported/scrape.py"]
    assert "bearer_token_file" not in module and f"'type': '{kind}'" in module
    assert [w for w in result.warnings if "scrape job 'app'" in w and "'authorization'" in w], result.warnings


# --- Dashboards: a panel is Prometheus's by its data source, not because its query parses as PromQL -------------

# Text that parses as PromQL, series name and all, although a Loki or Elasticsearch query means something else.
LOKI_QUERY = "sum by (app) (rate(app_log_lines[5m]))"


def _dashboard(source: Any, target_source: Any = None, **extra: Any) -> dict[str, Any]:
    target: dict[str, Any] = {"refId": "A", "expr": LOKI_QUERY}
    if target_source is not None:
        target["datasource"] = target_source
    panel = {"type": "timeseries", "title": "Lines", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
             "datasource": source, "targets": [target]}
    return {"title": "Logs", "uid": "logs", "schemaVersion": 39, "panels": [panel], **extra}


# (what the dashboard says of the data source, the dashboard)
NOT_PROMETHEUS = [
    ("a Loki type", _dashboard({"type": "loki", "uid": "loki"})),
    ("an Elasticsearch type", _dashboard({"type": "elasticsearch", "uid": "es"})),
    ("the datasource variable of type loki", _dashboard("$datasource", templating={"list": [
        {"name": "datasource", "type": "datasource", "query": "loki"}]})),
    ("an export's Loki input", _dashboard("${DS_LOKI}", __inputs=[
        {"name": "DS_LOKI", "type": "datasource", "pluginId": "loki", "label": "Loki"}])),
    ("a uid typed elsewhere in the dashboard", _dashboard({"uid": "logs-uid"}, annotations={"list": [
        {"name": "deploys", "datasource": {"type": "loki", "uid": "logs-uid"}, "enable": True}]})),
    ("a Mixed panel's Loki target", _dashboard({"type": "datasource", "uid": "-- Mixed --"},
                                               {"type": "loki", "uid": "loki"})),
    ("a name without a type", _dashboard("Logs")),
]


@pytest.mark.parametrize(("case", "dashboard"), NOT_PROMETHEUS, ids=[c for c, _ in NOT_PROMETHEUS])
def test_a_panel_of_another_data_source_is_kept_as_json(tmp_path: Path, case: str,
                                                        dashboard: dict[str, Any]) -> None:
    result = import_files([_write(tmp_path, "logs.json", dashboard)])
    assert "imported/dashboards.py" not in result.files, case
    note = result.files["dashboards/logs.dashboard.py"]
    assert "Kept as Grafana JSON" in note and "panel 'Lines' queries" in note
    # Nor does a query of another data source tell the catalog about metrics.
    assert "imported/catalog.py" not in result.files


# --- import-slo: each service its own module, each AlertWindows period once ------------------------------------

def _sloth(service: str) -> dict[str, Any]:
    return {"version": "prometheus/v1", "service": service, "slos": [{
        "name": "availability", "objective": 99.9,
        "sli": {"events": {"error_query": 'sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))',
                           "total_query": "sum(rate(http_requests_total[{{.window}}]))"}},
        "alerting": {"page_alert": {"disable": True}, "ticket_alert": {"disable": True}}}]}


def _windows(period: str) -> dict[str, Any]:
    rows = {speed: {"errorBudgetPercent": 2, "shortWindow": "5m", "longWindow": "1h"} for speed in ("quick", "slow")}
    return {"apiVersion": "sloth.slok.dev/v1", "kind": "AlertWindows",
            "spec": {"sloPeriod": period, "page": rows, "ticket": rows}}


# (file names, the specs, the refusal they must get)
SLO_COLLISIONS = [
    # Service names are names a service can take (lower case, digits, '-'), each its own module: a name that would
    # share another's module is refused where it is given.
    (("dot.yml", "dash.yml"), (_sloth("my.service"), _sloth("my-service")),
     r"dot\.yml:\d+: slo 'availability': (service: )?invalid name 'my\.service'"),
    (("upper.yml", "lower.yml"), (_sloth("Shop"), _sloth("shop")),
     r"upper\.yml:\d+: slo 'availability': service: invalid name 'Shop'"),
    (("a.yml", "b.yml"), (_windows("7d"), _windows("7d")),
     r"b\.yml:\d+: spec\.sloPeriod '7d': AlertWindows for this period are already defined at \S*a\.yml:\d+$"),
    (("a.yml", "b.yml"), (_windows("7d"), _windows("7D")),
     r"b\.yml:\d+: spec\.sloPeriod '7D': AlertWindows for this period are already defined at \S*a\.yml:\d+$"),
]


@pytest.mark.parametrize(("names", "documents", "refusal"), SLO_COLLISIONS,
                         ids=["dot-dash", "case", "period", "period-case"])
def test_specs_that_would_overwrite_each_other_are_refused(tmp_path: Path, names: tuple[str, str],
                                                           documents: tuple[dict, dict], refusal: str) -> None:
    paths = [_write(tmp_path, name, document) for name, document in zip(names, documents, strict=True)]
    with pytest.raises(InputFileError, match=refusal) as caught:
        specs.read_files(paths)
    assert "\n" not in str(caught.value)
