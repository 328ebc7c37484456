"""A small Grafana HTTP API client over an injected requests.Session.

Retries live in the session (urllib3's Retry on the mounted adapter): exponential backoff with jitter on
connection errors, timeouts, 429 and 5xx, honouring Retry-After, bounded in count and in sleep. Writes are
retried too: every write this tool makes is conditional (a uid that must not exist yet, a version that must
still be current, a folder uid that answers 409), so a repeated write can never apply twice; the caller
reconciles the 412/409/404 that a repeat may meet by reading the live state again.

A connection that cannot be made at all is retried fewer times (`connect_retries`), and once one has failed so,
every later request fails at once with the same UnreachableError: a Grafana that is down, or a wrong address,
is reported within seconds and once, not after each item's own retries.

Every request is bounded: in time by an overall deadline (retries, their waits, and a head or a body that
trickles in included; see request_bounds), and in size by a cap on the answer. Writes never follow a redirect.
Every answer used is checked for the documented shape, and a wrong one fails its item. `cancel()` (on Ctrl-C or
SIGTERM) ends the retries and waits of the requests in flight, and makes every later request fail at once.

Every error is a GrafanaError with a one-line message that names the item, and never the credentials.
"""

from __future__ import annotations

import base64
import re
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, InvalidHeader, MaxRetryError, NewConnectionError, ProxyError
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.poolmanager import pool_classes_by_scheme as URLLIB3_POOLS
from urllib3.util.retry import Retry

