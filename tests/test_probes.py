"""Probes: blackbox.yml, the scrape jobs with the blackbox relabelling, alerts and the fleet-health rule."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from monitoring import Receiver, Route, Routing, Stack
from monitoring.checks import blackbox as blackbox_check
from monitoring.checks.tools import Tool
from monitoring.errors import DefinitionError, ToolMissingError
from monitoring.model.probe import KubernetesServiceTarget, Probe
from monitoring.packs import blackbox, mcp_probes
from monitoring.render import blackbox as blackbox_render
from monitoring.render import prometheus_config
from tests.binaries import binary_missing

HOSTS = ("mcp-0", "mcp-1", "mcp-2")


def probe_stack(*services: object) -> Stack:
    routing = Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),))
    return Stack(name="probes", services=services or (mcp_probes.service(HOSTS),), routing=routing)


def exporter() -> str:
    try:
        return blackbox_check.find_exporter()
    except ToolMissingError as exc:
        binary_missing(str(exc))


def test_mcp_probes_health_and_ready_on_port_8080() -> None:
    health, ready = mcp_probes.probes(HOSTS)
    assert (health.module, ready.module) == ("http_2xx", "http_ready")
    assert health.urls == tuple(f"http://{h}:8080/health" for h in HOSTS)
    assert ready.urls == tuple(f"http://{h}:8080/ready" for h in HOSTS)


def test_scrape_job_has_the_standard_blackbox_relabelling() -> None:
    config = prometheus_config.render(probe_stack())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == mcp_probes.READY_JOB)
    assert job["metrics_path"] == "/probe"
    assert job["params"] == {"module": ["http_ready"]}
    assert job["static_configs"] == [{"targets": [f"http://{h}:8080/ready" for h in HOSTS]}]
    assert job["relabel_configs"] == [
        {"source_labels": ["__address__"], "target_label": "__param_target"},
        {"source_labels": ["__param_target"], "target_label": "instance"},
        {"target_label": "__address__", "replacement": mcp_probes.EXPORTER},
    ]
    # Prometheus gives up one second after the module's 3s timeout, well inside the interval.
    assert (job["scrape_interval"], job["scrape_timeout"]) == ("30s", "4s")


def test_blackbox_modules_have_timeouts_and_status_codes() -> None:
    modules = blackbox_render.render(probe_stack())["modules"]  # type: ignore[index]
    assert modules["http_ready"]["timeout"] == "3s"
    assert modules["http_ready"]["http"]["valid_status_codes"] == [200]
    assert modules["http_ready"]["http"]["follow_redirects"] is False
    assert modules["http_2xx"]["timeout"] == "5s"
    assert 200 in modules["http_2xx"]["http"]["valid_status_codes"]
    assert 503 not in modules["http_2xx"]["http"]["valid_status_codes"]


def test_no_probes_no_blackbox_file() -> None:
    from monitoring import Counter, ScrapeJob, Service, StaticConfig
    service = Service(name="app", metrics=(Counter(name="app_total", help="A."),),
                      scrape_jobs=(ScrapeJob(name="app", static_configs=(StaticConfig(targets=("a:1",)),)),))
    assert blackbox_render.render(probe_stack(service)) is None


def test_kubernetes_service_target_is_probed_by_its_cluster_name() -> None:
    probe = Probe(name="api-health", module="http_2xx", path="/health",
                  service=KubernetesServiceTarget(name="api", namespace="shop", port=8080))
    assert probe.urls == ("http://api.shop.svc:8080/health",)


def test_certificate_alert_only_for_https() -> None:
    plain = Probe(name="p", module="http_2xx", targets=("http://a:1/",))
    tls = Probe(name="t", module="http_2xx", targets=("https://a/",))
    assert [a.name for a in blackbox.alerts(plain, "Plain")] == ["PlainProbeFailing", "PlainProbeSlow"]
    alerts = {a.name: a for a in blackbox.alerts(tls, "Tls")}
    assert alerts["TlsCertificateExpiring"].expr == 'probe_ssl_earliest_cert_expiry{job="t"} - time() < 1209600'


@pytest.mark.parametrize(("fields", "message"), [
    ({"targets": ("mcp-0:8080/health",)}, "targets: 'mcp-0:8080/health' must be a URL with http:// or https://"),
    ({"module": "http_3xx"}, "module 'http_3xx' is not a blackbox module: use one of http_2xx, http_ready"),
    ({"targets": ()}, "set targets (URLs) or service (a Kubernetes Service), exactly one"),
    ({"exporter": "http://bb:9115"}, "exporter 'http://bb:9115' must be the blackbox exporter's host:port"),
])
def test_bad_probe_is_one_line(fields: dict[str, object], message: str) -> None:
    with pytest.raises(DefinitionError) as error:
        Probe(**{"name": "mcp-ready", "module": "http_ready", "targets": ("http://a:8080/ready",), **fields})
    assert message in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.integration
def test_exporter_accepts_the_generated_config_and_rejects_a_broken_one(tmp_path: Path) -> None:
    exporter()
    good = tmp_path / "blackbox.yml"
    good.write_text(yaml.safe_dump(blackbox_render.render(probe_stack())))
    assert blackbox_check.check_config(good).ok
    broken = tmp_path / "broken.yml"
    broken.write_text("modules:\n  http_2xx:\n    prober: http\n    timeout: soon\n")
    result = blackbox_check.check_config(broken)
    assert not result.ok and "`soon` into time.Duration" in result.details


FLEET_TEST = """
rule_files: [rules.yml]
evaluation_interval: 1m
tests:
- interval: 1m
  input_series:
  - {{series: 'probe_success{{job="mcp-ready", instance="a"}}', values: '{a}'}}
  - {{series: 'probe_success{{job="mcp-ready", instance="b"}}', values: '{b}'}}
  - {{series: 'probe_success{{job="mcp-ready", instance="c"}}', values: '{c}'}}
  - {{series: 'probe_success{{job="mcp-ready", instance="d"}}', values: '{d}'}}
  promql_expr_test:
  - expr: job:probe_fleet_health:state
    eval_time: 1m
    exp_samples: [{{labels: 'job:probe_fleet_health:state{{job="mcp-ready"}}', value: {state}}}]
