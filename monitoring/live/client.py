"""A small Prometheus HTTP API client: instant and range queries, with one-line errors.

    client = PrometheusClient("http://prometheus:9090")
    client.query('count(up{job="api"})')          # -> [{"metric": {...}, "value": [t, "1"]}]
    client.query_range("up == 0", start, end, 30)  # -> [{"metric": {...}, "values": [[t, "0"], ...]}]

A bearer token comes from $PROMETHEUS_TOKEN (or a file named by $PROMETHEUS_TOKEN_FILE), never from the command
line, so that it stays out of shell history and process lists.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import requests

from monitoring.errors import PrometheusError, UsageError
from monitoring.units import split_base_url

TIMEOUT_SECONDS = 30.0


def check_url(url: str) -> str:
    """The base URL without a trailing slash, or UsageError naming what is wrong with it (showing the URL only
    once it is known to carry no credentials)."""
    try:
        parts = split_base_url(url)
    except ValueError as exc:
        raise UsageError(f"--prometheus {exc}") from None
    if parts.username or parts.password:
        raise UsageError("--prometheus must not carry credentials: set PROMETHEUS_TOKEN or PROMETHEUS_TOKEN_FILE")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--prometheus {url!r} must be an http(s) URL such as http://localhost:9090")
    if parts.query or parts.fragment:
        raise UsageError(f"--prometheus {url!r} must be a base URL, without a query or fragment")
    return url.rstrip("/")


def _token() -> str | None:
    if token := os.environ.get("PROMETHEUS_TOKEN"):
        return token.strip()
    if path := os.environ.get("PROMETHEUS_TOKEN_FILE"):
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"PROMETHEUS_TOKEN_FILE {path!r} cannot be read ({exc.strerror})") from None
    return None


class PrometheusClient:
    """Queries one Prometheus; every failure is a PrometheusError with a one-line message."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = check_url(url)
        self.timeout = timeout
        self.session = requests.Session()
        if token := _token():
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.requests = 0

    def _get(self, path: str, params: dict[str, Any], *, method: str = "POST") -> Any:
        where = f"Prometheus at {self.url}"
        self.requests += 1
        try:
            # Queries go as POST (long expressions); endpoints that only answer GET say so.
            response = (self.session.post(f"{self.url}{path}", data=params, timeout=self.timeout) if method == "POST"
                        else self.session.get(f"{self.url}{path}", params=params, timeout=self.timeout))
        except requests.exceptions.InvalidURL:
            raise UsageError(f"--prometheus {self.url!r} is not a usable URL") from None
        except requests.Timeout:
            raise PrometheusError(f"{where} did not answer within {self.timeout:g}s") from None
        except requests.ConnectionError:
            raise PrometheusError(f"{where} is unreachable (connection failed)") from None
        if response.status_code in (401, 403):
            raise PrometheusError(f"{where} refused the request ({response.status_code}): set PROMETHEUS_TOKEN or "
                                  "PROMETHEUS_TOKEN_FILE to a token it accepts")
        try:
            body = response.json()
        except ValueError:
            raise PrometheusError(f"{where} answered {path} with HTTP {response.status_code} and no JSON: is this "
                                  "Prometheus' address?") from None
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error", "") if isinstance(body, dict) else ""
            raise PrometheusError(f"{where} answered {path} with HTTP {response.status_code}: "
                                  f"{' '.join(str(error).split()) or 'no error message'}")
        return body.get("data")

    def query(self, expr: str, time: float | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"query": expr}
        if time is not None:
            params["time"] = f"{time:.3f}"
        data = self._get("/api/v1/query", params)
        return data.get("result", []) if data.get("resultType") == "vector" else []

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
        data = self._get("/api/v1/query_range", {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}",
                                                 "step": f"{step:g}"})
        return data.get("result", [])

    def metric_types(self) -> dict[str, str]:
        """Metric family -> type (counter, gauge, histogram, summary...) as the scraped targets declare them, from
        /api/v1/metadata; a family whose targets disagree is left out."""
        data = self._get("/api/v1/metadata", {}, method="GET") or {}
        types: dict[str, str] = {}
        for family, entries in sorted(data.items()) if isinstance(data, dict) else ():
            kinds = {e.get("type") for e in entries if isinstance(e, dict)}
            if len(kinds) == 1 and isinstance(next(iter(kinds)), str):
                types[family] = next(iter(kinds))
        return types

    def now(self) -> float:
        """Prometheus' own clock, so that ranges mean the same on both sides."""
        result = self._get("/api/v1/query", {"query": "time()"})
        return float(result["result"][0])
