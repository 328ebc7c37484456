"""Where Grafana is and how to reach it: from the environment and the command line. Secrets never leave here
except in the request headers."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from monitoring.errors import ConfigError
from monitoring.grafana.publish.secrets import check_credential
from monitoring.units import safe_url, split_base_url


@dataclass(frozen=True)
class GrafanaConfig:
    url: str
    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_cert: Path | None = None
    insecure: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str], url: str | None = None, ca_cert: str | None = None,
                 insecure: bool = False) -> GrafanaConfig:
        """GRAFANA_URL (or `url`), then GRAFANA_TOKEN, or GRAFANA_USER with GRAFANA_PASSWORD. TypeError when env is
        not a mapping (a library caller's mistake, as a wrong argument type is)."""
        if not isinstance(env, Mapping):
            raise TypeError(f"publish() env must be a mapping of environment variable names to values, like "
                            f"os.environ or {{'GRAFANA_TOKEN': ...}}, not {type(env).__name__}")
        base = (url or env.get("GRAFANA_URL") or "").strip().rstrip("/")
        if not base:
            raise ConfigError("no Grafana URL: set GRAFANA_URL or pass --grafana-url")
        try:
            parts = split_base_url(base)
        except ValueError as exc:
            raise ConfigError(f"the Grafana URL {exc}") from None
        if parts.username or parts.password:
            # Never echo this URL: it carries credentials.
            raise ConfigError("the Grafana URL must not contain credentials: "
                              "use GRAFANA_TOKEN, or GRAFANA_USER and GRAFANA_PASSWORD")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # safe_url: a query or a fragment may carry a token (https://grafana/?auth_token=...).
            raise ConfigError(f"Grafana URL {safe_url(base)!r} must look like https://grafana.example.com")
        if "?" in base or "#" in base:
            # The API's paths are appended to the base URL: a query or a fragment would swallow them.
            raise ConfigError(f"the Grafana URL {safe_url(base)!r} must not have a query string or a fragment "
                              f"(`?...` or `#...`, not shown): give Grafana's base URL, e.g. "
                              f"https://grafana.example.com")
        try:
            token = check_credential("GRAFANA_TOKEN", env.get("GRAFANA_TOKEN") or None)
            user = check_credential("GRAFANA_USER", env.get("GRAFANA_USER") or None)
            password = check_credential("GRAFANA_PASSWORD", env.get("GRAFANA_PASSWORD") or None)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if not token and not (user and password):
            raise ConfigError("no Grafana credentials: set GRAFANA_TOKEN (a service-account token), "
                              "or GRAFANA_USER and GRAFANA_PASSWORD")
        if insecure and ca_cert:
            raise ConfigError("--insecure and --ca-cert exclude each other: --ca-cert keeps verification on")
        ca_path = Path(ca_cert) if ca_cert else None
        if ca_path is not None and not ca_path.is_file():
            raise ConfigError(f"--ca-cert {ca_cert!r}: no such file")
        return cls(url=base, token=token, user=None if token else user, password=None if token else password,
                   ca_cert=ca_path, insecure=insecure)

    @property
    def plain_http_to_remote(self) -> bool:
        """Credentials would cross the network unencrypted."""
        parts = urlsplit(self.url)
        if parts.scheme != "http":
            return False
        host = parts.hostname or ""
        try:
            return not ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host != "localhost"
