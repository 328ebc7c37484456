"""The Kubernetes output: golden files of every kind, the Operator's schemas, promtool and amtool on what the
resources carry, the namespace matcher the Operator adds to AlertmanagerConfigs, and two fleets in one stack."""

from __future__ import annotations

import copy
from collections import Counter as Tally
from pathlib import Path

import pytest
import yaml

from monitoring import conventions
from monitoring.checks import kubernetes as checks
from monitoring.checks.tools import Tool
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.output.files import to_yaml, write_tree
from monitoring.render import alertmanager
from monitoring.render.kubernetes.alertmanager import operator_merge
from monitoring.render.kubernetes.schemas import KINDS, extract
from tests.conftest import shared_reference
from tests.stacks.kubernetes import TEAM_ROUTING, stack

SOURCE = "tests.stacks.kubernetes:stack"


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return render_files(stack, GenerateContext(SOURCE))


@pytest.fixture(scope="module")
def out(files: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kube") / "out"
    write_tree(files, directory)
    return directory


def resources(files: dict[str, str]) -> dict[str, dict]:
    return {path: yaml.safe_load(text) for path, text in files.items()
            if path.startswith("kubernetes/") and not path.endswith("kustomization.yaml")}


# One golden file per kind (plus the kustomization): the rest are the same renderers over other definitions.
GOLDEN = ["kubernetes/prometheusrule-shop.yaml", "kubernetes/prometheusrule-shop-slo-orders.yaml",
          "kubernetes/podmonitor-mcp-search.yaml", "kubernetes/servicemonitor-shop.yaml",
          "kubernetes/secret-alertmanager-config.yaml", "kubernetes/alertmanagerconfig-shop.yaml",
          "kubernetes/configmap-dashboard-shop-slos.yaml", "kubernetes/kustomization.yaml",
          "kubernetes/scrapeconfig-kubelet-cadvisor.yaml", "kubernetes/scrapeconfig-shop-frontend.yaml",
          "kubernetes/probe-shop-ready.yaml"]


@pytest.mark.parametrize("path", GOLDEN)
def test_each_kind_matches_its_golden_file(golden, files: dict[str, str], path: str) -> None:
    golden(f"kubernetes/{path.removeprefix('kubernetes/')}", files[path])


def test_output_is_deterministic(files: dict[str, str]) -> None:
    again = render_files(stack, GenerateContext(SOURCE))
    assert {p: t for p, t in again.items() if p.startswith("kubernetes/")} == \
        {p: t for p, t in files.items() if p.startswith("kubernetes/")}


def test_every_kind_is_generated_and_listed(files: dict[str, str]) -> None:
    kinds = Tally(r["kind"] for r in resources(files).values())
    assert kinds == {"PrometheusRule": 12, "PodMonitor": 2, "ServiceMonitor": 1, "ScrapeConfig": 2, "Probe": 1,
                     "Secret": 1, "AlertmanagerConfig": 1, "ConfigMap": 7}
    listed = yaml.safe_load(files[conventions.KUSTOMIZATION_FILE])["resources"]
    assert listed == sorted(p.removeprefix("kubernetes/") for p in resources(files))


def test_every_resource_passes_the_operator_schemas(out: Path) -> None:
    result = checks.check_resources(out)
    assert result.ok, result.details
    assert result.checked.startswith("27 resources") and "Operator 0.93.0 CRD schemas" in result.checked


@pytest.mark.parametrize(("path", "mutate", "problem"), [
    ("kubernetes/podmonitor-mcp-search.yaml", lambda r: r["spec"]["podMetricsEndpoints"][0].update(prot="x"),
     "Additional properties are not allowed ('prot' was unexpected)"),
    ("kubernetes/servicemonitor-shop.yaml", lambda r: r["spec"].update(sampleLimit="many"),
     "spec.sampleLimit: 'many' is not of type 'integer'"),
    ("kubernetes/prometheusrule-shop.yaml", lambda r: r["spec"]["groups"][0].pop("name"),
     "'name' is a required property"),
    ("kubernetes/alertmanagerconfig-shop.yaml",
     lambda r: r["spec"]["route"]["matchers"][0].update(matchType="=="), "'==' is not one of"),
    ("kubernetes/prometheusrule-shop.yaml", lambda r: r["metadata"].update(name="Shop_Rules"),
     "Kubernetes object name 'Shop_Rules'"),
    ("kubernetes/scrapeconfig-kubelet-cadvisor.yaml",
     lambda r: r["spec"]["kubernetesSDConfigs"][0].update(role="node"), "'node' is not one of ['Pod'"),
    ("kubernetes/scrapeconfig-shop-frontend.yaml", lambda r: r["spec"].update(bearerTokenFile="/token"),
     "Additional properties are not allowed ('bearerTokenFile' was unexpected)"),
])
def test_schema_check_finds_mistakes(files: dict[str, str], path: str, mutate, problem: str) -> None:
    resource = copy.deepcopy(resources(files)[path])
    mutate(resource)
    assert any(problem in p for p in checks.schema_problems(resource)), checks.schema_problems(resource)


def test_shipped_schemas_are_the_operators(tmp_path: Path) -> None:
    """The package data is exactly what extract() makes of the Operator's CRDs (descriptions left out)."""
    fresh = extract(shared_reference("prometheus-operator-crds"))
    shipped = Path(checks.__file__).parents[1] / "render" / "kubernetes" / "schemas"
    assert set(fresh) == {f"{kind}.json" for kind in KINDS}
    for name, text in fresh.items():
        assert (shipped / name).read_text() == text, name


def test_rule_groups_and_alertmanager_secret_pass_promtool_and_amtool(out: Path, tmp_path: Path, promtool: Tool,
                                                                       amtool: Tool) -> None:
    rule_files = checks.extract_rule_groups(out, tmp_path)
    assert len(rule_files) == 12
    proc = promtool.run("check", "rules", "--lint=all", "--lint-fatal", *map(str, rule_files))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (config,) = checks.extract_alertmanager_configs(out, tmp_path)
    assert amtool.run("check-config", str(config)).returncode == 0
    # What the Secret holds is exactly the plain alertmanager.yml, so the e2e-proven routing is what deploys.
    assert yaml.safe_load(config.read_text()) == alertmanager.render(stack)


def _routes(amtool: Tool, config: Path, labels: dict[str, str]) -> str:
    proc = amtool.run("config", "routes", "test", f"--config.file={config}",
                      *(f"{k}={v}" for k, v in sorted(labels.items())))
    return proc.stdout.strip()


def test_the_operator_scopes_a_team_routing_to_its_namespace(tmp_path: Path, amtool: Tool) -> None:
    """The Operator merges an AlertmanagerConfig under namespace="<its namespace>" with continue: true: the team
    only gets alerts from its namespace, and the global routing still sees every alert."""
    config = tmp_path / "merged.yml"
    config.write_text(to_yaml(operator_merge(alertmanager.render(stack), TEAM_ROUTING)))
    assert amtool.run("check-config", str(config)).returncode == 0
    own = {"alertname": "ShopOrdersFailing", "team": "shop", "namespace": "shop", "severity": "warning"}
    assert _routes(amtool, config, own) == "shop/shop/shop-chat"
    # continue: true: after the team's route, the global routes still see the alert (critical: on-call).
    assert _routes(amtool, config, {**own, "severity": "critical"}) == "shop/shop/shop-pager,oncall"
    # The same team label from another namespace never reaches the team's receivers.
    assert _routes(amtool, config, {**own, "namespace": "mcp-production"}) == "default"


def test_team_alerts_carry_the_namespace_the_operator_matches(files: dict[str, str]) -> None:
    rule = resources(files)["kubernetes/prometheusrule-shop.yaml"]
    labels = rule["spec"]["groups"][0]["rules"][0]["labels"]
    assert labels["namespace"] == TEAM_ROUTING.namespace and labels["team"] == "shop"


def test_two_fleets_share_one_stack_without_collisions(files: dict[str, str]) -> None:
    services = {s.name: s for s in stack.services}
    gateway, search = services["mcp-gateway"], services["mcp-search"]
    assert {j.name for j in gateway.scrape_jobs} == {"mcp-gateway"}
    assert {j.name for j in search.scrape_jobs} == {"mcp-search"}
    assert [g.name for g in gateway.rule_groups] == ["mcp-gateway.alerts"]
    assert [g.name for g in search.rule_groups] == ["mcp-search.alerts"]
    gateway_alerts = {a.name for a in gateway.alerts}
    assert gateway_alerts and not gateway_alerts & {a.name for a in search.alerts}
    assert "MCPSearchHighErrorRate" in {a.name for a in search.alerts}
    slo_alerts = [slo.alert_name(t) for slo in stack.slos for t in slo.tiers]
    assert len(slo_alerts) == len(set(slo_alerts))
    records = [(r["record"], tuple(sorted(r["labels"].items()))) for path, text in files.items()
               if path.startswith("prometheus/rules/") for g in yaml.safe_load(text)["groups"] for r in g["rules"]
               if "record" in r]
    assert len(records) == len(set(records))
    # Each fleet's alerts select its own job and container only.
    assert all('job="mcp-search"' in a.expr or 'container="search"' in a.expr for a in search.alerts)
    monitors = resources(files)
    assert monitors["kubernetes/podmonitor-mcp-search.yaml"]["spec"]["selector"] == {
        "matchLabels": {"app.kubernetes.io/name": "mcp-search"}}


def test_validate_reports_what_checked_the_kubernetes_jobs(out: Path) -> None:
    result = checks.check_scrape_jobs(stack.monitored_jobs(), out)
    assert result.ok, result.details
    assert result.checked.startswith("5 Kubernetes scrape jobs of prometheus.yml: validated by the model")
    assert "5 compared with their PodMonitor/ServiceMonitor" in result.checked
    assert "or ScrapeConfig (role, namespaces, selectors, relabelling, path, interval)" in result.checked


def test_every_discovery_role_has_a_monitor(files: dict[str, str]) -> None:
    """No Kubernetes job needs monitor=False: pod, endpoints, service and node each become a resource."""
    roles = {job.kubernetes_sd_configs[0].role: job.name for s in stack.services for job in s.scrape_jobs}
    assert set(roles) == {"pod", "endpoints", "service", "node"}
    kinds = {resources(files)[conventions.kubernetes_file(kind, name)]["kind"]
             for role, name in roles.items()
             for kind in ("PodMonitor", "ServiceMonitor", "ScrapeConfig")
             if conventions.kubernetes_file(kind, name) in files}
    assert kinds == {"PodMonitor", "ServiceMonitor", "ScrapeConfig"}
    assert all(job.monitor for s in stack.services for job in s.scrape_jobs)


@pytest.mark.parametrize(("path", "mutate", "problem"), [
    ("kubernetes/scrapeconfig-shop-frontend.yaml", lambda r: r["spec"]["relabelings"].pop(0),
     "job shop-frontend: relabel_configs differ from the ScrapeConfig's relabelings"),
    ("kubernetes/scrapeconfig-shop-frontend.yaml",
     lambda r: r["spec"]["kubernetesSDConfigs"][0]["namespaces"].update(names=["shop", "other"]),
     "job shop-frontend: namespaces {'names': ['shop']} differ from the ScrapeConfig's"),
    ("kubernetes/scrapeconfig-kubelet-cadvisor.yaml", lambda r: r["spec"].update(metricsPath="/metrics"),
     "job kubelet-cadvisor: metrics_path /metrics/cadvisor differs from the ScrapeConfig's /metrics"),
    ("kubernetes/scrapeconfig-kubelet-cadvisor.yaml",
     lambda r: r["spec"]["kubernetesSDConfigs"][0].update(role="Pod"),
     "job kubelet-cadvisor: role node differs from the ScrapeConfig's Pod"),
])
def test_a_scrape_config_that_drifts_from_its_job_is_reported(files: dict[str, str], tmp_path: Path, path: str,
                                                              mutate, problem: str) -> None:
    changed = dict(files)
    resource = copy.deepcopy(resources(files)[path])
    mutate(resource)
    changed[path] = to_yaml(resource, "")
    write_tree(changed, tmp_path / "out")
    result = checks.check_scrape_jobs(stack.monitored_jobs(), tmp_path / "out")
    assert not result.ok and problem in result.details, result.details
