"""Kubernetes target selection, proven by running the relabel chain of prometheus.yml over discovered targets."""

from __future__ import annotations

import pytest

from monitoring import KubernetesSDConfig, ScrapeJob
from monitoring.errors import DefinitionError
from monitoring.model.kubernetes import LabelRequirement
from monitoring.model.relabel import RelabelConfig, apply
from monitoring.model.target_selection import relabel_chain, sd_selectors
from monitoring.render.prometheus_config import scrape_config


def pod_target(app: str, pod: str, *, ip: str = "10.0.0.1", phase: str = "Running", port: str = "metrics",
               number: str = "9464", container: str = "server", namespace: str = "shop",
               extra: dict[str, str] | None = None) -> dict[str, str]:
    """What role pod discovers for one container port of one pod (the labels Prometheus documents)."""
    labels = {
        "__address__": f"{ip}:{number}" if ":" not in ip else f"[{ip}]:{number}",
        "__meta_kubernetes_namespace": namespace,
        "__meta_kubernetes_pod_name": pod,
        "__meta_kubernetes_pod_ip": ip,
        "__meta_kubernetes_pod_phase": phase,
        "__meta_kubernetes_pod_node_name": "node-a",
        "__meta_kubernetes_pod_container_name": container,
        "__meta_kubernetes_pod_container_port_name": port,
        "__meta_kubernetes_pod_container_port_number": number,
        "__meta_kubernetes_pod_label_app_kubernetes_io_name": app,
        "__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name": "true",
    }
    for key, value in (extra or {}).items():
        labels[f"__meta_kubernetes_pod_label_{key}"] = value
        labels[f"__meta_kubernetes_pod_labelpresent_{key}"] = "true"
    return labels


_JOB_FIELDS = ("relabel_configs", "metric_relabel_configs", "sample_limit", "label_limit")


def pod_job(name: str, app: str, **fields: object) -> ScrapeJob:
    job = {k: v for k, v in fields.items() if k in _JOB_FIELDS}
    sd = {k: v for k, v in fields.items() if k not in _JOB_FIELDS}
    return ScrapeJob(name=name, **job, kubernetes_sd_configs=(
        KubernetesSDConfig(namespaces=("shop",), app=app, port="metrics", **sd),))


def scraped(job: ScrapeJob, targets: list[dict[str, str]]) -> list[dict[str, str]]:
    chain = relabel_chain(job)
    return [result for target in targets if (result := apply(chain, target)) is not None]


def test_two_services_in_one_namespace_never_scrape_each_others_pods() -> None:
    targets = [pod_target("shop-api", f"api-{i}", ip=f"10.0.0.{i}") for i in range(3)]
    targets += [pod_target("shop-worker", f"worker-{i}", ip=f"10.0.1.{i}") for i in range(2)]
    api, worker = pod_job("shop-api", "shop-api"), pod_job("shop-worker", "shop-worker")
    api_pods = {t["pod"] for t in scraped(api, targets)}
    worker_pods = {t["pod"] for t in scraped(worker, targets)}
    assert api_pods == {"api-0", "api-1", "api-2"}
    assert worker_pods == {"worker-0", "worker-1"}
    # The SD selectors already ask the API server for the job's own pods only.
    assert sd_selectors(api.kubernetes_sd_configs[0]) == [{"role": "pod", "label": "app.kubernetes.io/name=shop-api"}]


def test_a_prefix_of_another_app_name_does_not_match() -> None:
    """Relabel regexes are anchored: app 'shop' must not select 'shop-api' pods."""
    targets = [pod_target("shop-api", "api-0"), pod_target("shop", "shop-0")]
    assert [t["pod"] for t in scraped(pod_job("shop", "shop"), targets)] == ["shop-0"]


@pytest.mark.parametrize("phase", ["Pending", "Succeeded", "Failed"])
def test_pods_that_do_not_run_are_dropped(phase: str) -> None:
    assert scraped(pod_job("a", "a"), [pod_target("a", "a-0", phase=phase)]) == []


def test_address_from_pod_ip_and_port_is_ipv6_safe() -> None:
    targets = [pod_target("a", "v4", ip="10.1.2.3"), pod_target("a", "v6", ip="fd00::1:2")]
    addresses = {t["pod"]: t["__address__"] for t in scraped(pod_job("a", "a"), targets)}
    assert addresses == {"v4": "10.1.2.3:9464", "v6": "[fd00::1:2]:9464"}


