"""A local stand-in for Grafana's HTTP API, for tests and benchmarks.

It implements the documented semantics that publishing relies on (shared/reference/grafana-http-api.md):
authentication (bearer token or basic, 401 without, 403 with the missing permission named), dashboards with
versions and the 412 reasons, folders with 409 and 412, search with tags and folders, data sources and health.

Faults can be injected into a fraction of the requests: 500, 502, 429 with Retry-After, responses slower than
the client's timeout, and dropped connections. A 502, a slow response or a dropped connection may come after the
request was carried out, as happens behind a load balancer, so clients must cope with writes that landed even
though they saw an error. `intercept` puts a misbehaving proxy in front of the API (redirects, bodies that
trickle or never end, JSON of the wrong shape). Every request is counted by method and path.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import re
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from monitoring.output.files import to_json

VERSION = "11.3.0"
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})

READ = frozenset({"dashboards:read", "folders:read", "datasources:read"})
ROLES: dict[str, frozenset[str]] = {
    "Viewer": READ,
    "Editor": READ | {"dashboards:create", "dashboards:write", "dashboards:delete", "folders:create",
                      "folders:write"},
    "Admin": READ | {"dashboards:create", "dashboards:write", "dashboards:delete", "folders:create",
                     "folders:write", "folders:delete"},
}

FAULT_KINDS = ("500", "502", "429", "slow", "drop")
# intercept(handler, method, path): a misbehaving proxy in front of the API. It may answer the request itself, with
# the handler's raw socket (a body that trickles or never ends, a redirect, JSON of the wrong shape), and returns
# True then; False lets the request through to the API as usual.
Intercept = Callable[[BaseHTTPRequestHandler, str, str], bool]


@dataclass
class Faults:
    """Which requests fail, and how. `rate` is the fraction of requests that get one of `kinds`."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    retry_after: int = 1  # seconds, sent with every 429
    slow_seconds: float = 1.0  # how long a slow response takes: set it past the client's read timeout
    after_processing: float = 0.5  # fraction of 502/slow/drop faults that strike after the request was carried out
    seed: int | None = 1
    paths: str = "/api/"  # only requests under this prefix fail (health included)


