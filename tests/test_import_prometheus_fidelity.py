"""`monitoring import` of prometheus.yml and rule files means what Prometheus and promtool make of them: nothing
of the alerting section dropped without a warning, string fields read as their source text, no job that scrapes
other targets than the original, Prometheus' default scrape_timeout, blackbox URL targets, the first document of
a rule file only, and no rule on a metric named None."""

from __future__ import annotations

import importlib
import itertools
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring import (
    KubernetesOutput,
    KubernetesSDConfig,
    Receiver,
    RelabelConfig,
    Route,
    Routing,
    ScrapeJob,
    Service,
    Stack,
    StaticConfig,
)
from monitoring.checks.tools import Tool
from monitoring.errors import DefinitionError, InputFileError
from monitoring.imports import import_files
from monitoring.imports.write import write_import
from monitoring.model.relabel import apply
from tests.conftest import write_out

_PACKAGES = itertools.count()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _promtool_config(promtool: Tool, path: Path) -> tuple[bool, str]:
    run = promtool.run("check", "config", str(path))
    return run.returncode == 0, run.stdout + run.stderr


def _imported_stack(tmp_path: Path, inputs: list[Path]) -> tuple[Any, Stack]:
    """The import's result and the Stack its generated package defines (loaded as `generate` loads it)."""
    package = f"fidelity_{next(_PACKAGES)}"
    result = import_files(inputs, package=package)
    project = tmp_path / "project"
    write_import(result, project)
    sys.path.insert(0, str(project))
    try:
        return result, importlib.import_module(f"{package}.stack").stack
    finally:
        sys.path.remove(str(project))


def _module(result: Any, name: str) -> str:
    """The generated module name.py, whatever the package."""
    return next(text for path, text in result.files.items() if path.endswith(f"/{name}.py"))


def _rendered(stack: Stack, tmp_path: Path) -> Path:
    return write_out(stack, tmp_path / "out") / "prometheus" / "prometheus.yml"


# --- 1. the alerting section: what the model cannot hold is named and kept, never dropped silently --------------

STATIC_AM = "    static_configs: [{targets: ['am1:9093', 'am2:9093']}]\n"
# (a setting of an Alertmanager entry that the model cannot hold, the key the warning names)
AM_SETTINGS = [
    ("    api_version: v1\n", "api_version"),
    ("    relabel_configs: [{source_labels: [__address__], regex: 'am1.*', action: keep}]\n", "relabel_configs"),
    ("    follow_redirects: false\n", "follow_redirects"),
    ("    basic_auth: {username: prom, password: inline}\n", "basic_auth"),
    ("    basic_auth: {username: prom, password_file: ' /etc/prom/am'}\n", "basic_auth"),  # the model refuses it
    ("    authorization: {type: ApiKey, credentials_file: /etc/prom/am}\n", "authorization"),
    ("    tls_config: {ca_file: /etc/prom/ca.pem, min_version: TLS13}\n", "tls_config"),
    ("    proxy_url: http://proxy:3128\n", "proxy_url"),
]


@pytest.mark.parametrize(("setting", "key"), AM_SETTINGS, ids=[f"{k}-{i}" for i, (_, k) in enumerate(AM_SETTINGS)])
def test_an_alertmanager_entry_the_model_cannot_hold_is_named_and_kept_whole(tmp_path: Path, promtool: Tool,
                                                                           setting: str, key: str) -> None:
    source = _write(tmp_path, "prometheus.yml", "alerting:\n  alertmanagers:\n  - " + setting.lstrip() + STATIC_AM
                    + "scrape_configs: [{job_name: a, static_configs: [{targets: ['a:1']}]}]\n")
    assert _promtool_config(promtool, source)[0] or key == "api_version"  # v1 is refused by Prometheus 2.42+
    result = import_files([source])
    warned = [w for w in result.warnings if "alerting.alertmanagers[0]" in w and repr(key) in w]
    assert warned and warned[0].startswith(f"{source}:3: "), result.warnings
    assert "kept as a comment" in warned[0]
    # Not sent to those Alertmanagers another way (plain HTTP, no credentials, no relabelling)...
    assert "alertmanagers=" not in result.files["imported/stack.py"]
    # ... and kept, as written (a secret's value left out), beside the scrape jobs.
    assert f"'{key}'" in result.files["imported/scrape.py"] and "am1:9093" in result.files["imported/scrape.py"]
    assert "inline" not in result.files["imported/scrape.py"]


