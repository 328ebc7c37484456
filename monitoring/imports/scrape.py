"""prometheus.yml to the stack's global settings and one ScrapeJob per scrape config."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitoring.errors import DefinitionError
from monitoring.imports import input_shapes
from monitoring.imports.findings import Findings
from monitoring.imports.redact import kept
from monitoring.imports.rules import source_line
from monitoring.imports.source import SourceFile
from monitoring.imports.yaml_input import written, written_items
from monitoring.model.relabel import RelabelConfig
from monitoring.model.scrape import BasicAuth, FileSDConfig, ScrapeJob, StaticConfig, TLSConfig

_JOB_FIELDS = {"job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "honor_labels",
               "static_configs", "file_sd_configs", "basic_auth", "bearer_token_file", "authorization",
               "tls_config", "relabel_configs", "metric_relabel_configs", "sample_limit", "label_limit"}
_RELABEL_FIELDS = ("relabel_configs", "metric_relabel_configs")
_GLOBAL_FIELDS = ("scrape_interval", "scrape_timeout", "evaluation_interval", "external_labels")


@dataclass
class ScrapeImport:
    """What prometheus.yml says: global settings for the Stack, the jobs, and what was not imported."""

    source: str
    settings: dict[str, Any] = field(default_factory=dict)
    jobs: list[ScrapeJob] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_prometheus_config(document: Any) -> bool:
    return isinstance(document, dict) and (
        "scrape_configs" in document or ("global" in document and "route" not in document))


def import_config(source: SourceFile, findings: Findings) -> ScrapeImport:
    config = source.documents[0]
    source.only_first_document(findings, "Prometheus")
    input_shapes.check(source, config, input_shapes.PROMETHEUS_CONFIG)
    result = ScrapeImport(source=source.name)
    glob = config.get("global") or {}
    result.settings = {k: glob[k] for k in _GLOBAL_FIELDS if k in glob}
    if isinstance(glob.get("external_labels"), dict):  # label values as written: `region: no` is "no"
        result.settings["external_labels"] = written_items(glob["external_labels"])
    for key in sorted(set(glob) - set(_GLOBAL_FIELDS)):
        _keep(source, findings, result, glob, key, "global")
    targets = [t for am in (config.get("alerting") or {}).get("alertmanagers") or []
               for sc in am.get("static_configs") or [] for t in sc.get("targets") or []]
    if targets:
        result.settings["alertmanagers"] = tuple(targets)
    for key in sorted(set(config) - {"global", "scrape_configs", "alerting", "rule_files"}):
        _keep(source, findings, result, config, key, "prometheus.yml")
    for job in config.get("scrape_configs") or []:
        imported = _job(source, job, findings, result)
        if imported is not None:
            result.jobs.append(imported)
    return result


def _keep(source: SourceFile, findings: Findings, result: ScrapeImport, mapping: Any, key: str, where: str) -> None:
    findings.unsupported(source.at(mapping, key), f"{where}: field {key!r}", "kept as a comment in the module")
    result.notes.append(f"{where}: {key}: {kept(mapping[key], key)} (not imported)")


def _job(source: SourceFile, job: Any, findings: Findings, result: ScrapeImport) -> ScrapeJob | None:
    """The job as a ScrapeJob; None when its targets come only from what the model cannot hold (then the whole
    job is kept as a comment, named in a finding): a job without them would scrape nothing."""
    if not isinstance(job, dict) or not job.get("job_name"):
        raise source.error(source_line(job), "a scrape config needs a job_name")
    name = str(written(job, "job_name"))
    _secrets(source, job, name)
    if not (job.get("static_configs") or job.get("file_sd_configs")):
        found = sorted(key for key in job if key.endswith("_sd_configs") and job[key])
        why = (f"its targets come from {', '.join(found)}, which the model holds only as KubernetesSDConfig "
               "(a label selector and a port name)" if found else "it has no targets")
        findings.unsupported(source.at(job, found[0] if found else None),
                             f"scrape job {name!r}: {why}", "the whole job is kept as a comment in the module")
        result.notes.append(f"scrape job {name!r}: {kept(job)} (not imported: {why})")
        return None
    for key in sorted(set(job) - _JOB_FIELDS):
        _keep(source, findings, result, job, key, f"scrape job {name!r}")
    try:
        fields = _fields(job)
        bearer = _bearer_file(source, findings, result, job, name)
        if bearer:
            fields["bearer_token_file"] = bearer
        for key in _RELABEL_FIELDS:
            if key in job:
                try:
                    fields[key] = tuple(RelabelConfig(**step) for step in job[key] or ())
                except (DefinitionError, TypeError):  # a step the model cannot hold: the list stays as written
                    _keep(source, findings, result, job, key, f"scrape job {name!r}")
        return ScrapeJob(name=name, **fields)
    except DefinitionError as exc:
        raise source.error(source_line(job), str(exc)) from None


def _fields(job: Any) -> dict[str, Any]:
    data: dict[str, Any] = {k: job[k] for k in ("scrape_interval", "scrape_timeout", "metrics_path", "scheme",
                                                 "honor_labels", "bearer_token_file", "sample_limit", "label_limit")
                            if k in job}
    data["static_configs"] = tuple(StaticConfig(targets=tuple(sc.get("targets") or ()),
                                                labels=written_items(sc.get("labels") or {}))
                                   for sc in job.get("static_configs") or [])
    data["file_sd_configs"] = tuple(FileSDConfig(**sd) for sd in job.get("file_sd_configs") or [])
    auth = job.get("basic_auth")
    if auth:
        data["basic_auth"] = BasicAuth(username=auth.get("username", ""), password_file=auth.get("password_file", ""))
    if job.get("tls_config"):
        data["tls_config"] = TLSConfig(**job["tls_config"])
    return data


def _bearer_file(source: SourceFile, findings: Findings, result: ScrapeImport, job: Any, name: str) -> str | None:
    """authorization's credentials_file when Prometheus sends it as a bearer token (type unset or "Bearer"),
    which is what bearer_token_file sends. Another type (Basic, a custom scheme) the model cannot hold: sent
    as a bearer token it would change the request, so it is kept as a comment, named in a warning."""
    authorization = job.get("authorization")
    if not authorization:
        return None
    if authorization.get("type", "Bearer") != "Bearer" or set(authorization) - {"type", "credentials_file"}:
        _keep(source, findings, result, job, "authorization",
              f"scrape job {name!r} (the model sends a bearer token or basic auth only)")
        return None
    return authorization.get("credentials_file")


def _secrets(source: SourceFile, job: Any, name: str) -> None:
    """Inline credentials stop the import: they would end up in the Python source."""
    checks = [(job, "bearer_token", "bearer_token_file"), (job.get("basic_auth"), "password", "password_file"),
              (job.get("authorization"), "credentials", "credentials_file")]
    for mapping, key, instead in checks:
        if isinstance(mapping, dict) and mapping.get(key):
            raise source.error(source_line(mapping, key), f"scrape job {name!r}: {key} is a secret written inline: "
                                                          f"put it in a file and use {instead}")