"""


@pytest.mark.integration
@pytest.mark.parametrize(("up", "state"), [
    ((1, 1, 1, 1), 0),  # healthy
    ((0, 1, 1, 1), 1),  # one of four failing: fewer than half, degraded
    ((0, 0, 1, 1), 2),  # half failing is no longer "fewer than half": unhealthy
    ((0, 0, 0, 0), 2),
])
def test_fleet_health_is_the_scripts_verdict(tmp_path: Path, promtool: Tool, up: tuple[int, ...],
                                             state: int) -> None:
    rules = {"groups": [{"name": "fleet", "rules": [
        {"record": r.name, "expr": r.expr} for r in blackbox.fleet_health_rules(mcp_probes.probes(HOSTS))]}]}
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    values = {k: f"{v} {v}" for k, v in zip("abcd", up, strict=True)}
    (tmp_path / "test.yml").write_text(FLEET_TEST.format(state=state, **values))
    proc = subprocess.run([*promtool.argv, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_operator_probe_spec_follows_the_crd() -> None:
    import jsonschema

    from tests.conftest import shared_reference

    crd = yaml.safe_load(shared_reference("prometheus-operator-crds/monitoring.coreos.com_probes.yaml").read_text())
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    _, ready = mcp_probes.probes(HOSTS)
    spec = blackbox_render.operator_probe_spec(ready)
    jsonschema.validate(spec, schema)
    assert spec["prober"] == {"url": mcp_probes.EXPORTER, "path": "/probe"}
    assert spec["targets"]["staticConfig"]["static"] == list(ready.urls)
    assert (spec["module"], spec["interval"]) == ("http_ready", "30s")


def test_kubernetes_output_has_a_probe_resource_per_probe() -> None:
    from monitoring.model.kubernetes_output import KubernetesOutput
    from monitoring.output.emitters import GenerateContext, render_files

    stack = Stack(**(dict(probe_stack()) | {"kubernetes": KubernetesOutput(namespace="monitoring")}))
    files = render_files(stack, GenerateContext("tests"))
    resource = yaml.safe_load(files["kubernetes/probe-mcp-ready.yaml"])
    assert (resource["apiVersion"], resource["kind"]) == ("monitoring.coreos.com/v1", "Probe")
    _, ready = mcp_probes.probes(HOSTS)
    assert resource["spec"] == blackbox_render.operator_probe_spec(ready)
    assert "probe-mcp-health.yaml" in yaml.safe_load(files["kubernetes/kustomization.yaml"])["resources"]
