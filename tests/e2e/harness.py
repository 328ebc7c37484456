"""Processes, the webhook sink, API clients and bounded waits for the end-to-end suite. Loopback only."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import requests

LOOPBACK = "127.0.0.1"
HTTP_TIMEOUT = 5.0
POLL_SECONDS = 0.25
T = TypeVar("T")


class Cancelled(Exception):
    """The suite is tearing down: a scenario still waiting gives up."""


def free_port() -> int:
    """A port that was free a moment ago (servers that cannot report their own port need one)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def get_json(url: str, **params: Any) -> Any:
    response = requests.get(url, params=params, timeout=HTTP_TIMEOUT)
    response.raise_for_status()
    return response.json()


class Process:
    """A child process with its output in a log file; stop() is safe to call at any time, more than once."""

    def __init__(self, name: str, argv: list[str], log_path: Path, cwd: Path | None = None) -> None:
        self.name, self.argv, self.log_path, self.cwd = name, argv, log_path, cwd
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log_path.open("ab") as log:
            log.write(f"--- start: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, cwd=self.cwd)
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout)

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return "(no log)"
        return "\n".join(text)

    def describe(self) -> str:
        state = "running" if self.running else f"exited {self.popen.returncode}" if self.popen else "not started"
        return f"{self.name} ({state}), log {self.log_path}:\n{self.log_tail()}"


def wait_for(what: str, check: Callable[[], T | None], timeout: float, diagnostics: Callable[[], str],
             cancelled: threading.Event | None = None) -> T:
    """Poll check until it returns something truthy, and return that; after timeout, fail with diagnostics."""
    deadline = time.monotonic() + timeout
    last_error = ""
    while True:
        if cancelled is not None and cancelled.is_set():
            raise Cancelled(what)
        try:
            result = check()
            if result:
                return result
        except (requests.RequestException, ValueError, KeyError) as exc:
            last_error = f"last check raised {type(exc).__name__}: {exc}\n"
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}\n{last_error}{diagnostics()}")
        time.sleep(POLL_SECONDS)


@dataclass(frozen=True)
class Notification:
    """One webhook delivery from Alertmanager, as the sink received it."""

    path: str
    received: float  # time.monotonic()
    payload: dict[str, Any]

    @property
    def receiver(self) -> str:
        return str(self.payload.get("receiver", ""))

    @property
    def status(self) -> str:
        return str(self.payload.get("status", ""))

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return list(self.payload.get("alerts", []))

    def summary(self) -> str:
        alerts = "; ".join(f"{a.get('status')} {_labels(a.get('labels', {}))}" for a in self.alerts)
        return f"{self.path} receiver={self.receiver} status={self.status}: {alerts}"


def _labels(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


@dataclass
class WebhookSink:
    """An HTTP server that records every JSON POST, by path. The OS picks its port, so it never races."""

    notifications: list[Notification] = field(default_factory=list)

    def __post_init__(self) -> None:
        sink = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {"unparsed": body.decode(errors="replace")}
                with lock:
                    sink.notifications.append(Notification(self.path, time.monotonic(), payload))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-sink", daemon=True)

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self._server.server_address[1]}"

    def start(self) -> WebhookSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def received(self, path: str | None = None) -> list[Notification]:
        return [n for n in list(self.notifications) if path is None or n.path == path]

    def find(self, path: str | None, status: str, **labels: str) -> list[Notification]:
        """Deliveries to path (None: any) with the given status that carry an alert with all of labels."""
        return [n for n in self.received(path) if n.status == status and any(
            all(a.get("labels", {}).get(k) == v for k, v in labels.items()) for a in n.alerts)]

    def describe(self) -> str:
        lines = [n.summary() for n in self.received()]
        return "\n".join(lines) if lines else "(nothing received)"


class Servers:
    """Prometheus and Alertmanager HTTP APIs, plus a compact dump of their state for failure messages."""

    def __init__(self, prometheus: str, alertmanager: str, sink: WebhookSink,
                 processes: Callable[[], list[Process]]) -> None:
        self.prometheus = f"http://{prometheus}"
        self.alertmanager = f"http://{alertmanager}"
        self.sink = sink
        self.processes = processes

    def prom(self, path: str, **params: Any) -> Any:
        body = get_json(self.prometheus + path, **params)
        if body.get("status") != "success":
            raise ValueError(f"{path}: {body}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        return list(self.prom("/api/v1/query", query=expr)["result"])

    def scalar(self, expr: str) -> float | None:
        """The value of a query that returns at most one series."""
        result = self.query(expr)
        return float(result[0]["value"][1]) if result else None

    def rules(self) -> list[dict[str, Any]]:
        return list(self.prom("/api/v1/rules")["groups"])

    def prometheus_alerts(self) -> list[dict[str, Any]]:
        return list(self.prom("/api/v1/alerts")["alerts"])

    def targets(self) -> list[dict[str, Any]]:
        return list(self.prom("/api/v1/targets", state="active")["activeTargets"])

    def alertmanager_alerts(self) -> list[dict[str, Any]]:
        return list(get_json(self.alertmanager + "/api/v2/alerts"))

    def metric(self, base_url: str, name: str) -> float:
        """The sum of every sample of name on a server's own /metrics."""
        text = requests.get(base_url + "/metrics", timeout=HTTP_TIMEOUT).text
        pattern = re.compile(rf"^{re.escape(name)}(?:{{[^}}]*}})? (\S+)$", re.M)
        return sum(float(value) for value in pattern.findall(text))

    def diagnostics(self) -> str:
        """The current targets, rules, alerts on both servers, sink contents and process states."""
        sections: list[tuple[str, Callable[[], str]]] = [
            ("Prometheus targets", lambda: "\n".join(
                f"{t['labels'].get('job')} {t['labels'].get('instance')} {t['health']} {t.get('lastError', '')}"
                for t in self.targets())),
            ("Prometheus rules (alerts, and recording rules that are not ok)", lambda: "\n".join(
                f"{g['name']}: {r.get('name')} health={r.get('health')} state={r.get('state', '-')} "
                f"{r.get('lastError', '')}" for g in self.rules() for r in g["rules"]
                if r.get("type") == "alerting" or r.get("health") != "ok")),
            ("Prometheus alerts", lambda: "\n".join(
                f"{a['state']} {_labels(a['labels'])} value={a.get('value')}"
                for a in self.prometheus_alerts()) or "(none)"),
            ("Alertmanager alerts", lambda: "\n".join(
                f"{a['status']['state']} inhibitedBy={a['status'].get('inhibitedBy')} {_labels(a['labels'])}"
                for a in self.alertmanager_alerts()) or "(none)"),
            ("webhook sink", self.sink.describe),
        ]
        out = []
        for title, render in sections:
            try:
                body = render()
            except (requests.RequestException, ValueError, KeyError) as exc:
                body = f"(unavailable: {type(exc).__name__}: {exc})"
            out.append(f"--- {title}\n{body}")
        out += [f"--- {p.describe()}" for p in self.processes() if not p.running]
        return "\n".join(out)
