"""`monitoring capacity` against real Prometheus holding 30 days of backfilled history with a known linear trend.

The history is written as OpenMetrics, turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`,
and served by a Prometheus started on those blocks. Per pod (3 pods, limits 1 core and 2Gi), over the 30 days:
CPU 20% -> 40% of the limit, memory 40% -> 55% of the limit, requests 100/s -> 200/s. 30 days further on the lines
reach 60%, 70% and 900/s for the fleet; with 50% growth: 90%, 105% and 1,350/s.
"""

from __future__ import annotations

import math
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import monitoring
from monitoring.capacity.history import requests_needed
from monitoring.capacity.plan import CapacityPlan, Forecasts, recommend
from monitoring.capacity.report import CapacityReport, forecast_capacity
from monitoring.cli import main
from tests.docstring_examples import run_examples

from .conftest import require_server
from .harness import LOOPBACK, Process, free_port, wait_for

pytestmark = pytest.mark.e2e

DAY = 86400
DAYS = 30
SAMPLE_SECONDS = 900  # 15 minutes: an hourly rate still sees five samples, and promtool writes fewer
PODS = ("mcp-server-0", "mcp-server-1", "mcp-server-2")
GIB = 2**30
LIMIT_CORES, LIMIT_BYTES = 1, 2 * GIB
# value at the start of the history, growth over the 30 days (per pod)
CPU = (0.20, 0.20)  # share of the CPU limit
MEMORY = (0.40, 0.15)  # share of the memory limit
RPS = (100.0, 100.0)  # requests per second


def line(start_and_growth: tuple[float, float], tau: float) -> float:
    start, growth = start_and_growth
    return start + growth * tau / (DAYS * DAY)


def counter(start_and_growth: tuple[float, float], tau: float) -> float:
    """The integral of the line from tau=0: a counter whose rate grows linearly."""
    start, growth = start_and_growth
    return start * tau + growth * tau * tau / (2 * DAYS * DAY)


