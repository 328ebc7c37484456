"""The demo's HTTP side: /metrics for Prometheus, /health and /ready for probes, /control for fault injection,
and the traffic clock."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from monitoring.demo.workload import Workload

TICK_SECONDS = 0.1
MAX_CONTROL_BYTES = 64 * 1024


def _handler(workload: Workload) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                with workload.lock:
                    if not workload.serving:
                        self._send(503, b"not serving\n", "text/plain; charset=utf-8")
                        return
                    body = generate_latest(workload.registry)
                self._send(200, body, CONTENT_TYPE_LATEST)
            elif self.path in ("/health", "/ready"):
                with workload.lock:
                    # Liveness: the process answers. Readiness: it serves and has not been told it is not ready.
                    ok = self.path == "/health" or (workload.serving and workload.knobs["ready"])
                self._send(200 if ok else 503, b"ok\n" if ok else b"not ready\n", "text/plain; charset=utf-8")
            elif self.path == "/control":
                with workload.lock:
                    self._json(200, workload.state())
            else:
                self._json(404, {"error": f"no such path {self.path!r}: use /metrics, /health, /ready or /control"})

        def do_POST(self) -> None:
            if self.path != "/control":
                self._json(404, {"error": f"no such path {self.path!r}: POST to /control"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_CONTROL_BYTES:
                self._json(413, {"error": "control body too large"})
                return
            try:
                changes = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("the body must be a JSON object of knob: value")
                self._json(200, workload.control(changes))
            except ValueError as exc:  # json.JSONDecodeError is a ValueError
                self._json(400, {"error": str(exc)})

        def _json(self, status: int, data: dict[str, Any]) -> None:
            self._send(status, (json.dumps(data, sort_keys=True) + "\n").encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per scrape would drown the logs

    return Handler


class DemoServer:
    """Serves a workload on host:port and advances it every TICK_SECONDS until stopped."""

    def __init__(self, workload: Workload, host: str, port: int) -> None:
        self.workload = workload
        self.http = ThreadingHTTPServer((host, port), _handler(workload))
        self.http.daemon_threads = True
        self._stop = threading.Event()
        self._clock = threading.Thread(target=self._run_clock, name="demo-clock", daemon=True)
        self._http_thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.http.server_address[1])

    def _run_clock(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(TICK_SECONDS):
            now = time.monotonic()
            self.workload.tick(now - last)
            last = now

    def start(self) -> None:
        """Serve in background threads (for tests and embedding); stop() ends them."""
        self._clock.start()
        self._http_thread = threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.05},
                                             name="demo-http", daemon=True)
        self._http_thread.start()

    def serve_forever(self) -> None:
        self._clock.start()
        try:
            self.http.serve_forever()
        finally:
            self._stop.set()
            self.http.server_close()

    def stop(self) -> None:
        self._stop.set()
        if self._http_thread is not None:
            self.http.shutdown()  # returns once serve_forever has left its loop
            self._http_thread.join(timeout=5)
        self._clock.join(timeout=5)
        self.http.server_close()