# Alertmanager entries the model holds as an AlertmanagerEndpoint: each as prometheus.yml writes it.
AM_ENDPOINTS = [
    "    scheme: https\n",
    "    path_prefix: alertmanager/\n",
    "    timeout: 5s\n",
    "    basic_auth: {username: prom, password_file: /etc/prom/am}\n",
    "    authorization: {credentials_file: /etc/prom/am-token}\n",
    "    scheme: https\n    tls_config: {ca_file: /etc/prom/ca.pem, cert_file: /etc/prom/c.pem, key_file: "
    "/etc/prom/k.pem, server_name: am.internal, insecure_skip_verify: true}\n    timeout: 3s\n",
]


def _alerting_entries(path: Path) -> list[dict[str, Any]]:
    """The Alertmanager entries of a prometheus.yml, with Prometheus' defaults filled in and path_prefix as it
    joins it: what Prometheus sends by."""
    defaults = {"scheme": "http", "path_prefix": "/", "timeout": "10s", "api_version": "v2"}
    entries = yaml.safe_load(path.read_text())["alerting"]["alertmanagers"]
    return [{**defaults, **entry, "path_prefix": "/" + str(entry.get("path_prefix", "")).strip("/"),
             "authorization": {"type": "Bearer", **entry["authorization"]} if "authorization" in entry else None}
            for entry in entries]


@pytest.mark.parametrize("setting", AM_ENDPOINTS, ids=["scheme", "path_prefix", "timeout", "basic_auth",
                                                       "authorization", "tls_config"])
def test_an_alertmanager_entry_with_settings_the_model_holds_is_sent_to_as_written(tmp_path: Path, promtool: Tool,
                                                                                   setting: str) -> None:
    source = _write(tmp_path, "prometheus.yml", "alerting:\n  alertmanagers:\n  - " + setting.lstrip() + STATIC_AM
                    + "scrape_configs: [{job_name: a, static_configs: [{targets: ['a:1']}]}]\n")
    result, stack = _imported_stack(tmp_path, [source])
    assert not [w for w in result.warnings if "alerting" in w], result.warnings
    assert "AlertmanagerEndpoint(" in result.files[next(p for p in result.files if p.endswith("/stack.py"))]
    rendered = _rendered(stack, tmp_path)
    assert _promtool_config(promtool, rendered)[0]
    assert _alerting_entries(rendered) == _alerting_entries(source)


def test_alertmanagers_from_service_discovery_are_named_and_kept(tmp_path: Path) -> None:
    source = _write(tmp_path, "prometheus.yml", """\
alerting:
  alertmanagers:
  - static_configs: [{targets: ['am1:9093']}]
  - file_sd_configs:
    - files: ['/etc/prometheus/am/*.yml']
scrape_configs: [{job_name: a, static_configs: [{targets: ['a:1']}]}]
""")
    result = import_files([source])
    assert [w for w in result.warnings if w.startswith(f"{source}:4: alerting.alertmanagers[1]: its Alertmanagers "
                                                       "come from file_sd_configs")], result.warnings
    assert "alertmanagers=('am1:9093',)" in result.files["imported/stack.py"].replace('"', "'")
    assert "/etc/prometheus/am/*.yml" in result.files["imported/scrape.py"]


