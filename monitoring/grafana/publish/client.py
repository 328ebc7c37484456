"""A small Grafana HTTP API client over an injected requests.Session.

Retries live in the session (urllib3's Retry on the mounted adapter): exponential backoff with jitter on
connection errors, timeouts, 429 and 5xx, honouring Retry-After, bounded in count and in sleep. Writes are
retried too: every write this tool makes is conditional (a uid that must not exist yet, a version that must
still be current, a folder uid that answers 409), so a repeated write can never apply twice; the caller
reconciles the 412/409/404 that a repeat may meet by reading the live state again.

A connection that cannot be made at all is retried fewer times (`connect_retries`), and once one has failed so,
every later request fails at once with the same UnreachableError: a Grafana that is down, or a wrong address,
is reported within seconds and once, not after each item's own retries.

Every error is a GrafanaError with a one-line message that names the item, and never the credentials.
"""

from __future__ import annotations

import base64
import re
import ssl
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError, ProxyError, SSLError
from urllib3.util.retry import Retry

from monitoring.errors import AuthError, GrafanaError, UnreachableError
from monitoring.grafana.publish.config import ConfigError, GrafanaConfig
from monitoring.grafana.publish.secrets import Redactor

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SEARCH_PAGE = 5000  # Grafana's largest page


@dataclass(frozen=True)
class ClientSettings:
    """Timeouts and retry policy. Tests inject short ones."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 6
    # Of those, for a connection that cannot be made (refused, unknown host, connect timeout): a few seconds'
    # worth, so that a wrong address or a Grafana that is down is reported quickly.
    connect_retries: int = 3
    backoff_factor: float = 0.5  # sleeps 0, 1, 2, 4 ... seconds between attempts
    backoff_max: float = 30.0
    backoff_jitter: float = 0.5  # plus up to this many seconds, so parallel clients do not retry in step
    retry_after_max: float = 60.0  # the longest Retry-After we wait for
    pool_size: int = 16

    @property
    def connection_retries(self) -> int:
        """How many times a connection that cannot be made is tried again: connect_retries, within retries."""
        return min(self.connect_retries, self.retries)


class RetryStats:
    """How many retries each cause triggered, across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.causes: Counter[str] = Counter()

    def record(self, cause: str) -> None:
        with self._lock:
            self.causes[cause] += 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.causes.values())


class GrafanaRetry(Retry):
    """urllib3's Retry with a fractional cap on Retry-After, and a count of what was retried."""

    def __init__(self, *args: Any, retry_after_cap: float = 60.0, stats: RetryStats | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_cap = retry_after_cap
        self.stats = stats

    def new(self, **kw: Any) -> GrafanaRetry:
        kw.setdefault("retry_after_cap", self.retry_after_cap)
        kw.setdefault("stats", self.stats)
        return super().new(**kw)

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), self.retry_after_cap)

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> Retry:
        if isinstance(error, SSLError | ssl.SSLError):
            # A certificate that fails now fails on every retry: give up at once, without repeating it.
            raise MaxRetryError(_pool, url, error) from error  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)  # raises when exhausted
        if self.stats is not None:
            self.stats.record(str(response.status) if response is not None else type(error).__name__)
        return retry


def retry_policy(settings: ClientSettings, stats: RetryStats | None = None) -> GrafanaRetry:
    return GrafanaRetry(
        total=settings.retries,
        connect=settings.connection_retries,
        allowed_methods=None,  # every method: see the module docstring for why writes are safe to repeat
        status_forcelist=RETRY_STATUSES,
        backoff_factor=settings.backoff_factor,
        backoff_max=settings.backoff_max,
        backoff_jitter=settings.backoff_jitter,
        respect_retry_after_header=True,
        raise_on_status=False,  # hand back the last 5xx so that the error names it
        retry_after_cap=settings.retry_after_max,
        stats=stats,
    )


