"""`monitoring backtest --prometheus URL --range 7d`: how every alert would have fired over a past range.

Each alert's expression is evaluated through `query_range` at its group's evaluation interval, as the rule
manager would have evaluated it. A series is active at a step when the expression returns it; it fires once
it has been active without a gap for `for` (Prometheus' pending state), and keeps firing for
`keep_firing_for` after it stops being active. Per alert: the firing episodes (per label set), the total time
at least one of them fired, and flapping as episodes per day. Long ranges are asked in chunks that stay under
Prometheus' 11,000 points per series, each with enough history before it for `for` to be honoured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from monitoring.live.client import PrometheusClient
from monitoring.live.sources import read_rules
from monitoring.units import duration_ms, format_duration

MAX_POINTS = 10_000  # per query: Prometheus refuses more than 11,000 points per series


@dataclass(frozen=True)
class Episode:
    """One label set firing from start to end (seconds since the epoch; end is when it stopped firing)."""

    labels: dict[str, str]
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def as_json(self) -> dict[str, Any]:
        return {"labels": self.labels, "start": _iso(self.start), "end": _iso(self.end), "seconds": self.seconds}


@dataclass
class AlertHistory:
    """What one alert would have done over the range."""

    name: str
    file: str
    for_: str | None
    episodes: list[Episode] = field(default_factory=list)
    firing_seconds: float = 0.0
    days: float = 1.0

    @property
    def per_day(self) -> float:
        return len(self.episodes) / self.days

    def as_json(self) -> dict[str, Any]:
        return {"alert": self.name, "file": self.file, "for": self.for_ or "0s",
                "episodes": [e.as_json() for e in self.episodes], "firing_seconds": self.firing_seconds,
                "episodes_per_day": round(self.per_day, 3)}


@dataclass
class BacktestReport:
    prometheus: str
    start: float
    end: float
    alerts: list[AlertHistory]
    queries: int

    def as_json(self) -> dict[str, Any]:
        return {"prometheus": self.prometheus, "start": _iso(self.start), "end": _iso(self.end),
                "alerts": [a.as_json() for a in self.alerts]}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def episodes(samples: list[float], step: float, hold: float, keep: float, start: float, end: float,
             labels: dict[str, str]) -> list[Episode]:
    """Firing episodes of one series from the times it was active (sorted), honouring for and keep_firing_for.

    A step without the series resets the pending state, as a missed evaluation does in Prometheus, unless
    keep_firing_for still holds the alert firing. An episode runs from the first evaluation that fires to the
    first that does not (bounded by the range).
    """
    found: list[Episode] = []
    active_since: float | None = None
    previous: float | None = None
    firing_from: float | None = None
    last_firing: float | None = None
    for t in samples:
        if previous is None or t - previous > step * 1.5:  # a gap: the pending state starts over
            if firing_from is not None and last_firing is not None and keep and t < last_firing + step + keep:
                previous = last_firing = t  # still held firing by keep_firing_for: the same episode goes on
                continue
            if firing_from is not None and last_firing is not None:
                stop = min(last_firing + step + keep, t)
                if stop > start:
                    found.append(Episode(labels, max(firing_from, start), min(stop, end)))
                firing_from = None
            active_since = t
        previous = t
        assert active_since is not None
        if t - active_since >= hold - 1e-6:
            if firing_from is None:
                firing_from = t
            last_firing = t
    if firing_from is not None and last_firing is not None:
        stop = min(last_firing + step + keep, end)
        if stop > start:
            found.append(Episode(labels, max(firing_from, start), stop))
    return found


def _union_seconds(spans: list[tuple[float, float]]) -> float:
    total, reach = 0.0, None
    for lo, hi in sorted(spans):
        if reach is None or lo > reach:
            total += hi - lo
            reach = hi
        elif hi > reach:
            total += hi - reach
            reach = hi
    return total


def _chunks(start: float, end: float, step: float, history: float) -> list[tuple[float, float]]:
    """Query windows of at most MAX_POINTS steps each, every one reaching `history` back before its part."""
    size = step * MAX_POINTS - history
    if size <= step:
        raise ValueError("for is too long for the evaluation interval to be backtested in chunks")
    windows, at = [], start
    while at < end:
        windows.append((at, min(at + size, end)))
        at += size
    return windows


def backtest(client: PrometheusClient, out_dir: Path, range_: str, *, end: float | None = None,
             progress: Callable[[int, int], None] | None = None) -> BacktestReport:
    """Every alert of out_dir evaluated over the last range_ (ending at end, default Prometheus' now)."""
    alerts = [r for r in read_rules(out_dir) if r.kind == "alert"]
    stop = client.now() if end is None else end
    begin = stop - duration_ms(range_) / 1000
    plans = []
    for rule in alerts:
        step = duration_ms(rule.interval) / 1000
        hold = duration_ms(rule.for_ or "0s") / 1000
        keep = duration_ms(rule.keep_firing_for or "0s") / 1000
        # Align evaluations to the step, as Prometheus does, and look back far enough to honour for.
        first = (begin // step) * step
        plans.append((rule, step, hold, keep, _chunks(first, stop, step, hold + step)))
    total = sum(len(chunks) for *_, chunks in plans)
    done = 0
    histories = []
    for rule, step, hold, keep, chunks in plans:
        active: dict[tuple[tuple[str, str], ...], set[float]] = {}
        for lo, hi in chunks:
            for series in client.query_range(rule.expr, lo - hold - step, hi, step):
                key = tuple(sorted(series["metric"].items()))
                active.setdefault(key, set()).update(float(t) for t, _ in series["values"])
            done += 1
            if progress:
                progress(done, total)
        history = AlertHistory(rule.name, rule.file, rule.for_, days=max((stop - begin) / 86400, 1e-9))
        for key, times in sorted(active.items()):
            labels = {"alertname": rule.name, **{k: v for k, v in key if k != "__name__"}}
            history.episodes += episodes(sorted(times), step, hold, keep, begin, stop, labels)
        history.episodes.sort(key=lambda e: (e.start, sorted(e.labels.items())))
        history.firing_seconds = _union_seconds([(e.start, e.end) for e in history.episodes])
        histories.append(history)
    return BacktestReport(client.url, begin, stop, histories, client.requests)


def describe_seconds(seconds: float) -> str:
    return format_duration(round(seconds) * 1000) if seconds else "0s"