def test_alert_relabel_configs_are_named_and_kept(tmp_path: Path) -> None:
    source = _write(tmp_path, "prometheus.yml", """\
alerting:
  alert_relabel_configs:
  - {action: labeldrop, regex: replica}
  alertmanagers:
  - static_configs: [{targets: ['am:9093']}]
scrape_configs: [{job_name: a, static_configs: [{targets: ['a:1']}]}]
""")
    result = import_files([source])
    assert [w for w in result.warnings if w.startswith(f"{source}:2: alerting: field 'alert_relabel_configs'")]
    assert "alert_relabel_configs" in result.files["imported/scrape.py"]
    assert "'replica'" in result.files["imported/scrape.py"]


def test_an_alertmanager_entry_of_prometheus_defaults_is_mapped(tmp_path: Path, promtool: Tool) -> None:
    source = _write(tmp_path, "prometheus.yml", """\
alerting:
  alertmanagers:
  - scheme: http
    path_prefix: /
    timeout: 10s
    api_version: v2
    static_configs: [{targets: ['am1:9093']}]
scrape_configs: [{job_name: a, static_configs: [{targets: ['a:1']}]}]
""")
    result, stack = _imported_stack(tmp_path, [source])
    assert result.warnings == []
    assert stack.alertmanagers == ("am1:9093",)
    assert _promtool_config(promtool, _rendered(stack, tmp_path))[0]


# --- 2. relabel configs: string fields as written; a chain that cannot be mapped keeps the whole job out ---------

# (a relabel step as written, with unquoted scalars promtool reads as strings; the step as Prometheus reads it)
STEPS = [
    ("{target_label: shard, replacement: 1}", {"target_label": "shard", "replacement": "1"}),
    ("{source_labels: [scrape], regex: true, action: keep}",
     {"source_labels": ["scrape"], "regex": "true", "action": "keep"}),
    ("{source_labels: [port], regex: 9100, action: drop}",
     {"source_labels": ["port"], "regex": "9100", "action": "drop"}),
    ("{source_labels: [a, b], separator: 0, target_label: ab}",
     {"source_labels": ["a", "b"], "separator": "0", "target_label": "ab"}),
    ("{source_labels: [env], regex: yes, replacement: 0x10, target_label: tier}",
     {"source_labels": ["env"], "regex": "yes", "replacement": "0x10", "target_label": "tier"}),
    ("{source_labels: [__address__], action: Keep, regex: 'app.*'}",
     {"source_labels": ["__address__"], "action": "keep", "regex": "app.*"}),
    ("{source_labels: [__address__], modulus: 4, target_label: __tmp_hash, action: hashmod}",
     {"source_labels": ["__address__"], "modulus": 4, "target_label": "__tmp_hash", "action": "hashmod"}),
]
_DEFAULTS = {"separator": ";", "regex": "(.*)", "replacement": "$1", "action": "replace"}


@pytest.mark.parametrize(("step", "meant"), STEPS, ids=[s for s, _ in STEPS])
@pytest.mark.parametrize("key", ["relabel_configs", "metric_relabel_configs"])
def test_a_relabel_step_is_read_as_prometheus_reads_it(tmp_path: Path, promtool: Tool, key: str, step: str,
                                                       meant: dict[str, Any]) -> None:
    source = _write(tmp_path, "prometheus.yml",
                    f"scrape_configs:\n- job_name: app\n  static_configs: [{{targets: ['app1:8080']}}]\n"
                    f"  {key}:\n  - {step}\n")
    assert _promtool_config(promtool, source)[0]
    result, stack = _imported_stack(tmp_path, [source])
    assert result.warnings == []
    rendered = yaml.safe_load(_rendered(stack, tmp_path).read_text(encoding="utf-8"))
    (job,) = rendered["scrape_configs"]
    assert [{**_DEFAULTS, **s} for s in job[key]] == [{**_DEFAULTS, **meant}]
    assert _promtool_config(promtool, _rendered(stack, tmp_path))[0]


