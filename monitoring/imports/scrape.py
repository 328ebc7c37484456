"""prometheus.yml to the stack's global settings and one ScrapeJob per scrape config.

Every field is read as Prometheus reads it (a string field from the scalar's source text: `replacement: 1` is
"1", `regex: true` is "true"); what the model cannot hold is kept as a comment in the module and named in a
warning. A job is never generated to scrape other targets or keep other series than the original: when its
relabelling cannot be mapped, the whole job is kept as a comment instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitoring.errors import DefinitionError, InputFileError
from monitoring.imports import input_shapes
from monitoring.imports.findings import Findings
from monitoring.imports.redact import kept
from monitoring.imports.rules import source_line
from monitoring.imports.source import SourceFile
from monitoring.imports.yaml_input import written, written_items
from monitoring.model.alertmanagers import AlertmanagerEndpoint
from monitoring.model.relabel import RelabelConfig
from monitoring.model.scrape import BasicAuth, FileSDConfig, ScrapeJob, StaticConfig, TLSConfig
from monitoring.units import check_host_port

_JOB_FIELDS = {"job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "honor_labels",
               "static_configs", "file_sd_configs", "basic_auth", "bearer_token_file", "authorization",
               "tls_config", "relabel_configs", "metric_relabel_configs", "sample_limit", "label_limit"}
_RELABEL_FIELDS = {
    "relabel_configs": "without it the job would scrape other targets than the original",
    "metric_relabel_configs": "without it the job would keep other series than the original",
}
_GLOBAL_FIELDS = ("scrape_interval", "scrape_timeout", "evaluation_interval", "external_labels")
# Prometheus' relabel_config fields read as strings (source_labels as a list of them); modulus is a number and
# action is read case-insensitively.
_RELABEL_STRINGS = ("separator", "target_label", "regex", "replacement")
# tls_config fields Prometheus knows and the model lacks (the inline `key` is a secret: refused as one).
_TLS_MAPPED = ("ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify")
_TLS_UNMODELLED = frozenset({"ca", "cert", "min_version", "max_version", "ca_ref", "cert_ref", "key_ref"})
# An Alertmanager entry of prometheus.yml needs nothing of AlertmanagerEndpoint's where each of these is absent or
# has Prometheus' default value: plain HTTP, path /, API v2, a 10s timeout.
_ALERTMANAGER_DEFAULTS: dict[str, Any] = {"scheme": "http", "path_prefix": "/", "api_version": "v2",
                                          "timeout": "10s", "follow_redirects": True, "enable_http2": True}


@dataclass
class ScrapeImport:
    """What prometheus.yml says: global settings for the Stack, the jobs, and what was not imported."""

    source: str
    settings: dict[str, Any] = field(default_factory=dict)
    jobs: list[ScrapeJob] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Unmapped(Exception):
    """A part of a job the model cannot hold in a way that changes what the job scrapes: the job is kept whole."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(why)
        self.where, self.why = where, why


def is_prometheus_config(document: Any) -> bool:
    return isinstance(document, dict) and (
        "scrape_configs" in document or ("global" in document and "route" not in document))


def import_config(source: SourceFile, findings: Findings) -> ScrapeImport:
    config = source.documents[0]
    source.only_first_document(findings, "Prometheus")
    input_shapes.check(source, config, input_shapes.PROMETHEUS_CONFIG)
    result = ScrapeImport(source=source.name)
    glob = config.get("global") or {}
    result.settings = {k: written(glob, k) for k in _GLOBAL_FIELDS if k in glob and glob[k] is not None}
    if isinstance(glob.get("external_labels"), dict):  # label values as written: `region: no` is "no"
        result.settings["external_labels"] = written_items(glob["external_labels"])
    for key in sorted(set(glob) - set(_GLOBAL_FIELDS)):
        _keep(source, findings, result, glob, key, "global")
    if config.get("alerting"):
        _alerting(source, findings, result, config["alerting"])
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


# --- alerting ----------------------------------------------------------------------------------------------------

