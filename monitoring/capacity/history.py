"""History from Prometheus' query_range API, fetched in chunks that report progress as they arrive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import requests
from numpy.typing import NDArray

from monitoring.errors import PrometheusError
from monitoring.packs.mcp import CONTAINER

STEP_SECONDS = 3600
CHUNK_SECONDS = 5 * 86400  # one request per five days keeps each answer small and the progress bar moving
TIMEOUT = 30.0
PROGRESS_LABEL = "fetching history"

# progress(label, done, total), as the library's other long-running calls report it
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Resource:
    """One thing to forecast: its query (one series), how to print it, and its threshold in the plan."""

    key: str
    title: str
    query: str
    unit: str  # "ratio" or "rps"


def resources(container: str = CONTAINER) -> tuple[Resource, ...]:
    """CPU as the fleet's average share of the limit (what replicas relieve), memory as the largest pod's share
    (what the OOM killer acts on), and the fleet's requests per second. Rates over an hour: trends, not spikes."""
    pods = "namespace, pod"

    def limit(resource: str, unit: str) -> str:
        return (f'(sum by ({pods}) (kube_pod_container_resource_limits{{container="{container}", '
                f'resource="{resource}", unit="{unit}"}}) > 0)')

    return (
        Resource("cpu", "CPU (share of the limit, fleet average)",
                 f'avg(sum by ({pods}) (rate(container_cpu_usage_seconds_total{{container="{container}"}}[1h]))'
                 f" / {limit('cpu', 'core')})", "ratio"),
        Resource("memory", "Memory (share of the limit, largest pod)",
                 f'max(sum by ({pods}) (container_memory_working_set_bytes{{container="{container}"}})'
                 f" / {limit('memory', 'byte')})", "ratio"),
        Resource("requests", "Requests per second (fleet)", "sum(rate(mcp_requests_total[1h]))", "rps"),
    )


@dataclass(frozen=True)
class History:
    resource: Resource
    times: NDArray[np.float64]
    values: NDArray[np.float64]


def _query_range(session: requests.Session, url: str, query: str, start: float, end: float) -> list[list]:
    try:
        response = session.get(f"{url}/api/v1/query_range", timeout=TIMEOUT,
                               params={"query": query, "start": start, "end": end, "step": STEP_SECONDS})
    except requests.RequestException as exc:
        reason = type(exc).__name__ if not str(exc) else str(exc).split(":")[-1].strip().rstrip("')\"")
        raise PrometheusError(f"cannot reach Prometheus at {url}: {reason or type(exc).__name__}") from None
    try:
        body = response.json()
    except ValueError:
        raise PrometheusError(f"{url} answered {response.status_code} without JSON: is it Prometheus?") from None
    if response.status_code != 200 or body.get("status") != "success":
        raise PrometheusError(f"Prometheus at {url} rejected the query: {body.get('error', response.status_code)}")
    result = body["data"]["result"]
    if len(result) > 1:
        raise PrometheusError(f"the query for one series returned {len(result)}: {query}")
    return result[0]["values"] if result else []


def fetch(url: str, end: float, days: int, session: requests.Session | None = None,
          progress: Progress | None = None, container: str = CONTAINER) -> list[History]:
    """Every resource's hourly history over days up to end; progress(label, done, total) after each request."""
    session = session or requests.Session()
    start = end - days * 86400
    chunks = _chunks(start, end)
    wanted = resources(container)
    total, done = len(wanted) * len(chunks), 0
    histories = []
    for resource in wanted:
        points: dict[float, float] = {}
        for chunk_start, chunk_end in chunks:
            for t, v in _query_range(session, url, resource.query, chunk_start, chunk_end):
                points[float(t)] = float(v)
            done += 1
            if progress is not None:
                progress(PROGRESS_LABEL, done, total)
        if len(points) < 2:
            raise PrometheusError(f"Prometheus at {url} has {len(points)} points of {resource.key} history in the "
                                  f"last {days} days; a trend needs at least two")
        times = np.array(sorted(points), dtype=float)
        histories.append(History(resource, times, np.array([points[t] for t in times], dtype=float)))
    return histories


def _chunks(start: float, end: float) -> list[tuple[float, float]]:
    """[start, end] in pieces of at most CHUNK_SECONDS that share no step."""
    chunks = []
    while start <= end:
        chunks.append((start, min(start + CHUNK_SECONDS, end)))
        start = chunks[-1][1] + STEP_SECONDS
    return chunks


def requests_needed(days: int) -> int:
    return len(_chunks(0, days * 86400)) * len(resources())