def test_a_keep_filter_with_an_unquoted_scalar_still_filters_the_targets(tmp_path: Path) -> None:
    source = _write(tmp_path, "prometheus.yml", """\
scrape_configs:
  - job_name: app
    static_configs:
      - targets: ['app1:8080', 'app2:8080', 'app3:8080']
    relabel_configs:
      - source_labels: [__address__]
        regex: 'app[12]:.*'
        action: keep
      - target_label: shard
        replacement: 1
""")
    _, stack = _imported_stack(tmp_path, [source])
    (job,) = [j for s in stack.services for j in s.scrape_jobs]
    kept = [t for t in job.static_configs[0].targets if apply(job.relabel_configs, {"__address__": t}) is not None]
    assert kept == ["app1:8080", "app2:8080"]


# (a step valid for promtool that the model cannot hold, and what the warning says of it)
UNMAPPABLE = [
    ("relabel_configs", "{source_labels: [__address__], regex: '(.*):.*', target_label: '${1}', replacement: x}",
     "relabel_configs[1]: target_label"),
    ("metric_relabel_configs", "{source_labels: [__name__], regex: '(.*)', target_label: 'm_${1}'}",
     "metric_relabel_configs[1]: target_label"),
]


@pytest.mark.parametrize(("key", "step", "said"), UNMAPPABLE, ids=[k for k, _, _ in UNMAPPABLE])
def test_a_job_whose_relabelling_cannot_be_mapped_is_kept_whole_not_generated_without_it(
        tmp_path: Path, promtool: Tool, key: str, step: str, said: str) -> None:
    source = _write(tmp_path, "prometheus.yml", f"""\
scrape_configs:
  - job_name: filtered
    static_configs: [{{targets: ['app1:8080', 'other:8080']}}]
    {key}:
      - {{source_labels: [__address__], regex: 'app.*', action: keep}}
      - {step}
  - job_name: plain
    static_configs: [{{targets: ['plain:8080']}}]
""")
    assert _promtool_config(promtool, source)[0]
    result, stack = _imported_stack(tmp_path, [source])
    assert [j.name for s in stack.services for j in s.scrape_jobs] == ["plain"]
    warned = [w for w in result.warnings if "scrape job 'filtered'" in w]
    assert len(warned) == 1 and warned[0].startswith(f"{source}:6: scrape job 'filtered': {said}"), warned
    assert "the whole job is kept as a comment" in warned[0]
    assert "'other:8080'" in _module(result, "scrape")  # the job, as written, in the module
    assert _promtool_config(promtool, _rendered(stack, tmp_path))[0]


@pytest.mark.parametrize(("chain", "said"), [
    ("{a: 1}", "relabel_configs is not a list of relabel configs"),
    ("[5]", "relabel_configs[0] is not a relabel config"),
])
def test_a_relabel_chain_of_another_shape_is_one_line_naming_its_line(tmp_path: Path, chain: str,
                                                                      said: str) -> None:
    source = _write(tmp_path, "prometheus.yml", "scrape_configs:\n- job_name: j\n"
                                                "  static_configs: [{targets: ['a:1']}]\n"
                                                f"  relabel_configs: {chain}\n")
    with pytest.raises(InputFileError, match=rf"^{re.escape(str(source))}:4: scrape job 'j': {re.escape(said)}$"):
        import_files([source])


# --- 3. scrape_timeout: Prometheus' default, the smaller of 10s and the interval ---------------------------------

def _routing() -> Routing:
    return Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),))


def _job(name: str, **fields: Any) -> ScrapeJob:
    return ScrapeJob(name=name, static_configs=(StaticConfig(targets=(f"{name}:9100",)),), **fields)