def _alerting(source: SourceFile, findings: Findings, result: ScrapeImport, alerting: Any) -> None:
    """The Alertmanager entries the model holds: static host:port targets, sent to with Prometheus' defaults (plain
    targets) or with a scheme, path prefix, timeout, credentials from files and TLS (an AlertmanagerEndpoint). Any
    other entry (service discovery, relabelling, inline secrets, settings the model lacks) is kept whole as a
    comment, and so is alert_relabel_configs, each named in a warning."""
    for key in sorted(set(alerting) - {"alertmanagers"}):
        _keep(source, findings, result, alerting, key, "alerting")
    targets: list[str | AlertmanagerEndpoint] = []
    for index, entry in enumerate(alerting.get("alertmanagers") or []):
        where = f"alerting.alertmanagers[{index}]"
        mapped = _alertmanager_entry(entry)
        if not isinstance(mapped, tuple):
            targets += mapped if isinstance(mapped, list) else [mapped]
            continue
        key, why = mapped
        findings.unsupported(source.at(entry, key), f"{where}: {why}",
                             "the whole entry is kept as a comment in the module")
        result.notes.append(f"{where}: {kept(entry)} (not imported: {why})")
    if targets:
        result.settings["alertmanagers"] = tuple(targets)


def _alertmanager_entry(entry: Any) -> list[str] | AlertmanagerEndpoint | tuple[str | None, str]:
    """An Alertmanager entry of prometheus.yml as the model holds it: its host:port targets when it sends with
    Prometheus' defaults, else an AlertmanagerEndpoint; or (the first key, why) the model cannot hold it."""
    fields: dict[str, Any] = {}
    unread = []
    for key in sorted(entry):
        value = written(entry, key)
        if key == "path_prefix" and isinstance(value, str):
            value = "/" + value.strip("/")  # Prometheus joins it to "/": "", "/" and "//" are all the root
        if key == "static_configs" or value in (None, [], {}) or _ALERTMANAGER_DEFAULTS.get(key, object()) == value:
            continue
        try:
            setting = _endpoint_setting(key, value)
        except DefinitionError:  # a part the model refuses (a password_file that is no path): kept as written
            setting = None
        if setting is None:
            unread.append(key)
        else:
            fields.update(setting)
    discovered = [key for key in unread if key.endswith("_sd_configs")]
    if discovered:
        return discovered[0], (f"its Alertmanagers come from {', '.join(discovered)}, which the model lacks (it "
                               "holds static host:port targets only)")
    if unread:
        return unread[0], (f"fields {', '.join(repr(key) for key in unread)}, which the model lacks (it holds static "
                           "host:port targets, with a scheme, a path prefix, a timeout, credentials from files and "
                           "TLS)")
    targets = []
    for static in entry.get("static_configs") or []:
        if static.get("labels"):
            return None, "static_configs labels, which the model lacks"
        for target in written(static, "targets") or []:
            try:
                targets.append(check_host_port(str(target)))
            except ValueError as exc:
                return None, f"target {exc} (the model holds host:port Alertmanagers only)"
    if not fields or not targets:
        return targets
    try:
        return AlertmanagerEndpoint(targets=tuple(targets), **fields)
    except DefinitionError as exc:  # settings that do not stand together (a path prefix with a space, say)
        key = (exc.field or "").split(".")[0].split("[")[0]
        return key if key in entry else None, f"{exc.problem}, which the model cannot hold"


def _endpoint_setting(key: str, value: Any) -> dict[str, Any] | None:
    """An Alertmanager entry's setting as AlertmanagerEndpoint's fields; None when the model cannot hold it as it is
    (an inline secret among them: it would end up in the Python source); DefinitionError when the model refuses a
    value."""
    if key in ("scheme", "path_prefix", "timeout") and isinstance(value, str):
        return {key: value}
    if key == "basic_auth" and (auth := _held_basic_auth(value)) is not None:
        return {"basic_auth": auth}
    if key == "authorization" and _sent_as_bearer(value) and written(value, "credentials_file"):
        return {"bearer_token_file": str(written(value, "credentials_file"))}
    if key == "tls_config" and isinstance(value, dict) and set(value) <= set(_TLS_MAPPED):
        return {"tls_config": TLSConfig(**_tls_fields(value))}
    return None


# --- scrape jobs -------------------------------------------------------------------------------------------------

def _job(source: SourceFile, job: Any, findings: Findings, result: ScrapeImport) -> ScrapeJob | None:
    """The job as a ScrapeJob; None when the model cannot hold what decides which targets it scrapes (targets
    only from a discovery the model lacks, relabelling it cannot map): then the whole job is kept as a comment,
    named in a finding. A job without those parts would scrape nothing, or other targets than the original."""
    if not isinstance(job, dict) or not job.get("job_name"):
        raise source.error(source_line(job), "a scrape config needs a job_name")
    name = str(written(job, "job_name"))
    _secrets(source, job, name)
    try:
        return _mapped_job(source, job, name, findings, result)
    except InputFileError:
        raise  # names its own line
    except DefinitionError as exc:
        raise source.error(source_line(job), str(exc)) from None


