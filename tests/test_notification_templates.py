"""validate renders every notification template with amtool: one that would fail each notification fails the
check, naming the receiver and the field; the ones generate writes pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring.checks.notification_templates import check_templates, templated_fields
from monitoring.checks.tools import Tool

ROOT = Path(__file__).resolve().parent.parent


def _config(**notifier: Any) -> dict[str, Any]:
    kind, settings = next(iter(notifier.items()))
    return {"receivers": [{"name": "default"}, {"name": "chat", kind: [settings]}]}


def test_the_templated_fields_are_found_where_alertmanager_reads_them() -> None:
    config = {"receivers": [
        {"name": "chat", "slack_configs": [{"title": "{{ .Status }}", "text": "plain", "api_url": "{{ not }}",
                                            "fields": [{"title": "t", "value": "{{ .CommonLabels.job }}"}]}]},
        {"name": "pager", "pagerduty_configs": [{"details": {"b": "{{ 2 }}", "a": "{{ 1 }}"},
                                                 "links": [{"href": "{{ .ExternalURL }}", "text": "Go"}]}]},
        {"name": "mail", "email_configs": [{"to": "{{ .CommonLabels.team }}@example.com",
                                            "headers": {"Subject": "{{ .Status }}"}}]},
        "not a receiver", {"name": "odd", "slack_configs": "not a list", "email_configs": [3]}]}
    assert [where for where, _ in templated_fields(config)] == [
        "receivers[0] 'chat' slack_configs[0].title", "receivers[0] 'chat' slack_configs[0].fields[0].value",
        "receivers[1] 'pager' pagerduty_configs[0].details.a", "receivers[1] 'pager' pagerduty_configs[0].details.b",
        "receivers[1] 'pager' pagerduty_configs[0].links[0].href", "receivers[2] 'mail' email_configs[0].to",
        "receivers[2] 'mail' email_configs[0].headers.Subject"]


@pytest.mark.integration
@pytest.mark.parametrize(("notifier", "where", "problem"), [
    ({"slack_configs": {"title": "{{ .Status "}}, "slack_configs[0].title", "unclosed action"),
    ({"slack_configs": {"text": "{{ range .Alerts }}{{ .Labels.job }}"}}, "slack_configs[0].text",
     "unexpected EOF"),
    ({"slack_configs": {"title": "ok", "text": "{{ .Status | nosuchfunc }}"}}, "slack_configs[0].text",
     'function "nosuchfunc" not defined'),
    ({"pagerduty_configs": {"description": "{{ .Nope.field }}"}}, "pagerduty_configs[0].description",
     "can't evaluate field Nope"),
    ({"email_configs": {"to": "x@example.com", "html": '{{ template "mine" . }}'}}, "email_configs[0].html",
     'template "mine" not defined'),
    ({"pagerduty_configs": {"details": {"a": "{{ .Status }}", "b": "{{ end }}"}}}, "pagerduty_configs[0].details.b",
     "unexpected {{end}}"),
], ids=["unclosed action", "unclosed range", "unknown function", "unknown field", "undefined template",
        "a stray end"])
def test_a_template_that_cannot_render_fails_naming_its_field(tmp_path: Path, amtool: Tool, notifier: dict,
                                                             where: str, problem: str) -> None:
    result = check_templates(amtool, [("a.yml", {"receivers": []}), ("b.yml", _config(**notifier))], tmp_path / "t")
    assert not result.ok
    assert result.details.startswith(f"b.yml: receivers[1] 'chat' {where}: the template does not render ("), \
        result.details
    assert problem in result.details and "monitoring.field" not in result.details


@pytest.mark.integration
def test_the_generated_templates_and_alertmanagers_own_render(tmp_path: Path, amtool: Tool) -> None:
    """What generate writes renders; so does a field calling one of Alertmanager's default templates, which amtool
    0.25 renders without."""
    config = yaml.safe_load((ROOT / "out" / "alertmanager" / "alertmanager.yml").read_text())
    result = check_templates(amtool, [("alertmanager.yml", config)], tmp_path / "generated")
    assert result.ok, result.details
    assert int(result.checked.split(": ")[1].split()[0]) >= 5
    defaults = _config(slack_configs={"title": '{{ template "slack.default.title" . }}',
                                      "text": '{{ template "__text_alert_list" .Alerts }}',
                                      # A field may define templates of its own, as Alertmanager parses it whole.
                                      "pretext": '{{ define "mine" }}[{{ .Status }}]{{ end }}{{ template "mine" . }}'})
    assert check_templates(amtool, [("a.yml", defaults)], tmp_path / "defaults").ok
    assert check_templates(amtool, [("a.yml", {"receivers": []})], tmp_path / "none").ok


@pytest.mark.integration
def test_validate_fails_on_a_notification_template_that_cannot_render(tmp_path: Path, amtool: Tool,
                                                                      promtool: Tool) -> None:
    """In the whole validate: the Slack title of out/'s configuration edited into a template that does not
    parse (its hash updated, so that out/ still matches its manifest) fails the check, naming file and field."""
    import shutil

    from monitoring.checks.validate import validate
    from tests.out_edits import rehash

    out = tmp_path / "out"
    shutil.copytree(ROOT / "out", out)
    config = out / "alertmanager" / "alertmanager.yml"
    text = config.read_text()
    assert "    title: '[{{ .Status | toUpper }}" in text
    config.write_text(text.replace("    title: '[{{ .Status | toUpper }}", "    title: '[{{ .Status | toUpper "))
    rehash(out, "alertmanager/alertmanager.yml")
    results = {result.name: result for result in validate(out)}
    failed = results["amtool template render"]
    assert not failed.ok and results["amtool check-config"].ok  # amtool's own check takes it for a string
    assert failed.details.startswith(f"{config}: receivers[0] 'chat' slack_configs[0].title: the template does "
                                     "not render (")