class _Adapter(HTTPAdapter):
    """An adapter that verifies TLS with a given context: the system's CAs plus --ca-cert."""

    def __init__(self, ssl_context: ssl.SSLContext | None, **kwargs: Any) -> None:
        self._ssl_context = ssl_context
        super().__init__(**kwargs)

    def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None) -> Any:
        host, pool = super().build_connection_pool_key_attributes(request, verify, cert)
        if self._ssl_context is not None and verify is not False:
            pool["ssl_context"] = self._ssl_context
        return host, pool


def build_session(config: GrafanaConfig, settings: ClientSettings | None = None,
                  stats: RetryStats | None = None) -> requests.Session:
    """A session that authenticates, verifies TLS as configured and retries as `settings` says."""
    settings = settings or ClientSettings()
    context = None
    if config.ca_cert is not None:
        context = ssl.create_default_context()
        try:
            context.load_verify_locations(cafile=str(config.ca_cert))
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(f"--ca-cert {str(config.ca_cert)!r}: not a readable PEM certificate ({exc})") from None
    adapter = _Adapter(context, max_retries=retry_policy(settings, stats), pool_connections=2,
                       pool_maxsize=settings.pool_size)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.verify = not config.insecure
    session.headers.update({"Accept": "application/json", "User-Agent": "monitoring-publish"})
    # Set as session.auth, so that requests never swaps in credentials from ~/.netrc.
    if config.token:
        session.auth = BearerAuth(config.token)
    elif config.user and config.password:
        session.auth = (config.user, config.password)
    return session


class BearerAuth(requests.auth.AuthBase):
    """A service-account token, sent as `Authorization: Bearer <token>` with every request."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(***)"


# Errors after which no other request can succeed: publishing stops at the first.
STOPPING = (AuthError, UnreachableError)


def secrets_of(session: requests.Session) -> list[str]:
    """Every form in which the session's credentials could show up in a message."""
    found = []
    header = session.headers.get("Authorization")
    if isinstance(header, str) and header:
        found += [header, header.partition(" ")[2]]
    if isinstance(session.auth, BearerAuth):
        found += [f"Bearer {session.auth.token}", session.auth.token]
    if isinstance(session.auth, tuple) and len(session.auth) == 2:
        user, password = session.auth
        encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
        found += [str(password), encoded, f"Basic {encoded}"]
    return sorted((s for s in found if len(s) >= 4), key=len, reverse=True)


_NEEDED = re.compile(r"Permissions needed: ([\w.:*-]+(?:,\s*[\w.:*-]+)*)")
_OBJECT_PREFIX = re.compile(r"<[^>]*>: ")
_TAG = re.compile(r"<[^>]+>")