def test_a_short_scrape_interval_without_a_timeout_generates_a_valid_config(tmp_path: Path, promtool: Tool) -> None:
    stack = Stack(name="fast", scrape_interval="5s", routing=_routing(), services=(
        Service(name="s", scrape_jobs=(_job("fast"), _job("fastest", scrape_interval="2s"))),))
    assert stack.scrape_timeout == "5s"
    assert [stack.scrape_timeout_of(j) for j in stack.services[0].scrape_jobs] == ["5s", "2s"]
    config = _rendered(stack, tmp_path)
    assert yaml.safe_load(config.read_text(encoding="utf-8"))["global"]["scrape_timeout"] == "5s"
    ok, said = _promtool_config(promtool, config)
    assert ok, said


def test_the_default_timeout_stays_10s_from_a_10s_interval_up() -> None:
    for interval in ("10s", "15s", "1m"):
        stack = Stack(name="s", scrape_interval=interval, routing=_routing(), services=(Service(name="s"),))
        assert stack.scrape_timeout == "10s"


def test_a_timeout_given_above_its_interval_is_still_refused() -> None:
    with pytest.raises(DefinitionError, match=r"^stack 's' \(.*\): scrape_timeout 10s must not exceed "
                                              r"scrape_interval 5s$") as caught:
        Stack(name="s", scrape_interval="5s", scrape_timeout="10s", routing=_routing(), services=(Service(name="s"),))
    assert caught.value.field == "scrape_timeout"
    with pytest.raises(DefinitionError, match=r"scrape job 'a'.*: scrape_timeout 2m must not exceed "
                                              r"scrape_interval 1m$"):
        Stack(name="s", routing=_routing(), services=(Service(name="s", scrape_jobs=(
            _job("a", scrape_timeout="2m"),)),))


def test_a_monitor_job_below_the_stack_timeout_carries_its_interval_as_its_timeout() -> None:
    """A PodMonitor spells out its scrapeTimeout: for a job without one, what Prometheus would scrape it with, the
    smaller of the stack's timeout and the job's interval (the stack's 10s would be refused above 5s)."""
    from monitoring.render.kubernetes import monitors

    pod = KubernetesSDConfig(app="api", port="metrics")
    fast = ScrapeJob(name="api", scrape_interval="5s", kubernetes_sd_configs=(pod,))
    stack = Stack(name="s", routing=_routing(), services=(Service(name="api", scrape_jobs=(fast,)),),
                  kubernetes=KubernetesOutput())
    assert stack.kubernetes is not None
    (endpoint,) = monitors.monitor(stack, stack.kubernetes, fast).body["spec"]["podMetricsEndpoints"]
    assert (endpoint["interval"], endpoint["scrapeTimeout"]) == ("5s", "5s")
    slow = fast.model_copy(update={"scrape_interval": "30s"})
    (endpoint,) = monitors.monitor(stack, stack.kubernetes, slow).body["spec"]["podMetricsEndpoints"]
    assert (endpoint["interval"], endpoint["scrapeTimeout"]) == ("30s", "10s")


def test_an_imported_short_interval_generates_a_config_promtool_accepts(tmp_path: Path, promtool: Tool) -> None:
    source = _write(tmp_path, "prometheus.yml", """\
global:
  scrape_interval: 5s
  evaluation_interval: 5s
scrape_configs:
  - job_name: fast
    static_configs: [{targets: ['localhost:9090']}]
  - job_name: fastest
    scrape_interval: 2s
    static_configs: [{targets: ['localhost:9100']}]
""")
    assert _promtool_config(promtool, source)[0]
    _, stack = _imported_stack(tmp_path, [source])
    ok, said = _promtool_config(promtool, _rendered(stack, tmp_path))
    assert ok, said


# --- 4. valid settings the import used to refuse ------------------------------------------------------------------

BLACKBOX = """\
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    static_configs:
      - targets:
        - http://prometheus.io
        - https://prometheus.io
        - http://example.com:8080
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:9115
"""


