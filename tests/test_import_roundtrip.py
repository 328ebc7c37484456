"""`monitoring import` round trips: third-party rule files, Alertmanager routing and dashboards come back equal."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from monitoring import conventions
from monitoring.checks.tools import Tool
from monitoring.cli import main
from monitoring.errors import InputFileError
from monitoring.imports import import_files
from monitoring.imports.compare import differences, rule_groups
from monitoring.imports.write import write_import
from tests.binaries import amtool_routes
from tests.conftest import installed_input, shared_reference

HERE = Path(__file__).parent / "imports"
CEPH_RULES = "/etc/prometheus/ceph/ceph_default_alerts.yml"
CEPH_DASHBOARDS = "/etc/grafana/dashboards/ceph-dashboard"


def _project(tmp_path: Path, files: list[Path], package: str = "imported", strict: bool = False):
    result = import_files(files, package=package, strict=strict)
    write_import(result, tmp_path)
    (tmp_path / "pyproject.toml").write_text(f'[tool.monitoring]\nstack = "{result.stack}"\n', encoding="utf-8")
    return result


def _generate(project: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "monitoring", "generate"], cwd=project, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stderr


def _groups_of(path: Path) -> list[dict]:
    """The rule groups Prometheus loads from path: a plain rule file's first document (promtool reads no other),
    every document of PrometheusRule manifests."""
    documents = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]
    if documents and isinstance(documents[0], dict) and "groups" in documents[0]:
        documents = documents[:1]
    return [g for doc in documents for g in rule_groups(doc)]


def _sloth_files() -> list[Path]:
    return sorted(p for p in shared_reference("sloth/examples/_gen").iterdir() if p.suffix in (".yml", ".yaml"))


def _prometheus_accepts(promtool: Tool, path: Path, tmp_path: Path) -> bool:
    """Whether Prometheus itself loads the rules of path (some of Sloth's examples use label names it rejects)."""
    plain = tmp_path / f"check-{path.stem}.yml"
    plain.write_text(yaml.safe_dump({"groups": _groups_of(path)}), encoding="utf-8")
    run = subprocess.run([*promtool.argv, "check", "rules", str(plain)], capture_output=True, check=False)
    return run.returncode == 0


def test_third_party_rule_files_round_trip(tmp_path: Path, promtool: Tool) -> None:
    sloth = _sloth_files()
    accepted = [p for p in sloth if _prometheus_accepts(promtool, p, tmp_path)]
    assert len(accepted) >= 10
    for rejected in sorted(set(sloth) - set(accepted)):  # the import refuses them too, naming file and line
        reason = "(invalid label name|does not parse)"
        with pytest.raises(InputFileError, match=rf"^{re.escape(str(rejected))}:\d+: .*{reason}"):
            import_files([rejected])
    inputs = [installed_input(CEPH_RULES, "ceph-prometheus-alerts"), HERE / "prometheusrule.yaml", *accepted]
    result = _project(tmp_path, inputs)
    _generate(tmp_path)
    by_source: dict[str, list[dict]] = {}
    for service, source in result.services.items():
        by_source.setdefault(source, []).extend(_groups_of(tmp_path / "out" / conventions.rules_file(service)))
    assert set(by_source) == {str(p) for p in inputs}
    compared = 0
    for path in inputs:
        assert differences(_groups_of(path), by_source[str(path)]) == [], path
        compared += sum(len(g["rules"]) for g in _groups_of(path))
    assert compared > 150  # ceph alone has 58 rules; every Sloth file adds its SLI, metadata and alert rules
    # Nothing was dropped silently: what the model's conventions do not hold is named.
    assert any("CephDaemonSlowOps" in w and "VerbatimRule" in w for w in result.warnings)


def test_the_rule_files_own_promtool_tests_pass_against_the_regenerated_rules(tmp_path: Path,
                                                                              promtool: Tool) -> None:
    result = _project(tmp_path, [HERE / "prometheusrule.yaml"])
    _generate(tmp_path)
    (service,) = result.services
    regenerated = tmp_path / "out" / conventions.rules_file(service)
    tests = yaml.safe_load((HERE / "prometheusrule.test.yml").read_text(encoding="utf-8"))
    for rule_file, name in ((regenerated, "after"), (_plain_rules(HERE / "prometheusrule.yaml", tmp_path), "before")):
        test_file = tmp_path / f"{name}.test.yml"
        test_file.write_text(yaml.safe_dump({**tests, "rule_files": [str(rule_file)]}), encoding="utf-8")
        run = subprocess.run([*promtool.argv, "test", "rules", str(test_file)], capture_output=True, text=True,
                             check=False)
        assert run.returncode == 0, f"{name}: {run.stdout}{run.stderr}"


def _plain_rules(resource: Path, tmp_path: Path) -> Path:
    plain = tmp_path / "original.rules.yml"
    plain.write_text(yaml.safe_dump({"groups": _groups_of(resource)}), encoding="utf-8")
    return plain


def test_the_generated_modules_read_as_formatted_python(tmp_path: Path) -> None:
    _project(tmp_path, [HERE / "prometheusrule.yaml", HERE / "alertmanager.yml", HERE / "prometheus.yml",
                        HERE / "dashboard-api.json"])
    package = tmp_path / "imported"
    run = subprocess.run([sys.executable, "-m", "ruff", "format", "--check", "--line-length", "120", str(package)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    text = (package / "example_api.py").read_text(encoding="utf-8")
    assert "Alert(\n" in text and "RecordingRule(\n" in text and "METRICS = (" in text
    assert 'Counter(name="http_requests_total"' in text  # the catalog, inferred from the expressions


LABEL_SETS = [
    {"alertname": "X"},
    {"severity": "critical"},
    {"severity": "critical", "service": "payments"},
    {"severity": "critical", "service": "checkout", "team": "storage"},
    {"severity": "critical", "service": "payments-old"},
    {"team": "storage"},
    {"team": "storage", "severity": "warning"},
    {"severity": "warning", "team": "api"},
    {"severity": "info"},
    {"severity": "page"},
]


def test_alertmanager_routing_sends_every_label_set_to_the_same_receivers(tmp_path: Path, amtool: Tool) -> None:
    result = _project(tmp_path, [HERE / "alertmanager.yml"])
    _generate(tmp_path)
    regenerated = tmp_path / "out" / conventions.ALERTMANAGER_CONFIG
    for labels in LABEL_SETS:
        original = amtool_routes(amtool, HERE / "alertmanager.yml", labels)
        assert amtool_routes(amtool, regenerated, labels) == original, labels
    text = (tmp_path / "imported" / "routing.py").read_text(encoding="utf-8")
    assert "routing = Routing(" in text and 'matchers=(\'service=~"^(payments|checkout)$"\',)' in text
    assert any("match_re is deprecated" in w for w in result.warnings)


def test_scrape_jobs_and_global_settings(tmp_path: Path) -> None:
    result = _project(tmp_path, [HERE / "prometheus.yml"])
    _generate(tmp_path)
    config = yaml.safe_load((tmp_path / "out" / conventions.PROMETHEUS_CONFIG).read_text(encoding="utf-8"))
    original = yaml.safe_load((HERE / "prometheus.yml").read_text(encoding="utf-8"))
    assert config["global"]["external_labels"] == {"cluster": "staging"}
    assert config["global"]["scrape_interval"] == "30s"
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    for job in original["scrape_configs"]:
        for key in ("static_configs", "basic_auth", "scrape_interval"):
            if key in job:
                assert jobs[job["job_name"]][key] == job[key], (job["job_name"], key)
        for sd in job.get("file_sd_configs", []):  # written out with Prometheus' default refresh_interval
            assert {"refresh_interval": "5m", **sd} in jobs[job["job_name"]]["file_sd_configs"]
    assert config["alerting"] == original["alerting"]
    # Relabelling, of targets and of series, as Prometheus reads it (its defaults spelt out or not).
    defaults = {"separator": ";", "regex": "(.*)", "replacement": "$1", "action": "replace"}
    for key in ("relabel_configs", "metric_relabel_configs"):
        node = next(job for job in original["scrape_configs"] if job["job_name"] == "node")
        assert [{**defaults, **step} for step in jobs["node"][key]] == [{**defaults, **step} for step in node[key]]
    module = (tmp_path / "imported" / "scrape.py").read_text(encoding="utf-8")
    # `params` has no field in the model: named, and kept as a comment next to the jobs.
    assert any("'blackbox'" in w and "'params'" in w for w in result.warnings)
    assert "params" in module
    # A job whose targets the model cannot discover is kept whole as a comment, named, and the import goes on.
    assert "kubernetes-pods" not in jobs
    assert any("scrape job 'kubernetes-pods': its targets come from kubernetes_sd_configs" in w
               for w in result.warnings)
    assert "__meta_kubernetes_pod_annotation_prometheus_io_scrape" in module


def test_dashboards_map_onto_the_model_or_stay_json(tmp_path: Path, promtool: Tool, amtool: Tool) -> None:
    ceph = sorted(installed_input(CEPH_DASHBOARDS, "ceph-grafana-dashboards").glob("*.json"))
    result = _project(tmp_path, [HERE / "dashboard-api.json", *ceph])
    _generate(tmp_path)
    modelled = (tmp_path / "imported" / "dashboards.py").read_text(encoding="utf-8")
    assert 'Dashboard(\n' in modelled and 'name="Example API"' in modelled and "DashboardRow(" in modelled
    kept = sorted((tmp_path / "dashboards").glob("*.dashboard.py"))
    assert 0 < len(kept) <= len(ceph)  # piecharts, interval variables, overrides: kept as JSON, with a note why
    notes = [path.read_text(encoding="utf-8") for path in kept]
    assert all(re.search(r"Kept as Grafana JSON \(.*\) because \S.*\.\n", note) for note in notes)
    assert any("type 'grafana-piechart-panel', which the model lacks" in note for note in notes)
    assert modelled.count("    Dashboard(") == len(ceph) + 1 - len(kept)
    written = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out" / "grafana").rglob("*.json")]
    titles = {d.get("title") for d in written if isinstance(d, dict)}
    assert {"Example API"} | {json.loads(p.read_text(encoding="utf-8"))["title"] for p in ceph} <= titles
    assert result.counts["dashboards"] == len(ceph) + 1
    # Kept JSON is migrated as Grafana migrates it, and what had no modern equivalent is named.
    assert any("Panels migrated as Grafana does: graph to timeseries" in note for note in notes)
    assert any("settings the migration does not carry over, dropped: " in w for w in result.warnings)
    panel_types = {p.get("type") for d in written if isinstance(d, dict) for p in d.get("panels", [])}
    assert not panel_types & {"graph", "singlestat", "grafana-piechart-panel", "table-old"}
    # ... and the whole import passes every check: schemas, panel types, layout, variables, PromQL, labels.
    run = subprocess.run([sys.executable, "-m", "monitoring", "validate"], cwd=tmp_path, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("\nok   dashboard/") >= 9 and "FAIL" not in run.stdout


@pytest.mark.parametrize("path", [CEPH_RULES])
def test_strict_import_names_the_first_unsupported_construct(tmp_path: Path, path: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    source = installed_input(path, "ceph-prometheus-alerts")
    assert main(["import", "--strict", "--directory", str(tmp_path), str(source)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"{source}:566: alert 'CephDaemonSlowOps': summary" in err and "--strict" in err
    assert not (tmp_path / "imported").exists()
