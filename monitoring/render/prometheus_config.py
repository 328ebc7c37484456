"""prometheus.yml from the stack."""

from __future__ import annotations

from typing import Any

from monitoring import conventions
from monitoring.model import target_selection
from monitoring.model.alertmanagers import AlertmanagerEndpoint
from monitoring.model.scrape import BasicAuth, KubernetesSDConfig, ScrapeJob, TLSConfig
from monitoring.model.stack import Stack
from monitoring.render import blackbox


def _kubernetes_sd(sd: KubernetesSDConfig) -> dict[str, Any]:
    config: dict[str, Any] = {"role": sd.role}
    if sd.namespaces:
        config["namespaces"] = {"names": list(sd.namespaces)}
    selectors = target_selection.sd_selectors(sd)
    if selectors:
        config["selectors"] = selectors
    return config


def _client_auth(basic_auth: BasicAuth | None, bearer_token_file: str | None,
                 tls_config: TLSConfig | None) -> dict[str, Any]:
    """How Prometheus authenticates to a target or an Alertmanager, with secrets read from files."""
    config: dict[str, Any] = {}
    if basic_auth:
        config["basic_auth"] = {"username": basic_auth.username, "password_file": basic_auth.password_file}
    if bearer_token_file:
        config["authorization"] = {"type": "Bearer", "credentials_file": bearer_token_file}
    if tls_config:
        config["tls_config"] = tls_config.model_dump(exclude_defaults=True,
                                                     exclude={"ca_secret", "cert_secret", "key_secret"})
    return config


def alertmanagers(stack: Stack) -> list[dict[str, Any]]:
    """The alerting section's entries: the plain host:port targets in one (over HTTP, at the root path), then one
    per AlertmanagerEndpoint."""
    plain = [target for target in stack.alertmanagers if isinstance(target, str)]
    entries = [{"static_configs": [{"targets": plain}]}] if plain else []
    for endpoint in stack.alertmanagers:
        if isinstance(endpoint, AlertmanagerEndpoint):
            entry: dict[str, Any] = {"scheme": endpoint.scheme}
            if endpoint.path_prefix != "/":
                entry["path_prefix"] = endpoint.path_prefix
            if endpoint.timeout:
                entry["timeout"] = endpoint.timeout
            entry.update(_client_auth(endpoint.basic_auth, endpoint.bearer_token_file, endpoint.tls_config))
            entries.append({**entry, "static_configs": [{"targets": list(endpoint.targets)}]})
    return entries


def scrape_config(job: ScrapeJob) -> dict[str, Any]:
    config: dict[str, Any] = {"job_name": job.name}
    if job.scrape_interval:
        config["scrape_interval"] = job.scrape_interval
    if job.scrape_timeout:
        config["scrape_timeout"] = job.scrape_timeout
    config["metrics_path"] = job.metrics_path
    config["scheme"] = job.scheme
    if job.honor_labels:
        config["honor_labels"] = True
    config.update(_client_auth(job.basic_auth, job.bearer_token_file, job.tls_config))
    if job.static_configs:
        config["static_configs"] = [
            {"targets": list(sc.targets), **({"labels": dict(sc.labels)} if sc.labels else {})}
            for sc in job.static_configs
        ]
    if job.file_sd_configs:
        config["file_sd_configs"] = [
            {"files": list(sd.files), "refresh_interval": sd.refresh_interval} for sd in job.file_sd_configs
        ]
    if job.kubernetes_sd_configs:
        config["kubernetes_sd_configs"] = [_kubernetes_sd(sd) for sd in job.kubernetes_sd_configs]
    chain = target_selection.relabel_chain(job)
    if chain:
        config["relabel_configs"] = [step.prometheus() for step in chain]
    if job.metric_relabel_configs:
        config["metric_relabel_configs"] = [step.prometheus() for step in job.metric_relabel_configs]
    if job.sample_limit:
        config["sample_limit"] = job.sample_limit
    if job.label_limit:
        config["label_limit"] = job.label_limit
    return config


def render(stack: Stack) -> dict[str, Any]:
    global_config: dict[str, Any] = {
        "scrape_interval": stack.scrape_interval,
        "scrape_timeout": stack.scrape_timeout,
        "evaluation_interval": stack.evaluation_interval,
    }
    if stack.external_labels:
        global_config["external_labels"] = dict(stack.external_labels)
    config: dict[str, Any] = {"global": global_config}
    if stack.alertmanagers:
        config["alerting"] = {"alertmanagers": alertmanagers(stack)}
    if any(service.rule_groups for service in stack.services) or stack.slos:
        # Only when a rule file is written: Prometheus accepts a pattern that matches nothing, but such a pattern
        # hides a mistake, so `validate` refuses it.
        rules_dir = conventions.RULES_DIR.removeprefix("prometheus/")
        config["rule_files"] = [f"{rules_dir}/*.rules.yml"]
    config["scrape_configs"] = [scrape_config(job) for service in stack.services for job in service.scrape_jobs]
    config["scrape_configs"] += [blackbox.scrape_config(probe) for probe in blackbox.probes(stack)]
    return config
