"""`monitoring import` and `monitoring import-slo` read hostile YAML and JSON as Prometheus, Alertmanager and
Sloth read it: an alias bomb, nesting without end, a key given twice or a key that is not a single value is one
line naming file:line (exit 2, quickly, never a traceback); a scalar that YAML 1.1 reads as a boolean or a number
(`yes`, `0x10`, `1_000`) keeps its text where those tools read a string (labels, matchers, names)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from monitoring import conventions
from monitoring.checks.tools import Tool
from monitoring.cli import main
from monitoring.imports import import_files
from monitoring.imports.write import write_import
from monitoring.slo import spec_python, specs
from tests.conftest import import_and_generate


def _bomb(levels: int, then: str) -> str:
    """A YAML alias bomb: each of `levels` anchors lists the one before ten times (10**levels leaves)."""
    lines = ["x0: &x0 [a, a, a, a, a, a, a, a, a, a]"]
    lines += [f"x{n}: &x{n} [{', '.join([f'*x{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n" + then


AM = "route: {receiver: a}\nreceivers: [{name: a}]\n"
RULE = "groups:\n- name: g\n  rules:\n  - record: 'a:b'\n    expr: up\n"
SLOTH = """version: prometheus/v1
service: checkout
labels:
  owner: shop
slos:
  - name: requests-availability
    objective: 99.9
    description: Common SLO based on availability for HTTP request responses.
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: CheckoutHighErrorRate
      page_alert:
        labels:
          severity: critical
      ticket_alert:
        labels:
          severity: warning