class ApiError(Exception):
    def __init__(self, status: int, message: str, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.body = status, {"message": message, **(extra or {})}


def _denied(permission: str) -> ApiError:
    return ApiError(403, f"You'll need additional permissions to perform this action. Permissions needed: "
                         f"{permission}", {"accessErrorId": "ACE0000000001", "title": "Access denied"})


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@dataclass
class _Folder:
    id: int
    uid: str
    title: str
    version: int = 1
    description: str = ""

    def body(self) -> dict[str, Any]:
        url = f"/dashboards/f/{self.uid}/{_slug(self.title)}"
        return {"id": self.id, "uid": self.uid, "title": self.title, "url": url,
                "version": self.version, "parentUid": None, "parents": [], "description": self.description,
                "hasAcl": False, "canSave": True, "canEdit": True, "canAdmin": True, "canDelete": True,
                "created": "2024-01-01T00:00:00Z", "updated": "2024-01-01T00:00:00Z"}


@dataclass
class _Dashboard:
    id: int
    uid: str
    folder_uid: str  # "" for the General folder
    data: dict[str, Any]
    saves: int = 1
    last_save: dict[str, Any] = field(default_factory=dict)  # the save request without the dashboard

    @property
    def version(self) -> int:
        return int(self.data["version"])

    @property
    def title(self) -> str:
        return str(self.data.get("title", ""))


@dataclass
class GrafanaState:
    """Everything the server stores. Tests may read it directly; changes go through the HTTP API."""

    folders: dict[str, _Folder] = field(default_factory=dict)
    dashboards: dict[str, _Dashboard] = field(default_factory=dict)
    datasources: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 1
    # Grafana before 10 also answered 409 to a new folder whose title was taken.
    legacy_folder_title_conflict: bool = False

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class FakeGrafana:
    """Serve the API on a free loopback port. Use as a context manager, or start() and stop()."""

    def __init__(self, tokens: Mapping[str, str] | None = None, users: Mapping[str, tuple[str, str]] | None = None,
                 faults: Faults | None = None, legacy_folder_title_conflict: bool = False,
                 echo_credentials_in_errors: bool = False, tls: tuple[Path, Path] | None = None,
                 latency: float = 0.0, hostile_echo: Callable[[str], tuple[int, str, str]] | None = None,
                 intercept: Intercept | None = None) -> None:
        self.tokens = dict(tokens or {"test-token": "Admin"})  # token -> role
        self.users = dict(users or {})  # user -> (password, role)
        self.faults = faults or Faults()
        # Some proxies echo the request's credentials in their errors: lets tests prove the client redacts them.
        self.echo_credentials_in_errors = echo_credentials_in_errors
        # A hostile server: answers every API request with hostile_echo(Authorization header) = (status,
        # content type, body), so tests can send the credentials back in any spelling.
        self.hostile_echo = hostile_echo
        self.intercept = intercept  # a misbehaving proxy in front of the API: see Intercept
        self.state = GrafanaState(datasources=[{
            "id": 1, "uid": "prometheus", "name": "Prometheus", "type": "prometheus", "url": "http://prometheus:9090",
            "access": "proxy", "isDefault": True, "jsonData": {}}],
            legacy_folder_title_conflict=legacy_folder_title_conflict)
        self.latency = latency  # seconds every API request takes, as a real server and network would
        self.requests: Counter[tuple[str, str]] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests served at the same time
        self.faults_injected: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self._tls = tls
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        scheme = "https" if self._tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeGrafana:
        handler = type("Handler", (_Handler,), {"grafana": self})
        server = _Server(("127.0.0.1", 0), handler)
        if self._tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(self._tls[0]), str(self._tls[1]))
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGrafana:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- counts ----------------------------------------------------------------------------------------------
    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()
            self.faults_injected.clear()
            self.max_in_flight = self.in_flight

    def count(self, method: str | None = None, path: str | None = None) -> int:
        with self.lock:
            return sum(n for (m, p), n in self.requests.items()
                       if (method is None or m == method) and (path is None or p.startswith(path)))

    def writes(self) -> int:
        with self.lock:
            return sum(n for (m, _), n in self.requests.items() if m in WRITE_METHODS)

    def reads(self) -> int:
        return self.count("GET")

    # --- direct views for assertions --------------------------------------------------------------------------
    def dashboard(self, uid: str) -> dict[str, Any] | None:
        with self.lock:
            stored = self.state.dashboards.get(uid)
            return copy.deepcopy(stored.data) if stored else None

    def dashboard_folder(self, uid: str) -> str | None:
        with self.lock:
            stored = self.state.dashboards.get(uid)
            return stored.folder_uid if stored else None

    def saves(self, uid: str) -> int:
        with self.lock:
            stored = self.state.dashboards.get(uid)
            return stored.saves if stored else 0

    def last_save(self, uid: str) -> dict[str, Any]:
        """folderUid, message and overwrite of the save that wrote the current version."""
        with self.lock:
            stored = self.state.dashboards.get(uid)
            return dict(stored.last_save) if stored else {}

    def folder_titles(self) -> dict[str, str]:
        with self.lock:
            return {uid: folder.title for uid, folder in self.state.folders.items()}

    # --- fault injection -------------------------------------------------------------------------------------
    def draw_fault(self, path: str) -> tuple[str | None, bool]:
        """(kind or None, whether the request is carried out before the fault strikes)."""
        faults = self.faults
        if faults.rate <= 0 or not path.startswith(faults.paths):
            return None, False
        with self.lock:
            if self._rng.random() >= faults.rate:
                return None, False
            kind = self._rng.choice(faults.kinds)
            after = kind in ("502", "slow", "drop") and self._rng.random() < faults.after_processing
            self.faults_injected[kind] += 1
        return kind, after


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a slow response, or a connection a fault dropped: expected, not news.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    grafana: FakeGrafana
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stalls
    server_version = "FakeGrafana"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read counts, not logs
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    # --- plumbing --------------------------------------------------------------------------------------------
    def _serve(self, method: str) -> None:
        grafana = self.grafana
        url = urlsplit(self.path)
        with grafana.lock:
            grafana.requests[(method, url.path)] += 1
            grafana.in_flight += 1
            grafana.max_in_flight = max(grafana.max_in_flight, grafana.in_flight)
        try:
            self._serve_counted(method, url.path, url.query)
        finally:
            with grafana.lock:
                grafana.in_flight -= 1

    def _serve_counted(self, method: str, path: str, query: str) -> None:
        grafana = self.grafana
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if grafana.intercept is not None and grafana.intercept(self, method, path):
            return
        if grafana.hostile_echo is not None and path.startswith("/api/"):
            status, content_type, text = grafana.hostile_echo(self.headers.get("Authorization", ""))
            self._send(status, text, content_type=content_type)
            return
        kind, after = grafana.draw_fault(path)
        if grafana.latency:
            time.sleep(grafana.latency)
        try:
            if kind in ("500", "429") or (kind in ("502", "drop") and not after):
                self._fail(kind)
                return
            if kind == "slow" and not after:
                time.sleep(grafana.faults.slow_seconds)
            status, body = self._handle(method, path, parse_qs(query), raw)
            if kind in ("502", "drop"):
                self._fail(kind)
                return
            if kind == "slow" and after:
                time.sleep(grafana.faults.slow_seconds)
            self._send(status, body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True  # the client gave up (its timeout): nothing left to answer

    def _fail(self, kind: str | None) -> None:
        if kind == "drop":
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "429":
            self._send(429, {"message": "Too Many Requests"},
                       headers={"Retry-After": str(self.grafana.faults.retry_after)})
        elif kind == "502":
            self._send(502, "<html><body><h1>502 Bad Gateway</h1></body></html>\n", content_type="text/html")
        else:
            self._send(500, {"message": "Internal Server Error"})

    def _send(self, status: int, body: Any, headers: Mapping[str, str] | None = None,
              content_type: str = "application/json") -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> tuple[int, Any]:
        if method == "GET" and path == "/api/health":
            return 200, {"database": "ok", "version": VERSION, "commit": "0000000"}
        try:
            permissions = self._authenticate()
            body = json.loads(raw) if raw else None
            for route_method, pattern, action in _ROUTES:
                match = re.fullmatch(pattern, path)
                if match and route_method == method:
                    with self.grafana.lock:
                        return action(self.grafana.state, permissions, body, query, *match.groups())
            if any(re.fullmatch(pattern, path) for _, pattern, _ in _ROUTES):
                return 405, {"message": "Method Not Allowed"}
            return 404, {"message": "Not found"}
        except json.JSONDecodeError:
            return 400, {"message": "bad request data"}
        except ApiError as exc:
            return exc.status, exc.body

    def _authenticate(self) -> frozenset[str]:
        header = self.headers.get("Authorization", "")
        grafana = self.grafana
        scheme, _, credential = header.partition(" ")
        echo = f" ({header})" if grafana.echo_credentials_in_errors else ""
        if scheme == "Bearer":
            role = grafana.tokens.get(credential)
            if role is None:
                raise ApiError(401, f"Invalid API key{echo}")
            return ROLES[role]
        if scheme == "Basic":
            try:
                user, _, password = base64.b64decode(credential).decode().partition(":")
            except ValueError:
                raise ApiError(401, f"Invalid Basic Auth header{echo}") from None
            known = grafana.users.get(user)
            if known is None or known[0] != password:
                raise ApiError(401, f"Invalid username or password{echo}")
            return ROLES[known[1]]
        raise ApiError(401, "Unauthorized")


# --- the API ---------------------------------------------------------------------------------------------------
Result = tuple[int, Any]


def _require(permissions: frozenset[str], permission: str) -> None:
    if permission not in permissions:
        raise _denied(permission)


def _dashboard_meta(state: GrafanaState, stored: _Dashboard) -> dict[str, Any]:
    folder = state.folders.get(stored.folder_uid)
    slug = _slug(stored.title)
    return {
        "type": "db", "canSave": True, "canEdit": True, "canAdmin": True, "canStar": True, "canDelete": True,
        "slug": slug, "url": f"/d/{stored.uid}/{slug}", "expires": "0001-01-01T00:00:00Z",
        "created": "2024-01-01T00:00:00Z", "updated": "2024-01-01T00:00:00Z", "updatedBy": "publisher",
        "createdBy": "publisher", "version": stored.version, "hasAcl": False, "isFolder": False,
        "folderId": folder.id if folder else 0, "folderUid": stored.folder_uid,
        "folderTitle": folder.title if folder else "General",
        "folderUrl": f"/dashboards/f/{folder.uid}/{_slug(folder.title)}" if folder else "",
        "provisioned": False, "provisionedExternalId": "",
    }


def get_dashboard(state: GrafanaState, perms: frozenset[str], _: Any, __: Any, uid: str) -> Result:
    _require(perms, "dashboards:read")
    stored = state.dashboards.get(uid)
    if stored is None:
        raise ApiError(404, "Dashboard not found")
    return 200, {"dashboard": copy.deepcopy(stored.data), "meta": _dashboard_meta(state, stored)}


def save_dashboard(state: GrafanaState, perms: frozenset[str], body: Any, _: Any) -> Result:
    if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
        raise ApiError(400, "bad request data")
    dashboard = copy.deepcopy(body["dashboard"])
    title = dashboard.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ApiError(400, "Dashboard title cannot be empty", {"status": "empty-name"})
    uid = dashboard.get("uid") or f"gen{state.next_id:06d}"
    if not isinstance(uid, str) or len(uid) > 40:
        raise ApiError(400, "uid too long, max 40 characters", {"status": "uid-too-long"})
    folder_uid = body.get("folderUid") or ""
    if not folder_uid and body.get("folderId"):
        folder_uid = next((f.uid for f in state.folders.values() if f.id == body["folderId"]), "")
        if not folder_uid:
            raise ApiError(400, f"folder with id {body['folderId']} not found", {"status": "not-found"})
    if folder_uid and folder_uid not in state.folders:
        raise ApiError(400, f"folder '{folder_uid}' not found", {"status": "not-found"})
    overwrite = bool(body.get("overwrite"))
    existing = state.dashboards.get(uid)
    if existing is not None:
        _require(perms, "dashboards:write")
        if not overwrite:
            if dashboard.get("version") is None and not dashboard.get("id"):
                raise ApiError(412, "A dashboard with the same uid already exists", {"status": "name-exists"})
            if dashboard.get("version") != existing.version:
                raise ApiError(412, "The dashboard has been changed by someone else",
                               {"status": "version-mismatch"})
        version, dashboard_id = existing.version + 1, existing.id
    else:
        _require(perms, "dashboards:create")
        if dashboard.get("id"):
            raise ApiError(404, "Dashboard not found")
        version, dashboard_id = 1, state.new_id()
    same_title = [d for d in state.dashboards.values()
                  if d.uid != uid and d.folder_uid == folder_uid and d.title.lower() == title.lower()]
    if same_title:
        if not overwrite:
            raise ApiError(412, "A dashboard with the same name in the folder already exists",
                           {"status": "name-exists"})
        for other in same_title:
            del state.dashboards[other.uid]
    dashboard.update({"id": dashboard_id, "uid": uid, "version": version})
    saves = existing.saves + 1 if existing else 1
    request = {k: v for k, v in body.items() if k != "dashboard"}
    state.dashboards[uid] = _Dashboard(id=dashboard_id, uid=uid, folder_uid=folder_uid, data=dashboard, saves=saves,
                                       last_save=request)
    slug = _slug(title)
    return 200, {"id": dashboard_id, "uid": uid, "url": f"/d/{uid}/{slug}", "status": "success",
                 "version": version, "slug": slug}


def delete_dashboard(state: GrafanaState, perms: frozenset[str], _: Any, __: Any, uid: str) -> Result:
    _require(perms, "dashboards:delete")
    stored = state.dashboards.pop(uid, None)
    if stored is None:
        raise ApiError(404, "Dashboard not found")
    return 200, {"title": stored.title, "message": f"Dashboard {stored.title} deleted", "id": stored.id}


def _page(items: list[Any], query: dict[str, list[str]], default_limit: int = 1000) -> list[Any]:
    try:
        limit = min(int(query.get("limit", [default_limit])[0]), 5000)
        page = max(int(query.get("page", ["1"])[0]), 1)
    except ValueError:
        raise ApiError(400, "limit and page must be integers") from None
    return items[(page - 1) * limit: page * limit]


def search(state: GrafanaState, perms: frozenset[str], _: Any, query: dict[str, list[str]]) -> Result:
    text = query.get("query", [""])[0].lower()
    tags = set(query.get("tag", []))
    kind = query.get("type", [""])[0]
    folder_uids = set(query.get("folderUIDs", []))
    dashboard_uids = set(query.get("dashboardUIDs", []))
    hits: list[dict[str, Any]] = []
    if kind in ("", "dash-folder") and not tags and not dashboard_uids and "folders:read" in perms:
        for folder in sorted(state.folders.values(), key=lambda f: f.title.lower()):
            if text in folder.title.lower() and (not folder_uids or "general" in folder_uids):
                hits.append({"id": folder.id, "uid": folder.uid, "title": folder.title,
                             "uri": f"db/{_slug(folder.title)}", "url": folder.body()["url"], "slug": "",
                             "type": "dash-folder", "tags": [], "isStarred": False, "sortMeta": 0})
    if kind in ("", "dash-db") and "dashboards:read" in perms:
        for stored in sorted(state.dashboards.values(), key=lambda d: (d.title.lower(), d.uid)):
            dash_tags = stored.data.get("tags") or []
            if text and text not in stored.title.lower():
                continue
            if not tags <= set(dash_tags):
                continue
            if folder_uids and (stored.folder_uid or "general") not in folder_uids:
                continue
            if dashboard_uids and stored.uid not in dashboard_uids:
                continue
            meta = _dashboard_meta(state, stored)
            hit = {"id": stored.id, "uid": stored.uid, "title": stored.title, "uri": f"db/{meta['slug']}",
                   "url": meta["url"], "slug": "", "type": "dash-db", "tags": list(dash_tags),
                   "isStarred": False, "sortMeta": 0}
            if stored.folder_uid:
                hit.update({"folderId": meta["folderId"], "folderUid": stored.folder_uid,
                            "folderTitle": meta["folderTitle"], "folderUrl": meta["folderUrl"]})
            hits.append(hit)
    return 200, _page(hits, query)


def list_folders(state: GrafanaState, perms: frozenset[str], _: Any, query: dict[str, list[str]]) -> Result:
    _require(perms, "folders:read")
    folders = sorted(state.folders.values(), key=lambda f: f.title.lower())
    return 200, _page([{"id": f.id, "uid": f.uid, "title": f.title} for f in folders], query)


def get_folder(state: GrafanaState, perms: frozenset[str], _: Any, __: Any, uid: str) -> Result:
    _require(perms, "folders:read")
    folder = state.folders.get(uid)
    if folder is None:
        raise ApiError(404, "folder not found", {"status": "not-found"})
    return 200, folder.body()


def create_folder(state: GrafanaState, perms: frozenset[str], body: Any, _: Any) -> Result:
    _require(perms, "folders:create")
    if not isinstance(body, dict):
        raise ApiError(400, "bad request data")
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ApiError(400, "folder title cannot be empty")
    uid = body.get("uid") or f"f{state.next_id:06d}"
    if len(uid) > 40:
        raise ApiError(400, "uid too long, max 40 characters")
    if uid in state.folders:
        raise ApiError(409, "a folder with the same uid already exists")
    if state.legacy_folder_title_conflict and any(f.title.lower() == title.lower() for f in state.folders.values()):
        raise ApiError(409, "a folder or dashboard in the general folder with the same name already exists")
    folder = _Folder(id=state.new_id(), uid=uid, title=title, description=str(body.get("description") or ""))
    state.folders[uid] = folder
    return 200, folder.body()


def update_folder(state: GrafanaState, perms: frozenset[str], body: Any, _: Any, uid: str) -> Result:
    _require(perms, "folders:write")
    folder = state.folders.get(uid)
    if folder is None:
        raise ApiError(404, "folder not found", {"status": "not-found"})
    if not isinstance(body, dict) or not isinstance(body.get("title"), str) or not body["title"].strip():
        raise ApiError(400, "folder title cannot be empty")
    if not body.get("overwrite") and body.get("version") != folder.version:
        raise ApiError(412, "the folder has been changed by someone else", {"status": "version-mismatch"})
    folder.title = body["title"]
    folder.version += 1
    return 200, folder.body()


def delete_folder(state: GrafanaState, perms: frozenset[str], _: Any, __: Any, uid: str) -> Result:
    _require(perms, "folders:delete")
    folder = state.folders.pop(uid, None)
    if folder is None:
        raise ApiError(404, "folder not found", {"status": "not-found"})
    for stored in [d for d in state.dashboards.values() if d.folder_uid == uid]:
        del state.dashboards[stored.uid]
    return 200, {"message": "Folder deleted", "id": folder.id, "title": folder.title}


def _datasource(state: GrafanaState, perms: frozenset[str], key: str, value: str) -> Result:
    _require(perms, "datasources:read")
    for source in state.datasources:
        if source[key] == value:
            return 200, copy.deepcopy(source)
    raise ApiError(404, "Data source not found")


def datasource_by_uid(state: GrafanaState, perms: frozenset[str], _: Any, __: Any, uid: str) -> Result:
    return _datasource(state, perms, "uid", uid)


def datasource_by_name(state: GrafanaState, perms: frozenset[str], _: Any, __: Any, name: str) -> Result:
    return _datasource(state, perms, "name", name)


_SEGMENT = r"([^/]+)"
_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", rf"/api/dashboards/uid/{_SEGMENT}", get_dashboard),
    ("DELETE", rf"/api/dashboards/uid/{_SEGMENT}", delete_dashboard),
    ("POST", r"/api/dashboards/db/?", save_dashboard),
    ("GET", r"/api/search/?", search),
    ("GET", r"/api/folders/?", list_folders),
    ("POST", r"/api/folders/?", create_folder),
    ("GET", rf"/api/folders/{_SEGMENT}", get_folder),
    ("PUT", rf"/api/folders/{_SEGMENT}", update_folder),
    ("DELETE", rf"/api/folders/{_SEGMENT}", delete_folder),
    ("GET", rf"/api/datasources/uid/{_SEGMENT}", datasource_by_uid),
    ("GET", rf"/api/datasources/name/{_SEGMENT}", datasource_by_name),
]


