"""The capacity report: fetch history, fit, forecast, recommend; then Markdown and a chart per resource.

A library call that prints nothing: `forecast_capacity` returns a CapacityReport and raises only the documented
errors (monitoring.errors): UsageError for arguments out of range, PrometheusError when Prometheus cannot be
asked or holds too little history. The command line prints the report.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from monitoring.capacity import chart
from monitoring.capacity.forecast import Trend, fit
from monitoring.capacity.history import STEP_SECONDS, History, Progress, fetch
from monitoring.capacity.plan import CapacityPlan, Forecasts, Recommendation, recommend
from monitoring.errors import UsageError

_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")
MAX_DAYS = 365


def parse_growth(text: str) -> float:
    """'50%' -> 0.5 (the command line's --growth); anything else is a UsageError."""
    match = _PERCENT.match(text.strip())
    if match is None:
        raise UsageError(f"--growth {text!r} must be a percentage such as 50%")
    return float(match.group(1)) / 100


def check_days(days: int, what: str = "days") -> int:
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"{what} {days} must be a whole number of days from 1 to {MAX_DAYS}")
    return days


@dataclass(frozen=True)
class ResourceForecast:
    """One resource's history, its fitted trend, and the forecast held against its threshold."""

    history: History
    trend: Trend
    now: float  # the trend at the end of the history
    trend_at_horizon: float
    predicted: float  # trend at the horizon, times (1 + growth)
    threshold: float