def test_targets_are_labelled_with_namespace_pod_container_and_node() -> None:
    (target,) = scraped(pod_job("a", "a"), [pod_target("a", "a-0")])
    assert {k: target[k] for k in ("namespace", "pod", "container", "node")} == {
        "namespace": "shop", "pod": "a-0", "container": "server", "node": "node-a"}


def test_only_the_named_port_and_container_are_scraped() -> None:
    targets = [pod_target("a", "a-0"), pod_target("a", "a-0", port="http", number="8080"),
               pod_target("a", "a-0", container="sidecar", number="9100")]
    kept = scraped(pod_job("a", "a", container="server"), targets)
    assert [(t["container"], t["__address__"]) for t in kept] == [("server", "10.0.0.1:9464")]


def test_match_labels_and_expressions_narrow_the_selection() -> None:
    targets = [pod_target("a", "a-0", extra={"tier": "api"}), pod_target("a", "a-1", extra={"tier": "batch"}),
               pod_target("a", "a-2", extra={"canary": "yes"})]
    job = pod_job("a", "a", match_expressions=(LabelRequirement(key="tier", operator="In", values=("api",)),))
    assert [t["pod"] for t in scraped(job, targets)] == ["a-0"]
    job = pod_job("a", "a", match_expressions=(LabelRequirement(key="canary", operator="DoesNotExist"),))
    assert [t["pod"] for t in scraped(job, targets)] == ["a-0", "a-1"]


def test_the_jobs_own_relabel_configs_run_after_the_selection() -> None:
    job = pod_job("a", "a", relabel_configs=(
        RelabelConfig(source_labels=("__meta_kubernetes_pod_name",), regex="a-(.*)", target_label="replica",
                      replacement="r$1"),))
    (target,) = scraped(job, [pod_target("a", "a-7")])
    assert target["replica"] == "r7"


def test_prometheus_yml_carries_limits_and_metric_relabelling() -> None:
    job = pod_job("a", "a", sample_limit=5000, label_limit=40, metric_relabel_configs=(
        RelabelConfig(source_labels=("__name__",), regex="go_.*", action="drop"),))
    config = scrape_config(job)
    assert config["sample_limit"] == 5000 and config["label_limit"] == 40
    assert config["metric_relabel_configs"] == [{"source_labels": ["__name__"], "regex": "go_.*", "action": "drop"}]


def test_cadvisor_from_the_kubelet_by_node_role() -> None:
    job = ScrapeJob(name="kubelet-cadvisor", scheme="https", metrics_path="/metrics/cadvisor",
                    bearer_token_file="/var/run/secrets/kubernetes.io/serviceaccount/token",
                    kubernetes_sd_configs=(KubernetesSDConfig(role="node"),))
    config = scrape_config(job)
    assert config["kubernetes_sd_configs"] == [{"role": "node"}]
    assert config["authorization"]["credentials_file"].endswith("serviceaccount/token")
    node = {"__address__": "192.168.1.5:10250", "__meta_kubernetes_node_name": "node-a"}
    assert scraped(job, [node]) == [{**node, "node": "node-a"}]


@pytest.mark.parametrize(("sd", "message"), [
    ({}, "role pod needs a selector"),
    ({"app": "a"}, "role pod needs port"),
    ({"role": "endpoints", "app": "a", "port": "m", "container": "c"}, "only role pod takes it"),
    ({"role": "node", "namespaces": ("a",)}, "role node takes no namespaces"),
])
def test_selection_mistakes_are_rejected(sd: dict[str, object], message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        KubernetesSDConfig(**sd)


@pytest.mark.parametrize(("regex", "kept", "dropped"), [
    ("v{,2}", "v{,2}", "vv"),  # Go reads {,2} as text, Python's re as a count
    (r"job\d", "job1", "job\u0661"),  # \d is ASCII in Go
    ("a$", "a", "a\n"),  # $ is the end of the text in Go
    (r"\Qa.b\E", "a.b", "axb"),  # Go's quoting, which Python's re lacks
])
def test_relabelling_reads_its_regex_as_go_does(regex: str, kept: str, dropped: str) -> None:
    step = RelabelConfig(action="keep", source_labels=("x",), regex=regex)
    assert apply((step,), {"x": kept}) == {"x": kept}
    assert apply((step,), {"x": dropped}) is None
