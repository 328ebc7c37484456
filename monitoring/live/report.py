"""The live reports as text: what `check` found dead, and the backtest table."""

from __future__ import annotations

from monitoring.live.backtest import BacktestReport, describe_seconds
from monitoring.live.series_check import CheckReport


def check_lines(report: CheckReport) -> list[str]:
    """One line per dead rule or panel (its reasons indented under it), then a summary line."""
    lines = []
    for item in report.dead:
        lines.append(f"DEAD {item.kind} {item.name!r} ({item.where})")
        lines += [f"    {reason}" for reason in item.dead]
    kinds = {kind: sum(1 for i in report.items if i.kind == kind) for kind in ("alert", "record", "panel")}
    lines.append(f"{len(report.dead)} dead of {kinds['alert']} alerts, {kinds['record']} recording rules and "
                 f"{kinds['panel']} dashboard queries, against {report.prometheus} (series seen in the last "
                 f"{report.lookback}; {report.queries} queries)")
    return lines


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def backtest_table(report: BacktestReport) -> list[str]:
    """alert | episodes | firing | episodes per day, and the episodes of every alert that fired."""
    data = report.as_json()
    header = ("alert", "episodes", "firing", "per day")
    rows = [(a.name, str(len(a.episodes)), describe_seconds(a.firing_seconds), f"{a.per_day:.2f}")
            for a in report.alerts]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]
    lines = [f"backtest {data['start']} .. {data['end']} against {report.prometheus} ({report.queries} queries)",
             _row(header, widths)]
    lines += [_row(row, widths) for row in rows]
    for alert in report.alerts:
        for episode in alert.episodes:
            labels = ", ".join(f"{k}={v}" for k, v in sorted(episode.labels.items()) if k != "alertname")
            shown = episode.as_json()
            lines.append(f"  {alert.name} {shown['start']} .. {shown['end']} ({describe_seconds(episode.seconds)})"
                         f"{' {' + labels + '}' if labels else ''}")
    return lines
