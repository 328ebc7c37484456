"""PodMonitor (role pod), ServiceMonitor (role endpoints) and ScrapeConfig (roles node and service) from a
Kubernetes scrape job.

The monitor selects what the job's relabel chain in prometheus.yml keeps: the same labels (selector), the same
namespaces (namespaceSelector), the same port by name; its relabelings add what the Operator does not do itself
(see target_selection.monitor_steps). A ScrapeConfig carries the job's discovery and its whole relabel chain as
prometheus.yml has them, and names the job with jobName. Credentials come only from Secret key references.
"""

from __future__ import annotations

from typing import Any

from monitoring.model.kubernetes_output import KubernetesOutput, monitor_kind
from monitoring.model.relabel import RelabelConfig
from monitoring.model.scrape import KubernetesSDConfig, ScrapeJob
from monitoring.model.stack import Stack
from monitoring.model.target_selection import monitor_steps, relabel_chain, sd_selectors
from monitoring.render.kubernetes.resource import Resource, make

API_VERSION = "monitoring.coreos.com/v1"
SCRAPE_CONFIG_API_VERSION = "monitoring.coreos.com/v1alpha1"
# The Operator spells discovery roles capitalised.
SD_ROLES = {"pod": "Pod", "endpoints": "Endpoints", "service": "Service", "node": "Node"}


def selector(sd: KubernetesSDConfig) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if sd.selector_labels():
        data["matchLabels"] = sd.selector_labels()
    if sd.match_expressions:
        data["matchExpressions"] = [{"key": r.key, "operator": r.operator, **({"values": list(r.values)}
                                                                              if r.values else {})}
                                    for r in sd.match_expressions]
    return data


def namespace_selector(sd: KubernetesSDConfig) -> dict[str, Any]:
    """The job's namespaces; none means every namespace, as kubernetes_sd_configs without namespaces does."""
    return {"matchNames": list(sd.namespaces)} if sd.namespaces else {"any": True}


def _auth(job: ScrapeJob) -> dict[str, Any]:
    data: dict[str, Any] = {}
    auth = job.basic_auth
    if auth and auth.username_secret and auth.password_secret:
        data["basicAuth"] = {"username": auth.username_secret.render(), "password": auth.password_secret.render()}
    if job.bearer_token_secret:
        data["authorization"] = {"type": "Bearer", "credentials": job.bearer_token_secret.render()}
    tls = job.tls_config
    if tls:
        config: dict[str, Any] = {}
        if tls.ca_secret:
            config["ca"] = {"secret": tls.ca_secret.render()}
        if tls.cert_secret:
            config["cert"] = {"secret": tls.cert_secret.render()}
        if tls.key_secret:
            config["keySecret"] = tls.key_secret.render()
        if tls.server_name:
            config["serverName"] = tls.server_name
        if tls.insecure_skip_verify:
            config["insecureSkipVerify"] = True
        data["tlsConfig"] = config
    return data


def _scrape(stack: Stack, job: ScrapeJob, steps: tuple[RelabelConfig, ...], *, path: str,
            interval: str) -> dict[str, Any]:
    """What a monitor's endpoint and a ScrapeConfig both carry, under their own names for path and interval:
    path, scheme, intervals (explicit, so that they equal prometheus.yml's), credentials and relabelling."""
    data: dict[str, Any] = {
        path: job.metrics_path,
        "scheme": job.scheme,
        interval: job.scrape_interval or stack.scrape_interval,
        "scrapeTimeout": stack.scrape_timeout_of(job),
    }
    if job.honor_labels:
        data["honorLabels"] = True
    data.update(_auth(job))
    data["relabelings"] = [step.operator() for step in steps]
    if job.metric_relabel_configs:
        data["metricRelabelings"] = [step.operator() for step in job.metric_relabel_configs]
    return data


def _limits(job: ScrapeJob) -> dict[str, int]:
    return {key: value for key, value in (("sampleLimit", job.sample_limit), ("labelLimit", job.label_limit))
            if value}


def endpoint(stack: Stack, job: ScrapeJob, sd: KubernetesSDConfig) -> dict[str, Any]:
    """One podMetricsEndpoints / endpoints entry."""
    return {"port": sd.port, **_scrape(stack, job, monitor_steps(job, sd), path="path", interval="interval")}


def kubernetes_sd_config(sd: KubernetesSDConfig) -> dict[str, Any]:
    """A ScrapeConfig's kubernetesSDConfigs entry: the role, namespaces and selectors of prometheus.yml's."""
    data: dict[str, Any] = {"role": SD_ROLES[sd.role]}
    if sd.namespaces:
        data["namespaces"] = {"names": list(sd.namespaces)}
    selectors = [{**s, "role": SD_ROLES[s["role"]]} for s in sd_selectors(sd)]
    if selectors:
        data["selectors"] = selectors
    return data


def scrape_config(stack: Stack, output: KubernetesOutput, job: ScrapeJob) -> Resource:
    """The ScrapeConfig of a role node or role service job: its discovery, whole relabel chain, path, scheme,
    intervals, limits and Secret-held credentials, so the Operator's Prometheus scrapes what prometheus.yml does."""
    spec: dict[str, Any] = {
        "jobName": job.name,
        "kubernetesSDConfigs": [kubernetes_sd_config(sd) for sd in job.kubernetes_sd_configs],
        **_scrape(stack, job, relabel_chain(job), path="metricsPath", interval="scrapeInterval"),
        **_limits(job),
    }
    return make(output, SCRAPE_CONFIG_API_VERSION, "ScrapeConfig", job.name,
                labels={"app.kubernetes.io/part-of": stack.name}, spec=spec)


def monitor(stack: Stack, output: KubernetesOutput, job: ScrapeJob) -> Resource:
    """The PodMonitor, ServiceMonitor or ScrapeConfig of job (the stack has checked that it has one)."""
    kind = monitor_kind(job)
    assert kind is not None
    if kind == "ScrapeConfig":
        return scrape_config(stack, output, job)
    sd = job.kubernetes_sd_configs[0]
    endpoints = "podMetricsEndpoints" if kind == "PodMonitor" else "endpoints"
    spec: dict[str, Any] = {"selector": selector(sd), "namespaceSelector": namespace_selector(sd),
                            endpoints: [endpoint(stack, job, sd)], **_limits(job)}
    return make(output, API_VERSION, kind, job.name, labels={"app.kubernetes.io/part-of": stack.name}, spec=spec)