from monitoring.errors import AuthError, GrafanaError, UnreachableError
from monitoring.grafana.publish.config import ConfigError, GrafanaConfig
from monitoring.grafana.publish.request_bounds import (
    CURRENT,
    DEADLINE_POOLS,
    Cancelled,
    LateAnswer,
    OutOfTime,
    wait,
)
from monitoring.grafana.publish.secrets import Redactor

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SEARCH_PAGE = 5000  # Grafana's largest page
# A search that pages on past this many hits is not Grafana answering (1,000,000 dashboards): stop, say so.
SEARCH_PAGES_MAX = 200
CHUNK = 64 * 1024


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
    # The longest one request may take, attempts, waits between them and the whole body included: the read
    # timeout alone bounds only each wait for a byte, and a body that trickles in never meets it.
    deadline: float = 120.0
    # The largest answer read: a dashboard's JSON is a few MB at most, and an endless body must not fill memory.
    max_body: int = 32 * 1024 * 1024

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
    """urllib3's Retry with a fractional cap on Retry-After (a malformed one ignored), waits that cancel() cuts
    short and that respect the request's deadline, and a count of what was retried."""

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

    def get_retry_after(self, response: Any) -> float | None:
        """Retry-After in seconds; None (so the usual backoff) when it is malformed, e.g. `-5` or `abc`: a bad
        header must not end the retries."""
        try:
            return super().get_retry_after(response)
        except InvalidHeader:
            return None

    def sleep(self, response: Any = None) -> None:
        seconds = self.get_retry_after(response) if self.respect_retry_after_header and response else None
        wait(seconds or self.get_backoff_time())

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> Retry:
        CURRENT.failed += 1  # every failed attempt passes here, the last one included
        if CURRENT.cancelled is not None and CURRENT.cancelled.is_set():
            raise Cancelled()
        if isinstance(error, Urllib3SSLError | ssl.SSLError):
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
    """An adapter that verifies TLS with a given context (the system's CAs plus --ca-cert), and whose connections
    stop reading an answer's head at the request's deadline (see request_bounds)."""

    def __init__(self, ssl_context: ssl.SSLContext | None, **kwargs: Any) -> None:
        self._ssl_context = ssl_context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = DEADLINE_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if manager.pool_classes_by_scheme is URLLIB3_POOLS:  # a SOCKS proxy's pools are its own: left as they are
            manager.pool_classes_by_scheme = DEADLINE_POOLS
        return manager

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
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Stop: requests in flight make no further attempt and end their waits now, later ones are not sent."""
        self._cancelled.set()

    # --- dashboards ------------------------------------------------------------------------------------------
    def get_dashboard(self, uid: str) -> dict[str, Any] | None:
        """{'dashboard': ..., 'meta': ...}, or None when there is no dashboard with this uid."""
        what = f"dashboard {uid}"
        response = self._request("GET", f"/api/dashboards/uid/{uid}", what, "dashboards:read")
        if response.status_code == 404:
            return None
        body = _expect_object(self._json(response, what, "dashboards:read"), what)
        dashboard, meta = body.get("dashboard"), body.setdefault("meta", {})
        if not isinstance(dashboard, dict) or not isinstance(meta, dict):
            raise _shape_error(what, "no `dashboard` and `meta` objects")
        if dashboard.get("uid", uid) != uid:
            raise _shape_error(what, "it holds another dashboard's uid")
        _expect_types(what, dashboard, {"version": int, "title": str})
        _expect_types(what, meta, {"folderUid": str, "folderTitle": str, "version": int})
        return body

    def save_dashboard(self, dashboard: dict[str, Any], folder_uid: str, message: str,
                       overwrite: bool = False) -> dict[str, Any]:
        """Grafana's answer, checked to say the save succeeded: status "success", our uid and the new version."""
        uid = dashboard.get("uid", "?")
        what = f"dashboard {uid}"
        permission = "dashboards:write" if dashboard.get("version") else "dashboards:create"
        body = {"dashboard": dashboard, "folderUid": folder_uid, "message": message, "overwrite": overwrite}
        response = self._request("POST", "/api/dashboards/db", what, permission, json_body=body)
        if response.status_code in (400, 404) and "folder" in self._message(response).lower():
            raise GrafanaError(f"{what}: folder {folder_uid!r} does not exist in Grafana "
                               f"({response.status_code}: {self._message(response)})", response.status_code)
        saved = _expect_object(self._json(response, what, permission, folder_uid=folder_uid), what)
        version = saved.get("version")
        if saved.get("status") != "success" or saved.get("uid") != uid or not _is_int(version):
            raise _shape_error(what, "it does not confirm the save (status \"success\", this uid, a version); "
                                     "the save is not confirmed")
        return saved

    def delete_dashboard(self, uid: str) -> bool:
        """True if deleted, False if it was already gone."""
        return self._delete(f"/api/dashboards/uid/{uid}", f"dashboard {uid}", "dashboards:delete")

    def search(self, *, tags: tuple[str, ...] = (), kind: str | None = None,
               folder_uids: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Every hit, page by page, each with a uid. A page that brings nothing new (a server that ignores
        `page` repeats the first one) ends it with a GrafanaError rather than paging forever."""
        hits: list[dict[str, Any]] = []
        seen: set[tuple[Any, str]] = set()
        for page in range(1, SEARCH_PAGES_MAX + 1):
            params: list[tuple[str, str | int]] = [("tag", t) for t in tags]
            params += [("folderUIDs", f) for f in folder_uids]
            if kind:
                params.append(("type", kind))
            params += [("limit", SEARCH_PAGE), ("page", page)]
            response = self._request("GET", "/api/search", "search", "dashboards:read", params=params)
            batch = _expect_hits(self._json(response, "search", "dashboards:read"))
            keys = {(hit.get("type"), hit["uid"]) for hit in batch}
            if batch and keys <= seen:
                raise GrafanaError(f"search: page {page} repeats hits of earlier pages: Grafana (or a proxy in "
                                   f"front of it) does not page the search; stopped after {page} requests")
            seen |= keys
            hits.extend(batch)
            if len(batch) < SEARCH_PAGE:
                return hits
        raise GrafanaError(f"search: more than {SEARCH_PAGES_MAX} pages of {SEARCH_PAGE} hits: stopped paging")

    # --- folders ---------------------------------------------------------------------------------------------
    def get_folder(self, uid: str) -> dict[str, Any] | None:
        what = f"folder {uid}"
        response = self._request("GET", f"/api/folders/{uid}", what, "folders:read")
        if response.status_code == 404:
            return None
        return self._folder(self._json(response, what, "folders:read"), uid)

    def create_folder(self, uid: str, title: str) -> dict[str, Any]:
        """The new folder; GrafanaError with status 409 when the uid (or, before Grafana 10, the title) is taken."""
        response = self._request("POST", "/api/folders", f"folder {uid}", "folders:create",
                                 json_body={"uid": uid, "title": title})
        return self._folder(self._json(response, f"folder {uid}", "folders:create"), uid)

    def update_folder(self, uid: str, title: str, version: int) -> dict[str, Any]:
        response = self._request("PUT", f"/api/folders/{uid}", f"folder {uid}", "folders:write",
                                 json_body={"title": title, "version": version, "overwrite": False})
        return self._folder(self._json(response, f"folder {uid}", "folders:write"), uid)

    def _folder(self, body: Any, uid: str) -> dict[str, Any]:
        """A folder object with our uid, as Grafana answers every folder request."""
        what = f"folder {uid}"
        folder = _expect_object(body, what)
        if folder.get("uid") != uid:
            raise _shape_error(what, "it does not name this folder's uid")
        _expect_types(what, folder, {"title": str, "version": int})
        return folder

    def delete_folder(self, uid: str) -> bool:
        """True if deleted, False if it was already gone."""
        return self._delete(f"/api/folders/{uid}", f"folder {uid}", "folders:delete")

    def _delete(self, path: str, what: str, permission: str) -> bool:
        response = self._request("DELETE", path, what, permission)
        if response.status_code == 404:
            return False
        _expect_object(self._json(response, what, permission), what)
        return True

    def health(self) -> dict[str, Any]:
        return _expect_object(self._json(self._request("GET", "/api/health", "health check", ""), "health check",
                                         ""), "health check")

    # --- plumbing --------------------------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        """text without the session's credentials, in any spelling (see monitoring.grafana.publish.secrets)."""
        return self._redactor(text)

    def _request(self, method: str, path: str, what: str, permission: str, *,
                 params: Any = None, json_body: Any = None) -> requests.Response:
        """One request, retries included, with its body read in full: within the deadline and the size cap."""
        if self._unreachable is not None:
            raise self._unreachable
        if self._cancelled.is_set():
            raise GrafanaError(f"{what}: not sent: publishing was interrupted")
        state = CURRENT
        state.deadline = time.monotonic() + self.settings.deadline
        state.failed, state.cancelled = 0, self._cancelled
        try:
            response = self._send(method, path, what, params, json_body)
            self._read_body(response, what)
        finally:
            state.deadline, state.cancelled = float("inf"), None
        if response.is_redirect:
            # requests would re-send a POST as a GET without its body, and take that GET's 200 for the save.
            raise GrafanaError(f"{what}: Grafana answered {response.status_code} {response.reason} (a redirect) "
                               f"to a {method}: not followed, so the write is not confirmed; is GRAFANA_URL "
                               f"{self.base_url} the address Grafana serves its API at?", response.status_code)
        return response

    def _send(self, method: str, path: str, what: str, params: Any, json_body: Any) -> requests.Response:
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            # verify passed explicitly: requests would let $REQUESTS_CA_BUNDLE override a session's verify=False.
            # stream: the body is read by _read_body, within the deadline and the size cap.
            return self.session.request(method, self.base_url + path, params=params, json=json_body,
                                        timeout=timeout, verify=self.session.verify, stream=True,
                                        allow_redirects=method == "GET")
        except Cancelled:
            raise GrafanaError(f"{what}: stopped: publishing was interrupted") from None
        except OutOfTime:
            raise GrafanaError(f"{what}: gave up after {self._attempts()}: the next retry would end past the "
                               f"{self.settings.deadline:g} s deadline") from None
        except LateAnswer:
            raise GrafanaError(f"{what}: Grafana's answer did not arrive within the {self.settings.deadline:g} s "
                               "deadline") from None
        except requests.exceptions.SSLError as exc:
            raise GrafanaError(self._redactor.cut(
                f"{what}: TLS verification failed for {self.base_url}: {_cause(exc)} "
                f"(trust a private CA with --ca-cert FILE)", 600)) from None
        except requests.RequestException as exc:
            if _not_connected(exc):
                self._unreachable = UnreachableError(self._redactor.cut(
                    f"cannot connect to Grafana at {self.base_url} ({self._attempts()}): {_cause(exc)}", 600))
                raise self._unreachable from None
            raise GrafanaError(self._redactor.cut(
                f"{what}: cannot reach Grafana at {self.base_url} after {self._retries()}: {_cause(exc)}",
                600)) from None

    def _read_body(self, response: requests.Response, what: str) -> None:
        """Read the whole body into response (so .json() and .text work), or fail past the deadline or the cap."""
        limit, deadline = self.settings.max_body, CURRENT.deadline
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise GrafanaError(f"{what}: Grafana's answer is {int(declared):,} bytes, more than the "
                               f"{limit:,} bytes a publish reads", response.status_code)
        body = bytearray()
        try:
            # read1: whatever has arrived, up to CHUNK; read() would wait for a full CHUNK of a trickle.
            while chunk := response.raw.read1(CHUNK, decode_content=True):
                body += chunk
                if len(body) > limit:
                    raise GrafanaError(f"{what}: Grafana's answer exceeds the {limit:,} bytes a publish reads: "
                                       f"not read further", response.status_code)
                if time.monotonic() > deadline or self._cancelled.is_set():
                    raise GrafanaError(f"{what}: Grafana's answer did not arrive in full within the "
                                       f"{self.settings.deadline:g} s deadline", response.status_code)
        except (Urllib3HTTPError, OSError) as exc:  # a read timeout, a reset, a broken chunk, bad gzip
            raise GrafanaError(self._redactor.cut(
                f"{what}: the answer from Grafana at {self.base_url} broke off: {_cause(exc)}", 600)) from None
        finally:
            response.close()
        response._content = bytes(body)  # what requests itself sets once it has read a body

    @staticmethod
    def _attempts() -> str:
        """How many attempts this thread's last request made, when each of them failed (urllib3's Retry counts
        them as it passes; the last one included)."""
        failed = CURRENT.failed
        return f"{failed} attempt{'s' if failed != 1 else ''}"

    @staticmethod
    def _retries() -> str:
        """How many times this thread's last request, every attempt of which failed, was tried again."""
        return f"{max(CURRENT.failed - 1, 0)} retries"

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
            # This thread's last request was this one: every attempt of it met a status that is retried.
            return GrafanaError(f"{what}: Grafana answered {said} after {self._retries()}{detail}",
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


# --- the shape of answers: a proxy's page, an old or odd server, must fail its item, not raise a traceback --------
def _shape_error(what: str, problem: str) -> GrafanaError:
    return GrafanaError(f"{what}: Grafana's answer is not of the documented shape: {problem}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _expect_object(body: Any, what: str) -> dict[str, Any]:
    """body, when it is a JSON object (`null`, a list or a string is not an answer we can use)."""
    if not isinstance(body, dict):
        raise _shape_error(what, f"a JSON object was expected, not {_json_kind(body)}")
    return body


def _expect_types(what: str, body: dict[str, Any], types: dict[str, type]) -> None:
    """Each key of types, where body has it and it is not null, holds that type."""
    for key, kind in types.items():
        value = body.get(key)
        if value is not None and not (_is_int(value) if kind is int else isinstance(value, kind)):
            raise _shape_error(what, f"`{key}` is {_json_kind(value)}, not {'a number' if kind is int else 'text'}")


def _expect_hits(body: Any) -> list[dict[str, Any]]:
    """A search page: a list of objects, each with a uid."""
    if not isinstance(body, list):
        raise _shape_error("search", f"a JSON list of hits was expected, not {_json_kind(body)}")
    for hit in body:
        if not isinstance(hit, dict) or not isinstance(hit.get("uid"), str):
            raise _shape_error("search", "a hit without a uid")
    return body


def _json_kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true or false", type(None): "null"}
    return names.get(type(value), "a number")