def _mapped_job(source: SourceFile, job: Any, name: str, findings: Findings, result: ScrapeImport) -> ScrapeJob | None:
    try:
        statics = _static_configs(job)
        if not (statics or job.get("file_sd_configs")):
            found = sorted(key for key in job if key.endswith("_sd_configs") and job[key])
            why = (f"its targets come from {', '.join(found)}, which the model holds only as KubernetesSDConfig "
                   "(a label selector and a port name)" if found else "it has no targets")
            raise _Unmapped(source.at(job, found[0] if found else None), why)
        chains = {key: _relabel_chain(source, job, name, key) for key in _RELABEL_FIELDS if job.get(key)}
    except _Unmapped as unmapped:
        findings.unsupported(unmapped.where, f"scrape job {name!r}: {unmapped.why}",
                             "the whole job is kept as a comment in the module")
        result.notes.append(f"scrape job {name!r}: {kept(job)} (not imported: {unmapped.why})")
        return None
    for key in sorted(set(job) - _JOB_FIELDS):
        _keep(source, findings, result, job, key, f"scrape job {name!r}")
    fields = _fields(job)
    fields["static_configs"] = statics
    fields.update(chains)
    fields.update(_tls(source, findings, result, job, name))
    fields.update(_basic_auth(source, findings, result, job, name))
    bearer = _bearer_file(source, findings, result, job, name)
    if bearer:
        fields["bearer_token_file"] = bearer
    return ScrapeJob(name=name, **fields)


def _string(mapping: Any, key: str) -> Any:
    """A string field as Prometheus reads it: the scalar's source text; null is Go's empty string."""
    value = written(mapping, key)
    return "" if value is None else value


def _fields(job: Any) -> dict[str, Any]:
    data: dict[str, Any] = {k: written(job, k) for k in ("scrape_interval", "scrape_timeout", "metrics_path",
                                                         "scheme", "bearer_token_file") if job.get(k) is not None}
    data.update({k: job[k] for k in ("honor_labels",) if job.get(k) is not None})
    # 0 is Prometheus' "no limit", which the model says by leaving the limit out.
    data.update({k: job[k] for k in ("sample_limit", "label_limit") if job.get(k)})
    data["file_sd_configs"] = tuple(
        FileSDConfig(files=tuple(str(f) for f in written(sd, "files") or ()),
                     **({"refresh_interval": written(sd, "refresh_interval")} if sd.get("refresh_interval") else {}),
                     **{k: sd[k] for k in sd if k not in ("files", "refresh_interval")})
        for sd in job.get("file_sd_configs") or [])
    return data


def _static_configs(job: Any) -> tuple[StaticConfig, ...]:
    """The job's static target groups; one without targets adds none (Prometheus accepts it), so it is left out."""
    return tuple(StaticConfig(targets=tuple(str(t) for t in written(sc, "targets")),
                              labels=written_items(sc.get("labels") or {}))
                 for sc in job.get("static_configs") or [] if written(sc, "targets"))


def _relabel_chain(source: SourceFile, job: Any, name: str, key: str) -> tuple[RelabelConfig, ...]:
    """The steps of relabel_configs or metric_relabel_configs, or _Unmapped naming the first the model cannot
    hold: a chain with a step left out would select other targets or series."""
    if not isinstance(job[key], list):  # (Prometheus refuses these shapes as well)
        raise source.error(source_line(job, key), f"scrape job {name!r}: {key} is not a list of relabel configs")
    steps = []
    for index, step in enumerate(job[key]):
        where = f"{key}[{index}]"
        if not isinstance(step, dict):
            raise source.error(source_line(job, key), f"scrape job {name!r}: {where} is not a relabel config")
        try:
            steps.append(RelabelConfig(**_relabel_fields(step)))
        except (DefinitionError, TypeError, ValueError) as exc:
            problem = exc.problem if isinstance(exc, DefinitionError) else str(exc)
            raise _Unmapped(source.at(step), f"{where}: {problem}; {_RELABEL_FIELDS[key]}") from None
    return tuple(steps)