"""

# (id, command, file name, text, extra arguments, what the one line says after "file:")
REFUSED = [
    ("alias-bomb-alertmanager", "import", "alertmanager.yml", _bomb(6, AM), [], "7: aliases expand the document"),
    ("alias-bomb-rules", "import", "rules.yml", _bomb(6, RULE), [], "7: aliases expand the document"),
    ("alias-bomb-sloth", "import-slo", "slo.yml", _bomb(6, SLOTH), [], "7: aliases expand the document"),
    ("alias-holds-itself", "import", "alertmanager.yml", AM + "extra: &a [x, *a]\n", [],
     "3: an alias refers to a node that holds it"),
    ("deep-block-rules", "import", "rules.yml", "groups:\n" + "- " * 2000 + "x\n", [], "2: nested deeper than 200"),
    ("deep-flow-alertmanager", "import", "alertmanager.yml", AM + "extra: " + "[" * 5000 + "]" * 5000 + "\n", [],
     "3: nested deeper than 200"),
    ("deep-json-dashboard", "import", "board.json", '{"title": "x",\n"panels": ' + "[" * 5000 + "]" * 5000 + "}",
     [], "2: nested deeper than 200"),
    ("deep-sloth", "import-slo", "slo.yml", SLOTH.replace("owner: shop", "owner: " + "[" * 2000 + "]" * 2000), [],
     "4: nested deeper than 200"),
    ("duplicate-rule-field", "import", "rules.yml", RULE + "    expr: vector(1)\n", [],
     "6: mapping key 'expr' already defined at line 5"),
    ("duplicate-route-field", "import", "alertmanager.yml", "route:\n  receiver: a\n  receiver: b\n"
     "receivers: [{name: a}, {name: b}]\n", [], "3: mapping key 'receiver' already defined at line 2"),
    ("duplicate-external-label", "import", "prometheus.yml", "global:\n  external_labels:\n    region: eu\n"
     "    region: us\nscrape_configs: []\n", [], "4: mapping key 'region' already defined at line 3"),
    ("duplicate-objective", "import-slo", "slo.yml", SLOTH.replace("    objective: 99.9\n",
                                                                   "    objective: 99.9\n    objective: 95\n"), [],
     "8: mapping key 'objective' already defined at line 7"),
    ("list-as-key", "import", "alertmanager.yml", AM + "? [a, b]\n: x\n", [],
     "3: a mapping key must be a single value, not a list"),
    # a number beside a name as keys (Go reads both as text: a field Prometheus does not know)
    ("number-key-rule-group", "import", "rules.yml", "groups:\n- name: g\n  1: one\n  foo: bar\n  rules: []\n",
     ["--strict"], "3: rule group 'g': field '1'"),
    ("number-key-alertmanager", "import", "alertmanager.yml", AM + "1: x\nfoo: y\n", ["--strict"],
     "3: alertmanager.yml: '1'"),
    # Prometheus and Alertmanager read the first document only (`promtool check config` accepts the file)
    ("second-document-prometheus", "import", "prometheus.yml",
     "scrape_configs: [{job_name: a, static_configs: [{targets: ['a:1']}]}]\n---\nscrape_configs: []\n",
     ["--strict"], "2: a further YAML document (Prometheus reads only the first)"),
    ("second-document-alertmanager", "import", "alertmanager.yml", AM + "---\n" + AM, ["--strict"],
     "3: a further YAML document (Alertmanager reads only the first)"),
]


@pytest.mark.parametrize(("command", "name", "text", "extra", "said"), [c[1:] for c in REFUSED],
                         ids=[c[0] for c in REFUSED])
def test_hostile_input_is_one_line_naming_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        command: str, name: str, text: str, extra: list[str],
                                                        said: str) -> None:
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "project"
    started = time.monotonic()
    status = main([command, "--directory", str(out), *extra, str(source)])
    took = time.monotonic() - started
    err = capsys.readouterr().err
    assert status == 2, err
    assert f"{source}:{said}" in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert took < 0.5, f"{took:.2f}s"
    assert not out.exists()


def test_a_second_document_is_named_in_a_warning_and_the_first_imported(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "alertmanager.yml"
    source.write_text(AM + "---\nroute: {receiver: b}\nreceivers: [{name: b}]\n", encoding="utf-8")
    assert main(["import", "--directory", str(tmp_path / "project"), str(source)]) == 0
    err = capsys.readouterr().err
    assert f"{source}:3: a further YAML document (Alertmanager reads only the first): not imported" in err, err
    routing = (tmp_path / "project" / "imported" / "routing.py").read_text(encoding="utf-8")
    assert "receiver='a'" in routing.replace('"', "'") and "'b'" not in routing.replace('"', "'")


def test_merge_keys_and_shared_anchors_read_as_alertmanager_reads_them(tmp_path: Path) -> None:
    """An anchor shared between routes, and a `<<` merge whose key is given again: the explicit key wins and is
    no duplicate, and a merged match value keeps its text."""
    source = tmp_path / "alertmanager.yml"
    source.write_text("defaults: &d {receiver: a, group_wait: 30s}\nroute:\n  <<: *d\n  group_wait: 10s\n"
                      "  routes:\n  - <<: *d\n    match: &m {page: yes}\n  - {receiver: a, match: *m}\n"
                      "receivers: [{name: a}]\n", encoding="utf-8")
    routing = import_files([source]).files["imported/routing.py"].replace("\\", "")
    assert 'receiver="a",\n        group_wait="10s"' in routing and 'group_wait="30s"' in routing, routing
    assert routing.count('page="yes"') == 2, routing


SCALARS = {"page": "yes", "oncall": "on", "priority": "0x10", "build": "1_000", "off_hours": "no", "ratio": "1.50"}
SCALAR_LABELS = "".join(f"      {k}: {v}\n" for k, v in SCALARS.items())
SCALAR_RULES = ("groups:\n- name: g\n  rules:\n  - alert: DiskFull\n    expr: node_filesystem_avail_bytes == 0\n"
                "    labels:\n      severity: critical\n" + SCALAR_LABELS
                + "    annotations:\n      summary: Disk full\n      description: yes\n")


def test_rule_labels_keep_their_text(tmp_path: Path) -> None:
    source = tmp_path / "rules.yml"
    source.write_text(SCALAR_RULES, encoding="utf-8")
    module = import_files([source]).files["imported/rules.py"]
    for key, value in SCALARS.items():
        assert f'"{key}": "{value}"' in module, module
    assert 'description="yes"' in module, module


def test_promtool_gives_the_same_labels_before_and_after(tmp_path: Path, promtool: Tool) -> None:
    source = tmp_path / "rules.yml"
    source.write_text(SCALAR_RULES, encoding="utf-8")
    result = import_and_generate(tmp_path, [source])
    (service,) = result.services
    expected = {"alertname": "DiskFull", "severity": "critical", "instance": "a", **SCALARS}
    for rules, name in ((source, "before"), (tmp_path / "out" / conventions.rules_file(service), "after")):
        test = {"rule_files": [str(rules)], "evaluation_interval": "1m", "tests": [{
            "interval": "1m", "input_series": [{"series": 'node_filesystem_avail_bytes{instance="a"}',
                                                "values": "0 0 0"}],
            "alert_rule_test": [{"eval_time": "1m", "alertname": "DiskFull", "exp_alerts": [{
                "exp_labels": {k: v for k, v in expected.items() if k != "alertname"},
                "exp_annotations": {"summary": "Disk full", "description": "yes"}}]}]}]}
        test_file = tmp_path / f"{name}.test.yml"
        test_file.write_text(yaml.safe_dump(test), encoding="utf-8")
        run = subprocess.run([*promtool.argv, "test", "rules", str(test_file)], capture_output=True, text=True,
                             check=False)
        assert run.returncode == 0, f"{name}: {run.stdout}{run.stderr}"


SCALAR_ROUTES = ("route:\n  receiver: default\n  routes:\n  - receiver: pager\n    match: {page: yes}\n"
                 "  - receiver: builds\n    match_re: {build: 1_000}\nreceivers: [{name: default}, {name: pager}, "
                 "{name: builds}]\n")


def test_match_values_keep_their_text(tmp_path: Path) -> None:
    source = tmp_path / "alertmanager.yml"
    source.write_text(SCALAR_ROUTES, encoding="utf-8")
    routing = import_files([source]).files["imported/routing.py"].replace("\\", "")
    assert 'page="yes"' in routing and 'build=~"1_000"' in routing, routing


def _route(amtool: Tool, config: Path, labels: list[str]) -> str:
    run = subprocess.run([*amtool.argv, "config", "routes", "test", "--config.file", str(config), *labels],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_amtool_routes_the_same_before_and_after(tmp_path: Path, amtool: Tool) -> None:
    source = tmp_path / "alertmanager.yml"
    source.write_text(SCALAR_ROUTES, encoding="utf-8")
    result = import_files([source])
    write_import(result, tmp_path / "project")
    project = tmp_path / "project"
    (project / "pyproject.toml").write_text(f'[tool.monitoring]\nstack = "{result.stack}"\n', encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "monitoring", "generate"], cwd=project, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stderr
    regenerated = project / "out" / conventions.ALERTMANAGER_CONFIG
    for labels in (["page=yes"], ["page=true"], ["build=1_000"], ["build=1000"], ["other=x"]):
        assert _route(amtool, regenerated, labels) == _route(amtool, source, labels), labels
    assert _route(amtool, source, ["page=yes"]) == "pager"


def test_external_and_target_labels_keep_their_text(tmp_path: Path) -> None:
    source = tmp_path / "prometheus.yml"
    source.write_text("global:\n  external_labels: {replica: no, shard: 0x10}\nscrape_configs:\n- job_name: 1_000\n"
                      "  static_configs:\n  - targets: ['a:1']\n    labels: {canary: on}\n", encoding="utf-8")
    files = import_files([source]).files
    text = "".join(files.values())
    for written in ('"replica": "no"', '"shard": "0x10"', '"canary": "on"', '"1_000"'):
        assert written in text, text


def test_sloth_labels_names_and_annotations_keep_their_text(tmp_path: Path) -> None:
    source = tmp_path / "slo.yml"
    source.write_text(SLOTH.replace("owner: shop", "owner: shop\n  shard: 0x10\n  paging: yes")
                      .replace("service: checkout", "service: 0x10")
                      .replace("      name: CheckoutHighErrorRate",
                               "      name: CheckoutHighErrorRate\n      annotations: {runbook: on}"),
                      encoding="utf-8")
    imported = specs.read_files([source])
    (slo,) = imported.services["0x10"].slos
    assert slo.labels["shard"] == "0x10" and slo.labels["paging"] == "yes"
    assert slo.alerting.annotations == {"runbook": "on"}
    text = "".join(spec_python.render(imported).values())
    assert '"0x10"' in text and "99.9" in text, text


@pytest.mark.parametrize(("text", "read", "as_written"), [
    # YAML 1.1's base-60 numbers are strings to Go's readers: a time of day, a range of days.
    ("v: 18:30", "18:30", "18:30"),
    ("v: -1:30", "-1:30", "-1:30"),
    ("v: 1:30.5", "1:30.5", "1:30.5"),
    ("v: [1:5, 10:15]", ["1:5", "10:15"], ["1:5", "10:15"]),
    # In a list as in a mapping, a scalar read as a number or a boolean keeps its text for a string field.
    ("v: [yes, 0x10, 1_000, on, x]", [True, 16, 1000, True, "x"], ["yes", "0x10", "1_000", "on", "x"]),
    ("v:\n- 1.50\n- null\n- [no]", [1.5, None, [False]], ["1.50", None, [False]]),
    ("v: 30", 30, "30"),
])
def test_scalars_read_as_go_reads_them(text: str, read: object, as_written: object) -> None:
    from monitoring.imports.yaml_input import parse_yaml, written

    (document,) = parse_yaml(text)
    assert document.data["v"] == read
    assert written(document.data, "v") == as_written