@dataclass
class CapacityReport:
    """What `forecast_capacity` found: per resource the forecast (`forecasts`, keyed cpu, memory, requests), the
    plan's recommendations (none: the plan holds), and the files it wrote. `markdown()` is capacity.md's text.

        url = os.environ.get("PROMETHEUS_URL", "http://localhost:9090")
        report = monitoring.forecast_capacity(url, report_dir=Path("capacity-report"))
        over = [key for key, f in report.forecasts.items() if f.predicted > f.threshold]

    Fields: `prometheus`, the URL asked; `days`, the days of history fetched; `ahead`, the days forecast; `growth`,
    the growth added on top of the trend (0.5 is 50%); `end`, the last hour of history (seconds since the epoch,
    the forecast's start); `plan`, the capacity plan the recommendations are against; `forecasts`, per resource
    the history, the fitted trend and the forecast; `recommendations`, what to change (empty: the plan holds);
    `files`, capacity.md and the charts written to report_dir (empty without one).
    """

    prometheus: str
    days: int
    ahead: int
    growth: float
    end: float
    plan: CapacityPlan
    forecasts: dict[str, ResourceForecast] = field(default_factory=dict)
    recommendations: list[Recommendation] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def markdown(self) -> str:
        unit = {"ratio": lambda v: f"{v:.1%}", "rps": lambda v: f"{v:,.1f}/s"}
        lines = [
            "# Capacity forecast",
            "",
            f"History: the last {self.days} days from {self.prometheus}, hourly, fitted with a straight line. "
            f"Forecast: {self.ahead} days ahead, with {self.growth:.0%} growth on top of the trend.",
            "",
            "| resource | now (trend) | trend in "
            f"{self.ahead} days | forecast (+{self.growth:.0%}) | threshold | status |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for f in self.forecasts.values():
            fmt = unit[f.history.resource.unit]
            status = "over" if f.predicted > f.threshold else "ok"
            lines.append(f"| {f.history.resource.title} | {fmt(f.now)} | {fmt(f.trend_at_horizon)} | "
                         f"{fmt(f.predicted)} | {fmt(f.threshold)} | {status} |")
        lines += ["", "## Recommendations", ""]
        lines += [f"- {r.line()}" for r in self.recommendations] or [
            f"- No change: {self.plan.replicas} replicas with {self.plan.memory_limit_gi:g}Gi each hold for the next "
            f"{self.ahead} days."]
        lines += ["", "## Charts", ""]
        lines += [f"![{f.history.resource.title}]({f.history.resource.key}.png)" for f in self.forecasts.values()]
        return "\n".join(lines) + "\n"


def forecast_capacity(prometheus: str, *, days: int = 30, growth: float = 0.5, ahead: int = 30,
                      report_dir: Path | None = None, plan: CapacityPlan | None = None, now: float | None = None,
                      session: requests.Session | None = None,
                      progress: Progress | None = None) -> CapacityReport:
    """Forecast CPU, memory and request rate from Prometheus history, and what the capacity plan recommends.

    Fetches `days` of hourly history from the Prometheus at `prometheus` (through `session` when given, e.g. one
    with credentials), fits a straight line per resource and carries it `ahead` days, times (1 + growth). With
    `report_dir`, writes capacity.md and one PNG per resource there (`report.files`). `progress(label, done,
    total)` is called after each request. Prints nothing; raises UsageError for arguments out of range or a
    report_dir it cannot write to, and PrometheusError when Prometheus cannot be asked or holds too little
    history.

        url = os.environ.get("PROMETHEUS_URL", "http://localhost:9090")
        report = monitoring.forecast_capacity(url, days=30, growth=0.5)
        for r in report.recommendations:
            print(r.kind, r.current, "->", r.recommended)
    """
    check_days(days)
    check_days(ahead, "ahead")
    if not math.isfinite(growth) or growth < 0:
        raise UsageError(f"growth {growth!r} must be a percentage of 0% or more")
    plan = plan or CapacityPlan()
    if report_dir is not None:
        _check_report_dir(report_dir)  # before days of history are fetched for nothing
    prometheus = prometheus.rstrip("/")
    end = math.floor((now if now is not None else time.time()) / STEP_SECONDS) * STEP_SECONDS
    report = CapacityReport(prometheus, days, ahead, growth, end, plan)
    thresholds = {"cpu": plan.cpu_target, "memory": plan.memory_target, "requests": plan.fleet_rps}
    horizon = end + ahead * 86400
    for history in fetch(prometheus, end, days, session, progress):
        trend = fit(history.times, history.values)
        at_horizon = float(trend.at(horizon))
        report.forecasts[history.resource.key] = ResourceForecast(
            history, trend, float(trend.at(end)), at_horizon, at_horizon * (1 + growth),
            thresholds[history.resource.key])
    predicted = {key: f.predicted for key, f in report.forecasts.items()}
    report.recommendations = recommend(plan, Forecasts(cpu_ratio=predicted["cpu"], memory_ratio=predicted["memory"],
                                                       fleet_rps=predicted["requests"]))
    if report_dir is not None:
        try:
            report_dir.mkdir(parents=True, exist_ok=True)
            for key, f in report.forecasts.items():
                path = report_dir / f"{key}.png"
                chart.draw(f.history, f.trend, horizon, f.predicted, f.threshold, growth, path)
                report.files.append(path)
            markdown = report_dir / "capacity.md"
            markdown.write_text(report.markdown(), encoding="utf-8")
        except OSError as exc:  # the disk filled, the directory went away
            raise UsageError(_cannot_write(report_dir, exc)) from None
        report.files.insert(0, markdown)
    return report


def _check_report_dir(report_dir: Path) -> None:
    """A report_dir that cannot be made (a file on its path, a NUL byte, a name too long) is the caller's
    mistake. Nothing is made yet: a forecast that fails leaves no directory behind."""
    if "\0" in str(report_dir):  # Path.exists() answers False for it
        raise UsageError(_cannot_write(report_dir, ValueError()))
    try:
        for path in (report_dir, *report_dir.parents):
            if path.exists():
                if not path.is_dir():
                    raise UsageError(f"cannot write the capacity report to {str(report_dir)!r}: {path} is a file")
                return
    except (OSError, ValueError) as exc:
        raise UsageError(_cannot_write(report_dir, exc)) from None


def _cannot_write(report_dir: Path, exc: Exception) -> str:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "a path cannot hold a NUL byte"
    return f"cannot write the capacity report to {str(report_dir)!r}: {reason}"