class GrafanaClient:
    """Grafana's HTTP API as publishing needs it: folders, dashboards and their versions, with retries of
    what may be retried and every failure raised as a GrafanaError."""

    def __init__(self, session: requests.Session, base_url: str, settings: ClientSettings | None = None) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.settings = settings or ClientSettings()
        self._redactor = Redactor(secrets_of(session))
        self._unreachable: UnreachableError | None = None  # set by the first request that could not connect

    # --- dashboards ------------------------------------------------------------------------------------------
    def get_dashboard(self, uid: str) -> dict[str, Any] | None:
        """{'dashboard': ..., 'meta': ...}, or None when there is no dashboard with this uid."""
        response = self._request("GET", f"/api/dashboards/uid/{uid}", f"dashboard {uid}", "dashboards:read")
        if response.status_code == 404:
            return None
        return self._json(response, f"dashboard {uid}", "dashboards:read")

    def save_dashboard(self, dashboard: dict[str, Any], folder_uid: str, message: str,
                       overwrite: bool = False) -> dict[str, Any]:
        uid = dashboard.get("uid", "?")
        what = f"dashboard {uid}"
        permission = "dashboards:write" if dashboard.get("version") else "dashboards:create"
        body = {"dashboard": dashboard, "folderUid": folder_uid, "message": message, "overwrite": overwrite}
        response = self._request("POST", "/api/dashboards/db", what, permission, json_body=body)
        if response.status_code in (400, 404) and "folder" in self._message(response).lower():
            raise GrafanaError(f"{what}: folder {folder_uid!r} does not exist in Grafana "
                               f"({response.status_code}: {self._message(response)})", response.status_code)
        return self._json(response, what, permission, folder_uid=folder_uid)

    def delete_dashboard(self, uid: str) -> bool:
        """True if deleted, False if it was already gone."""
        return self._delete(f"/api/dashboards/uid/{uid}", f"dashboard {uid}", "dashboards:delete")

    def search(self, *, tags: tuple[str, ...] = (), kind: str | None = None,
               folder_uids: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Every hit, page by page."""
        hits: list[dict[str, Any]] = []
        page = 1
        while True:
            params: list[tuple[str, str | int]] = [("tag", t) for t in tags]
            params += [("folderUIDs", f) for f in folder_uids]
            if kind:
                params.append(("type", kind))
            params += [("limit", SEARCH_PAGE), ("page", page)]
            response = self._request("GET", "/api/search", "search", "dashboards:read", params=params)
            batch = self._json(response, "search", "dashboards:read")
            hits.extend(batch)
            if len(batch) < SEARCH_PAGE:
                return hits
            page += 1

    # --- folders ---------------------------------------------------------------------------------------------
    def get_folder(self, uid: str) -> dict[str, Any] | None:
        response = self._request("GET", f"/api/folders/{uid}", f"folder {uid}", "folders:read")
        if response.status_code == 404:
            return None
        return self._json(response, f"folder {uid}", "folders:read")

    def create_folder(self, uid: str, title: str) -> dict[str, Any]:
        """The new folder; GrafanaError with status 409 when the uid (or, before Grafana 10, the title) is taken."""
        response = self._request("POST", "/api/folders", f"folder {uid}", "folders:create",
                                 json_body={"uid": uid, "title": title})
        return self._json(response, f"folder {uid}", "folders:create")

    def update_folder(self, uid: str, title: str, version: int) -> dict[str, Any]:
        response = self._request("PUT", f"/api/folders/{uid}", f"folder {uid}", "folders:write",
                                 json_body={"title": title, "version": version, "overwrite": False})
        return self._json(response, f"folder {uid}", "folders:write")

    def delete_folder(self, uid: str) -> bool:
        """True if deleted, False if it was already gone."""
        return self._delete(f"/api/folders/{uid}", f"folder {uid}", "folders:delete")

    def _delete(self, path: str, what: str, permission: str) -> bool:
        response = self._request("DELETE", path, what, permission)
        if response.status_code == 404:
            return False
        self._json(response, what, permission)
        return True

    def health(self) -> dict[str, Any]:
        return self._json(self._request("GET", "/api/health", "health check", ""), "health check", "")

    # --- plumbing --------------------------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        """text without the session's credentials, in any spelling (see monitoring.grafana.publish.secrets)."""
        return self._redactor(text)

    def _request(self, method: str, path: str, what: str, permission: str, *,
                 params: Any = None, json_body: Any = None) -> requests.Response:
        if self._unreachable is not None:
            raise self._unreachable
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            # verify passed explicitly: requests would let $REQUESTS_CA_BUNDLE override a session's verify=False.
            return self.session.request(method, self.base_url + path, params=params, json=json_body,
                                        timeout=timeout, verify=self.session.verify)
        except requests.exceptions.SSLError as exc:
            raise GrafanaError(self._redactor.cut(
                f"{what}: TLS verification failed for {self.base_url}: {_cause(exc)} "
                f"(trust a private CA with --ca-cert FILE)", 600)) from None
        except requests.RequestException as exc:
            if _not_connected(exc):
                attempts = self.settings.connection_retries + 1
                self._unreachable = UnreachableError(self._redactor.cut(
                    f"cannot connect to Grafana at {self.base_url} ({attempts} attempts): {_cause(exc)}", 600))
                raise self._unreachable from None
            raise GrafanaError(self._redactor.cut(
                f"{what}: cannot reach Grafana at {self.base_url} after {self.settings.retries} retries: "
                f"{_cause(exc)}", 600)) from None

    def _message(self, response: requests.Response) -> str:
        try:
            body = response.json()
            text = str(body.get("message", "")) if isinstance(body, dict) else ""
        except ValueError:
            text = ""
        if not text:  # a proxy's HTML or plain-text page: its first line, without tags
            lines = _TAG.sub(" ", response.text).split("\n")
            text = next((line for line in lines if line.strip()), "") or response.reason or ""
        return self._redactor.cut(text)  # redacted first, then cut: a cut never leaves a prefix

    def _json(self, response: requests.Response, what: str, permission: str, folder_uid: str = "") -> Any:
        if response.ok:
            try:
                return response.json()
            except ValueError:
                raise GrafanaError(f"{what}: Grafana answered {response.status_code} with a body that is not "
                                   f"JSON", response.status_code) from None
        raise self.error(response, what, permission, folder_uid)

    def error(self, response: requests.Response, what: str, permission: str, folder_uid: str = "") -> GrafanaError:
        status, message = response.status_code, self._message(response)
        reason = ""
        try:
            body = response.json()
            reason = str(body.get("status", "")) if isinstance(body, dict) else ""
        except ValueError:
            pass
        if status == 401:
            return AuthError(f"Grafana at {self.base_url} rejected the credentials (401 {message or 'Unauthorized'}):"
                             f" check GRAFANA_TOKEN, or GRAFANA_USER and GRAFANA_PASSWORD", status)
        if status == 403:
            needed = _NEEDED.search(message)
            missing = needed.group(1) if needed else permission
            return GrafanaError(f"{what}: permission denied (403): the service account needs the {missing} "
                                f"permission", status)
        if status == 412:
            if reason == "version-mismatch":
                text = "was changed in Grafana by someone else after it was read (412 version-mismatch)"
            elif reason == "name-exists":
                folder = f" in folder {folder_uid!r}" if folder_uid else ""
                text = (f"another dashboard already has this uid, or this title{folder} "
                        f"(412 name-exists)")
            elif reason == "plugin-dashboard":
                text = "belongs to a plugin and cannot be saved over (412 plugin-dashboard)"
            else:
                text = f"precondition failed (412 {reason or message})"
            return GrafanaError(f"{what}: {text}", status, reason)
        if status == 409:
            return GrafanaError(f"{what}: already exists (409: {message})", status, reason)
        if status == 404:
            return GrafanaError(f"{what}: does not exist in Grafana (404: {message})", status, reason)
        if status in RETRY_STATUSES:
            said = f"{status} {response.reason}".strip()
            detail = f": {message}" if message and message not in (said, response.reason) else ""
            return GrafanaError(f"{what}: Grafana answered {said} after {self.settings.retries} retries{detail}",
                                status, reason)
        return GrafanaError(f"{what}: Grafana answered {status}: {message}", status, reason)


def _not_connected(exc: requests.RequestException) -> bool:
    """Whether no connection could be made (refused, unknown host, connect timeout), to Grafana or to the proxy
    in between, as opposed to one that was made and then failed (a read timeout, a reset), which says nothing of
    the other requests."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason: Any = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    if isinstance(reason, ProxyError):
        reason = reason.original_error
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _cause(exc: Exception) -> str:
    """The innermost useful reason, on one line: 'Read timed out', 'Connection refused'."""
    reason: Any = exc.args[0] if exc.args else exc
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    return " ".join(_OBJECT_PREFIX.sub("", str(reason)).split())  # the caller redacts, then cuts