def openmetrics(begin: float, end: float) -> str:
    """Every series from begin to end, one sample every SAMPLE_SECONDS; tau counts from begin + 2h."""
    origin = begin + 2 * 3600
    times = [begin + i * SAMPLE_SECONDS for i in range(int((end - begin) // SAMPLE_SECONDS) + 1)]
    families: dict[str, list[str]] = {}

    def add(name: str, labels: str, value_at: object) -> None:
        families.setdefault(name, []).extend(
            f"{name}{{{labels}}} {value_at(t - origin)!r} {t:.0f}" for t in times)  # type: ignore[operator]

    for pod in PODS:
        labels = f'namespace="mcp",pod="{pod}",container="mcp-server"'
        # Counters start at a positive offset so that the backfilled window never begins at a "reset".
        add("container_cpu_usage_seconds_total", labels, lambda tau: 1e6 + LIMIT_CORES * counter(CPU, tau))
        add("container_memory_working_set_bytes", labels, lambda tau: LIMIT_BYTES * line(MEMORY, tau))
        add("kube_pod_container_resource_limits", labels + ',resource="cpu",unit="core"', lambda tau: LIMIT_CORES)
        add("kube_pod_container_resource_limits", labels + ',resource="memory",unit="byte"',
            lambda tau: LIMIT_BYTES)
        add("mcp_requests_total", f'namespace="mcp",pod="{pod}",method="tools/call",status="ok"',
            lambda tau: 1e9 + counter(RPS, tau))
    text = []
    for name, samples in families.items():
        text.append(f"# TYPE {name} gauge")
        text.extend(samples)
    return "\n".join(text) + "\n# EOF\n"


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, float]]:
    """Prometheus serving the backfilled blocks: (its URL, the end of the history)."""
    prometheus = require_server("prometheus")
    promtool = require_server("promtool")
    workdir = tmp_path_factory.mktemp("capacity")
    end = math.floor(time.time() / 3600) * 3600
    begin = end - DAYS * DAY - 2 * 3600  # two hours more: the first hourly rate needs the hour before it
    source = workdir / "history.om"
    source.write_text(openmetrics(begin, end + 1800))
    data = workdir / "data"
    started = time.monotonic()
    proc = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(source), str(data)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(f"backfilled {DAYS} days of {15} series in {time.monotonic() - started:.1f}s")
    config = workdir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1m\n")
    port = free_port()
    server = Process("prometheus-capacity", [
        prometheus, f"--config.file={config}", f"--storage.tsdb.path={data}",
        "--storage.tsdb.retention.time=400d", f"--web.listen-address={LOOPBACK}:{port}"],
        workdir / "prometheus.log").start()
    url = f"http://{LOOPBACK}:{port}"
    try:
        wait_for("Prometheus on the backfilled blocks", lambda: requests.get(f"{url}/-/ready", timeout=2).ok,
                 60, server.describe)
        yield url, float(end)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def report(backfilled: tuple[str, float], tmp_path_factory: pytest.TempPathFactory) -> CapacityReport:
    url, end = backfilled
    return forecast_capacity(url, days=DAYS, growth=0.5, ahead=30, now=end,
                             report_dir=tmp_path_factory.mktemp("report"))


def test_forecasts_are_within_2_percent_of_the_known_lines(report: CapacityReport) -> None:
    horizon = 2 * DAYS * DAY  # tau at 30 days past the end of the history
    expected = {"cpu": line(CPU, horizon), "memory": line(MEMORY, horizon), "requests": len(PODS) * line(RPS, horizon)}
    assert expected == pytest.approx({"cpu": 0.6, "memory": 0.7, "requests": 900})
    for key, value in expected.items():
        forecast = report.forecasts[key]
        assert len(forecast.history.times) == DAYS * 24 + 1, key
        assert forecast.trend_at_horizon == pytest.approx(value, rel=0.02), key
        assert forecast.predicted == pytest.approx(value * 1.5, rel=0.02), key


def test_recommendation_is_the_seed_rules_for_those_numbers(report: CapacityReport) -> None:
    # The seed's rules for CPU 90% (> 70%), memory 105% (> 80%) and 1,350/s (> 1,000/s) with 3 replicas and 2Gi:
    # replicas ceil(3 * 0.9 / 0.7) = 4; memory ceil-to-half-Gi(2 * 1.05 / 0.8 = 2.625) = 3Gi;
    # scale-out ceil(3 * 1350 / 1000) = 5 replicas.
    got = [(r.kind, r.recommended) for r in report.recommendations]
    assert got == [("replicas", "4 replicas"), ("memory", "3Gi limit"), ("scale-out", "5 replicas")]
    assert got == [(r.kind, r.recommended) for r in recommend(CapacityPlan(), Forecasts(0.9, 1.05, 1350))]


def test_report_and_charts_are_written(report: CapacityReport) -> None:
    names = sorted(p.name for p in report.files)
    assert names == ["capacity.md", "cpu.png", "memory.png", "requests.png"]
    for path in report.files:
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    markdown = report.files[0].read_text()
    assert "**memory**: 2Gi limit → 3Gi limit" in markdown
    assert "| Requests per second (fleet) |" in markdown


def test_command_line(backfilled: tuple[str, float], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = backfilled
    assert main(["capacity", "--prometheus", url, "--report", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Capacity forecast")
    assert "**scale-out**: 3 replicas → 5 replicas" in out
    assert (tmp_path / "r" / "requests.png").exists()


def test_the_library_prints_nothing_and_returns_the_report(backfilled: tuple[str, float], tmp_path: Path,
                                                            capfd: pytest.CaptureFixture[str]) -> None:
    url, end = backfilled
    session = requests.Session()
    calls: list[tuple[str, int, int]] = []
    report = monitoring.forecast_capacity(url, days=DAYS, growth=0.5, now=end, report_dir=tmp_path / "r",
                                          session=session, progress=lambda *call: calls.append(call))
    assert capfd.readouterr() == ("", "")
    assert isinstance(report, CapacityReport)
    assert [p.relative_to(tmp_path) for p in report.files] == [
        Path("r/capacity.md"), Path("r/cpu.png"), Path("r/memory.png"), Path("r/requests.png")]
    assert [r.kind for r in report.recommendations] == ["replicas", "memory", "scale-out"]
    total = requests_needed(DAYS)
    assert calls == [("fetching history", done, total) for done in range(1, total + 1)]


def test_the_docstring_examples_run(backfilled: tuple[str, float], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """forecast_capacity's and CapacityReport's examples, against the Prometheus that holds the history."""
    url, _ = backfilled
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PROMETHEUS_URL", url)
    for value in (monitoring.forecast_capacity, monitoring.CapacityReport):
        assert run_examples(value.__doc__ or "", value.__name__) > 0
    assert (tmp_path / "capacity-report" / "capacity.md").is_file()
