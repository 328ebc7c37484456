"""`monitoring import` of a rule file, prometheus.yml or alertmanager.yml of another shape than Prometheus and
Alertmanager read: one line naming the file, the line and the field, exit 2, nothing written; never a
traceback from inside the mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitoring.cli import main

CASES = [
    # rule files
    ("groups: 5\n", "1: groups: 5 is not a list or null"),
    ("groups:\n- 5\n", "1: groups[0] is not an object"),
    ("groups:\n- name: a\n  rules: 5\n", "3: groups[0].rules: 5 is not a list or null"),
    ("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    labels: [1]\n",
     "6: groups[0].rules[0].labels: [1] is not an object or null"),
    ("groups:\n- name: a\n  rules:\n  - alert: A\n    expr: [up]\n",
     "5: groups[0].rules[0].expr: ['up'] is not str or int or float or null"),
    ("kind: List\nitems: 5\n", "2: items: 5 is not a list or null"),
    ("kind: List\nitems:\n- kind: PrometheusRule\n  spec:\n    groups: {a: 1}\n",
     "5: spec.groups: {'a': 1} is not a list or null"),
    # prometheus.yml
    ("scrape_configs: 5\n", "1: scrape_configs: 5 is not a list or null"),
    ("global: 5\nscrape_configs: []\n", "1: global: 5 is not an object or null"),
    ("scrape_configs:\n- job_name: a\n  static_configs:\n    targets: [x:1]\n",
     "3: scrape_configs[0].static_configs: {'targets': ['x:1']} is not a list or null"),
    ("scrape_configs:\n- job_name: a\n  file_sd_configs:\n  - files: x.json\n",
     "4: scrape_configs[0].file_sd_configs[0].files: 'x.json' is not a list or null"),
    ("scrape_configs:\n- job_name: a\n  static_configs: [{targets: ['a:1']}]\n  authorization: x\n",
     "4: scrape_configs[0].authorization: 'x' is not an object or null"),
    ("scrape_configs:\n- job_name: a\n  static_configs: [{targets: ['a:1']}]\n  basic_auth: [1]\n",
     "4: scrape_configs[0].basic_auth: [1] is not an object or null"),
    # of the right shape, but a part of the job the model refuses: the job's line as well
    ("scrape_configs:\n- job_name: a\n  static_configs: [{targets: ['a:1']}]\n  tls_config: {foo: 1}\n",
     "2: tls_config"),  # (in this process, the model's message also names the test's line)
    # alertmanager.yml
    ("route: 5\nreceivers: []\n", "1: route: 5 is not an object or null"),
    ("route: {receiver: a}\nreceivers: 5\n", "2: receivers: 5 is not a list or null"),
    ("route: {receiver: a}\nreceivers: [5]\n", "2: receivers[0] is not an object"),
    ("route: {receiver: a}\nreceivers:\n- name: a\n  webhook_configs: 5\n",
     "4: receivers[0].webhook_configs: 5 is not a list or null"),
    ("route:\n  receiver: a\n  routes:\n  - receiver: a\n    routes:\n    - matchers: 5\nreceivers: [{name: a}]\n",
     "6: route.routes[0].routes[0].matchers: 5 is not a list or null"),
    ("route: {receiver: a}\nreceivers: [{name: a}]\ninhibit_rules: 5\n", "3: inhibit_rules: 5 is not a list or null"),
    ("route: {receiver: a}\nreceivers: [{name: a}]\ntime_intervals:\n- name: t\n  time_intervals:\n  - times: 5\n",
     "6: time_intervals[0].time_intervals[0].times: 5 is not a list or null"),
]


# Grafana's JSON (its lines are not recorded: line 1, and the field's path).
DASHBOARDS = [
    ('{"title": "x", "panels": [5]}', "1: panels[0] is not an object"),
    ('{"dashboard": {"title": "x", "panels": [{"type": "graph", "targets": 5}]}}',
     "1: panels[0].targets: 5 is not a list or null"),
    ('{"title": "x", "panels": [{"type": "timeseries", "gridPos": 5}]}', "1: panels[0].gridPos: 5 is not an object"),
    ('{"title": "x", "rows": [{"panels": 5}]}', "1: rows[0].panels: 5 is not a list or null"),
    ('{"title": "x", "templating": {"list": 5}, "panels": []}', "1: templating.list: 5 is not a list or null"),
    ('{"title": "x", "panels": [{"type": "row", "panels": [{"type": "stat", "fieldConfig": {"defaults": '
     '{"thresholds": {"steps": [{"value": "a"}]}}}}]}]}',
     "1: panels[0].panels[0].fieldConfig.defaults.thresholds.steps[0].value: 'a' is not int or float or null"),
]


@pytest.mark.parametrize(("text", "said"), DASHBOARDS, ids=[c[1] for c in DASHBOARDS])
def test_dashboard_json_of_another_shape_is_one_line_naming_the_field(tmp_path: Path, text: str, said: str,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "board.json"
    source.write_text(text)
    assert main(["import", "--directory", str(tmp_path / "project"), str(source)]) == 2
    err = capsys.readouterr().err
    assert f"{source}:{said}" in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize(("text", "said"), CASES, ids=[c[1] for c in CASES])
def test_a_file_of_another_shape_is_one_line_naming_its_line_and_field(tmp_path: Path, text: str, said: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "input.yml"
    source.write_text(text)
    status = main(["import", "--directory", str(tmp_path / "project"), str(source)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert f"{source}:{said}" in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert not (tmp_path / "project").exists()


def test_empty_values_read_as_absent_as_prometheus_and_alertmanager_read_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "alertmanager.yml"
    source.write_text("global:\nroute:\n  receiver: a\n  routes:\nreceivers:\n- name: a\n  webhook_configs:\n"
                      "inhibit_rules:\n")
    assert main(["import", "--directory", str(tmp_path / "project"), str(source)]) == 0, capsys.readouterr().err
    assert (tmp_path / "project" / "imported" / "routing.py").is_file()