def _relabel_fields(step: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in step:
        if key in _RELABEL_STRINGS:
            data[key] = _string(step, key)
        elif key == "source_labels":
            labels = written(step, key) or []
            if not isinstance(labels, list):
                raise ValueError(f"source_labels {labels!r} is not a list of label names")
            data[key] = tuple("" if label is None else str(label) for label in labels)
        elif key == "action":  # Prometheus lower-cases it: `Keep` is keep
            action = written(step, key)
            data[key] = action.lower() if isinstance(action, str) else action
        elif step[key] is not None:  # modulus; any other key the model refuses by name
            data[key] = step[key]
    return data


def _tls(source: SourceFile, findings: Findings, result: ScrapeImport, job: Any, name: str) -> dict[str, Any]:
    """tls_config on the model's TLSConfig; the fields Prometheus knows and the model lacks (min_version, inline
    certificates) are kept as a comment, named in a warning. A field Prometheus does not know is the model's
    error."""
    tls = job.get("tls_config")
    if not tls:
        return {}
    where = f"scrape job {name!r}: tls_config"
    unmodelled = sorted(key for key in tls if key in _TLS_UNMODELLED and tls[key] is not None)
    data = _tls_fields(tls)
    for key in unmodelled:
        _keep(source, findings, result, tls, key, where)
    if unmodelled:
        try:
            return {"tls_config": TLSConfig(**data)} if data else {}
        except DefinitionError:  # what is left does not stand alone (key_file beside an inline cert)
            for key in sorted(data):
                _keep(source, findings, result, tls, key, where)
            return {}
    return {"tls_config": TLSConfig(**data)}


def _basic_auth(source: SourceFile, findings: Findings, result: ScrapeImport, job: Any,
                name: str) -> dict[str, Any]:
    """basic_auth as the model's BasicAuth (a username and a password_file). Another form Prometheus takes (no
    password, username_file) is kept as a comment, named in a warning: the scrape then goes without it."""
    auth = job.get("basic_auth")
    if not auth:
        return {}
    if (held := _held_basic_auth(auth)) is not None:
        return {"basic_auth": held}
    _keep(source, findings, result, job, "basic_auth",
          f"scrape job {name!r} (the model's basic_auth is a username and a password_file)")
    return {}


def _bearer_file(source: SourceFile, findings: Findings, result: ScrapeImport, job: Any, name: str) -> str | None:
    """authorization's credentials_file when Prometheus sends it as a bearer token (type unset or "Bearer"),
    which is what bearer_token_file sends. Another type (Basic, a custom scheme) the model cannot hold: sent
    as a bearer token it would change the request, so it is kept as a comment, named in a warning."""
    authorization = job.get("authorization")
    if not authorization:
        return None
    if not _sent_as_bearer(authorization):
        _keep(source, findings, result, job, "authorization",
              f"scrape job {name!r} (the model sends a bearer token or basic auth only)")
        return None
    return written(authorization, "credentials_file")


def _tls_fields(tls: Any) -> dict[str, Any]:
    """tls_config's fields as the model's TLSConfig takes them; those the model lacks left out."""
    return {key: tls[key] if key == "insecure_skip_verify" else written(tls, key)
            for key in tls if key not in _TLS_UNMODELLED and tls[key] is not None}


def _held_basic_auth(auth: Any) -> BasicAuth | None:
    """basic_auth as the model's BasicAuth (a username and a password_file); None for another form Prometheus takes
    (no password, username_file)."""
    if isinstance(auth, dict) and set(auth) <= {"username", "password_file"} and _string(auth, "username") \
            and _string(auth, "password_file"):
        return BasicAuth(username=str(_string(auth, "username")), password_file=_string(auth, "password_file"))
    return None


def _sent_as_bearer(authorization: Any) -> bool:
    """Whether Prometheus sends authorization as a bearer token (type unset or "Bearer", from credentials_file),
    which is what the model's bearer_token_file sends."""
    return isinstance(authorization, dict) and not set(authorization) - {"type", "credentials_file"} \
        and (written(authorization, "type") or "Bearer") == "Bearer"


def _secrets(source: SourceFile, job: Any, name: str) -> None:
    """Inline credentials stop the import: they would end up in the Python source."""
    checks = [(job, "bearer_token", "bearer_token_file"), (job.get("basic_auth"), "password", "password_file"),
              (job.get("authorization"), "credentials", "credentials_file")]
    for mapping, key, instead in checks:
        if isinstance(mapping, dict) and mapping.get(key):
            raise source.error(source_line(mapping, key), f"scrape job {name!r}: {key} is a secret written inline: "
                                                          f"put it in a file and use {instead}")
    tls = job.get("tls_config")
    if isinstance(tls, dict) and tls.get("key"):  # a private key; cert and ca are public, kept as a comment
        raise source.error(source_line(tls, "key"), f"scrape job {name!r}: tls_config key is a private key written "
                                                    "inline: put it in a file and use key_file")