def test_blackbox_url_targets_with_their_relabelling_are_imported(tmp_path: Path, promtool: Tool) -> None:
    source = _write(tmp_path, "prometheus.yml", BLACKBOX)
    assert _promtool_config(promtool, source)[0]
    _, stack = _imported_stack(tmp_path, [source])
    config = _rendered(stack, tmp_path)
    (job,) = yaml.safe_load(config.read_text(encoding="utf-8"))["scrape_configs"]
    assert job["static_configs"][0]["targets"] == ["http://prometheus.io", "https://prometheus.io",
                                                   "http://example.com:8080"]
    ok, said = _promtool_config(promtool, config)
    assert ok, said


def test_a_url_target_is_refused_where_prometheus_cannot_scrape_it(tmp_path: Path, promtool: Tool) -> None:
    source = _write(tmp_path, "prometheus.yml", "scrape_configs:\n- job_name: u\n"
                                                "  static_configs: [{targets: ['http://x.org']}]\n")
    assert not _promtool_config(promtool, source)[0]  # "is not a valid hostname"
    with pytest.raises(InputFileError, match=rf"^{source}:2: .*static_configs\[0\]\.targets\[0\]: 'http://x\.org' "
                                             r"must be host:port, not a URL \(a URL target needs relabel_configs "
                                             r"that set __address__"):
        import_files([source])
    # With relabelling that leaves the URL as the address, the target could never be scraped either.
    keeps_url = (RelabelConfig(source_labels=("__address__",), target_label="__param_target"),)
    with pytest.raises(DefinitionError, match=r"relabel_configs make its __address__ 'http://x\.org'"):
        ScrapeJob(name="u", static_configs=(StaticConfig(targets=("http://x.org",)),), relabel_configs=keeps_url)


def test_a_host_without_a_port_is_a_target_as_prometheus_takes_it(tmp_path: Path, promtool: Tool) -> None:
    source = _write(tmp_path, "prometheus.yml", "scrape_configs:\n- job_name: local\n"
                                                "  static_configs: [{targets: [localhost, '[::1]']}]\n")
    assert _promtool_config(promtool, source)[0]
    _, stack = _imported_stack(tmp_path, [source])
    assert stack.services[0].scrape_jobs[0].static_configs[0].targets == ("localhost", "[::1]")


# (a job's setting promtool accepts that the model cannot hold, the field a warning names)
KEPT_SETTINGS = [
    ("  tls_config: {ca_file: /etc/prom/ca.pem, min_version: TLS12}\n", "min_version"),
    ("  tls_config: {ca_file: /etc/prom/ca.pem, max_version: TLS13}\n", "max_version"),
    ("  basic_auth: {username: scraper}\n", "basic_auth"),
]


@pytest.mark.parametrize(("setting", "key"), KEPT_SETTINGS, ids=[k for _, k in KEPT_SETTINGS])
def test_a_valid_setting_the_model_lacks_is_named_and_kept(tmp_path: Path, promtool: Tool, setting: str,
                                                           key: str) -> None:
    source = _write(tmp_path, "prometheus.yml", "scrape_configs:\n- job_name: etcd\n  scheme: https\n"
                                                "  static_configs: [{targets: ['etcd-0:2379']}]\n" + setting)
    assert _promtool_config(promtool, source)[0]
    result, stack = _imported_stack(tmp_path, [source])
    assert [w for w in result.warnings if "scrape job 'etcd'" in w and f"'{key}'" in w and "kept as a comment" in w]
    assert key in _module(result, "scrape").split("SERVICES")[0]
    assert [j.name for s in stack.services for j in s.scrape_jobs] == ["etcd"]


def test_a_limit_of_zero_is_no_limit_as_prometheus_reads_it(tmp_path: Path, promtool: Tool) -> None:
    source = _write(tmp_path, "prometheus.yml", "scrape_configs:\n- job_name: a\n  sample_limit: 0\n"
                                                "  label_limit: 0\n  static_configs: [{targets: ['a:1']}]\n")
    assert _promtool_config(promtool, source)[0]
    result, stack = _imported_stack(tmp_path, [source])
    job = stack.services[0].scrape_jobs[0]
    assert (job.sample_limit, job.label_limit, result.warnings) == (None, None, [])


