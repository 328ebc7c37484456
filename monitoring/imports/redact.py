"""Input that is kept as a note in a generated module, with its secrets taken out.

What the model cannot hold is kept as a comment or a docstring note, and such a note is written into files that
are committed: Prometheus' and Alertmanager's secret fields, URL userinfo and token query parameters must never
reach it. `*_file` fields hold paths, not secrets, and are kept.

    kept({"basic_auth": {"username": "u", "password": "pw"}})
    # "{'basic_auth': {'username': 'u', 'password': '<secret>'}}"
"""

from __future__ import annotations

import re
from typing import Any

from monitoring.units import strip_userinfo

SECRET = "<secret>"
# Prometheus' and Alertmanager's fields of type secret (and header names that carry one), by exact name, after
# lower-casing and with '-' read as '_' (an HTTP header such as X-Api-Key).
SECRET_FIELDS = frozenset({
    "password", "credentials", "key", "routing_key", "service_key", "user_key", "api_url", "slack_api_url",
    "authorization", "proxy_authorization", "cookie", "consumer_key", "bearer_token", "bot_token", "token",
    "url_secret", "webhook_url", "auth_password", "smtp_auth_password", "api_key", "opsgenie_api_key",
    "victorops_api_key",
})
# The same by part of the name: every client_secret, *_token, *_password, *_api_key and *webhook_url.
_SECRET_PARTS = re.compile(r"secret|token|password|passwd|api_?key|webhook_url|private_key|passphrase")
# Fields whose every value is a secret: Prometheus' proxy_connect_header maps header names to secret values.
_SECRET_TREES = frozenset({"proxy_connect_header"})
# Fields that name a secret without holding one: paths to files, Kubernetes secret references, the OAuth2
# token endpoint.
_NOT_SECRETS = re.compile(r"_file$|_files$|_ref$|^token_url$")
_SECRET_QUERY = re.compile(r"(?i)([?&][^=&#\s]*(?:secret|token|key|password|auth|signature|sig)[^=&#\s]*=)"
                           r"[^&#\s]*")


def is_secret_field(key: object) -> bool:
    """True for the name of a field (or HTTP header) whose value is a secret."""
    name = str(key).lower().replace("-", "_")
    if _NOT_SECRETS.search(name):
        return False
    return name in SECRET_FIELDS or bool(_SECRET_PARTS.search(name))


def redact_text(text: str) -> str:
    """text with the userinfo and the token query parameters of every URL in it replaced by <secret>."""
    return _SECRET_QUERY.sub(rf"\1{SECRET}", strip_userinfo(text, SECRET))


def redact(value: Any, key: object = None) -> Any:
    """A copy of value (parsed YAML: mappings, lists, scalars) with the values of secret fields replaced."""
    if key is not None and str(key).lower() in _SECRET_TREES:
        return _all_secret(value)
    if key is not None and is_secret_field(key) and not isinstance(value, dict):
        return _all_secret(value)
    if isinstance(value, dict):
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def kept(value: Any, key: object = None) -> str:
    """value (of the field key) as a note shows it: repr of its redacted copy."""
    return repr(redact(value, key))


def _all_secret(value: Any) -> Any:
    """Every scalar of value as <secret>, the shape kept: a note still says which headers or keys were set."""
    if isinstance(value, dict):
        return {k: _all_secret(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_all_secret(item) for item in value]
    return value if value is None or isinstance(value, bool) else SECRET