@contextmanager
def running_grafana(**options: Any) -> Iterator[FakeGrafana]:
    """A started server that stops when the block ends."""
    with FakeGrafana(**options) as server:
        yield server


# --- generated trees in the layout `monitoring generate` writes ------------------------------------------------
def synthetic_dashboard(uid: str, title: str, panels: int = 3, tags: tuple[str, ...] = ("mcp",)) -> dict[str, Any]:
    """A small dashboard model as the generator writes it: no id, no version."""
    return {
        "uid": uid, "title": title, "tags": list(tags), "schemaVersion": 41, "editable": True,
        "time": {"from": "now-6h", "to": "now"}, "refresh": "30s", "timezone": "browser",
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus",
                                 "current": {"text": "Prometheus", "value": "prometheus"}}]},
        "panels": [{"id": i + 1, "type": "timeseries", "title": f"Panel {i + 1}",
                    "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "targets": [{"refId": "A", "expr": f'sum(rate(mcp_requests_total{{panel="{i}"}}[5m]))',
                                 "datasource": {"type": "prometheus", "uid": "${datasource}"}}]}
                   for i in range(panels)],
    }


def write_grafana_tree(out_dir: Path, folders: Mapping[str, str],
                       dashboards: Mapping[str, list[dict[str, Any]]]) -> None:
    """Write out_dir/grafana: folders.json (sorted by uid) and dashboards/<folder-uid>/<uid>.json."""
    grafana = out_dir / "grafana"
    (grafana / "dashboards").mkdir(parents=True, exist_ok=True)
    listing = [{"uid": uid, "title": title} for uid, title in sorted(folders.items())]
    (grafana / "folders.json").write_text(to_json(listing), encoding="utf-8")
    for folder_uid, models in dashboards.items():
        directory = grafana / "dashboards" / folder_uid
        directory.mkdir(parents=True, exist_ok=True)
        for model in models:
            (directory / f"{model['uid']}.json").write_text(to_json(model), encoding="utf-8")


def synthetic_tree(out_dir: Path, dashboards: int, folders: int = 5) -> list[str]:
    """`dashboards` dashboards spread over `folders` folders; returns their uids."""
    folder_uids = {f"team-{i:02d}": f"Team {i:02d}" for i in range(folders)}
    by_folder: dict[str, list[dict[str, Any]]] = {uid: [] for uid in folder_uids}
    uids = []
    for i in range(dashboards):
        folder = f"team-{i % folders:02d}"
        uid = f"svc-{i:04d}"
        uids.append(uid)
        by_folder[folder].append(synthetic_dashboard(uid, f"Service {i:04d}"))
    write_grafana_tree(out_dir, folder_uids, by_folder)
    return uids