def test_an_inline_tls_key_is_refused_as_a_secret(tmp_path: Path) -> None:
    source = _write(tmp_path, "prometheus.yml", "scrape_configs:\n- job_name: etcd\n"
                                                "  static_configs: [{targets: ['etcd-0:2379']}]\n"
                                                "  tls_config:\n    key: SuperSecretKeyMaterial\n")
    with pytest.raises(InputFileError, match=rf"^{source}:5: scrape job 'etcd': tls_config key is a private key "
                                             r"written inline: put it in a file and use key_file$") as caught:
        import_files([source])
    assert "SuperSecret" not in str(caught.value)


# --- 5. a rule file's further YAML documents: promtool reads the first only ---------------------------------------

MULTIDOC = """\
groups:
- name: first
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
---
groups:
- name: second
  rules:
  - record: job:up:count
    expr: count by (job) (up)
"""


def test_a_rule_file_is_its_first_document_as_promtool_reads_it(tmp_path: Path, promtool: Tool) -> None:
    source = _write(tmp_path, "multi.yml", MULTIDOC)
    run = promtool.run("check", "rules", str(source))
    assert run.returncode == 0 and "1 rules found" in run.stdout, run.stdout
    result = import_files([source])
    assert result.counts["rule files"] == 1 and result.counts["rules"] == 1
    assert list(result.services) == ["multi"]
    assert f"{source}:6: a further YAML document (Prometheus reads only the first): not imported" in result.warnings
    assert "job:up:count" not in "".join(result.files.values())


def test_prometheusrule_resources_of_one_manifest_are_all_read(tmp_path: Path) -> None:
    resource = "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {{name: {name}}}\n" \
               "spec:\n  groups:\n  - name: {name}\n    rules:\n    - record: {name}:up:sum\n      expr: sum(up)\n"
    source = _write(tmp_path, "rules.yaml", resource.format(name="a") + "---\n" + resource.format(name="b"))
    result = import_files([source])
    assert sorted(result.services) == ["a", "b"] and result.warnings == []


# --- 6. a null where a rule needs text: refused with its line, never the text None --------------------------------

NULLS = [
    ("    expr: null\n", "  - alert: A\n", 5, "rule 'A': expr is null"),
    ("    expr: ~\n", "  - alert: A\n", 5, "rule 'A': expr is null"),
    ("    expr:\n", "  - record: r\n", 5, "rule 'r': expr is null"),
    ("    expr: up\n", "  - alert: null\n", 4, "a rule of group 'g': alert is null"),
    ("    expr: up\n", "  - record: ~\n", 4, "a rule of group 'g': record is null"),
]


@pytest.mark.parametrize(("expr", "name", "line", "said"), NULLS, ids=[f"{n.strip()} {e.strip()}"
                                                                      for e, n, _, _ in NULLS])
def test_a_null_rule_field_is_one_line_naming_its_line(tmp_path: Path, expr: str, name: str, line: int,
                                                       said: str) -> None:
    source = _write(tmp_path, "rules.yml", "groups:\n- name: g\n  rules:\n" + name + expr)
    with pytest.raises(InputFileError) as caught:
        import_files([source])
    message = str(caught.value)
    assert message.startswith(f"{source}:{line}: {said}") and "\n" not in message, message
    assert "None" not in message


@pytest.mark.parametrize("field", ["for", "keep_firing_for", "labels", "annotations"])
def test_a_null_optional_rule_field_is_absent_as_prometheus_reads_it(tmp_path: Path, promtool: Tool,
                                                                     field: str) -> None:
    source = _write(tmp_path, "rules.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n"
                                           f"    {field}: null\n")
    assert promtool.run("check", "rules", str(source)).returncode == 0
    result = import_files([source])
    module = result.files["imported/rules.py"]
    assert "None" not in module.split("runbook_url=")[0] and "VerbatimRule(alert=\"A\", expr=\"up == 0\")" in module
