"""Where Prometheus sends its alerts, when plain host:port targets over HTTP are not enough."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from monitoring.model.base import SecretsFromFiles, model_check
from monitoring.model.common import HostPort, PositiveDuration, SecretFile
from monitoring.model.scrape import BasicAuth, TLSConfig
from monitoring.units import unsafe_character


class AlertmanagerEndpoint(SecretsFromFiles):
    """Alertmanagers reached with settings of their own: HTTPS, a path prefix, a timeout, basic auth or a bearer
    token, TLS. Use it in `Stack(alertmanagers=...)` beside plain "host:port" targets, which Prometheus reaches
    over HTTP at the root path. Each becomes one entry of prometheus.yml's `alerting.alertmanagers`; secrets come
    from files, as for scrape jobs.

        AlertmanagerEndpoint(targets=("alertmanager-0.internal:9093", "alertmanager-1.internal:9093"),
                             scheme="https", path_prefix="/alertmanager",
                             basic_auth=BasicAuth(username="prometheus", password_file="/etc/prometheus/am-pw"),
                             tls_config=TLSConfig(ca_file="/etc/prometheus/am-ca.pem"))
    """

    inline_secrets: ClassVar[dict[str, str]] = {
        "password": "basic_auth=BasicAuth(username=..., password_file=...)",
        "bearer_token": "bearer_token_file",
    }
    kind: ClassVar[str] = "alertmanager endpoint"
    targets: tuple[HostPort, ...] = Field(min_length=1)
    scheme: Literal["http", "https"] = "http"
    # Where the Alertmanager serves its API below the host (behind a proxy that serves it at /alertmanager, say).
    path_prefix: str = "/"
    # How long Prometheus waits for each push of alerts (its default: 10s).
    timeout: PositiveDuration | None = None
    basic_auth: BasicAuth | None = None
    bearer_token_file: SecretFile | None = None
    tls_config: TLSConfig | None = None

    @model_check
    def _consistent(self) -> AlertmanagerEndpoint:
        if not self.path_prefix.startswith("/") or unsafe_character(self.path_prefix) or "?" in self.path_prefix \
                or "#" in self.path_prefix:
            raise self.field_problem("path_prefix", f"path_prefix {self.path_prefix!r} must be a URL path starting "
                                     "with '/', without spaces, control characters, '?' or '#'")
        if self.basic_auth and self.bearer_token_file:
            raise self.field_problem("bearer_token_file", "basic_auth and bearer_token_file are mutually exclusive")
        # The *_secret fields are the Operator's copies for monitors; alerting is written to prometheus.yml only.
        operator_copies = [f"basic_auth.{name}" for name in ("username_secret", "password_secret")
                           if self.basic_auth is not None and getattr(self.basic_auth, name) is not None]
        operator_copies += [f"tls_config.{name}_secret" for name in ("ca", "cert", "key")
                            if self.tls_config is not None and getattr(self.tls_config, f"{name}_secret") is not None]
        if operator_copies:
            raise self.field_problem(operator_copies[0], f"{operator_copies[0]} is the Operator's copy of a file for "
                                     "monitors; an Alertmanager endpoint is written to prometheus.yml only: "
                                     "leave it out")
        return self
