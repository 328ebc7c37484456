"""One PNG per resource: the history, the fitted trend carried to the horizon, the forecast with growth, and
the threshold it is held against."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, PercentFormatter

from monitoring.capacity.forecast import Trend
from monitoring.capacity.history import History


def _dates(times: np.ndarray) -> list[datetime]:
    return [datetime.fromtimestamp(float(t), UTC) for t in times]


def draw(history: History, trend: Trend, horizon: float, predicted: float, threshold: float,
         growth: float, path: Path) -> None:
    resource = history.resource
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    ax.plot(_dates(history.times), history.values, color="#1f77b4", linewidth=1.2, label="history (hourly)")
    line = np.array([history.times[0], horizon])
    ax.plot(_dates(line), trend.at(line), color="#555555", linestyle="--", linewidth=1.2, label="linear trend")
    ax.scatter(_dates(np.array([horizon])), [predicted], color="#d62728", zorder=5,
               label=f"forecast with +{growth:.0%} growth")
    ax.annotate(_format(predicted, resource.unit), (mdates.date2num(_dates(np.array([horizon]))[0]), predicted),
                textcoords="offset points", xytext=(-10, 8), ha="right", color="#d62728")
    ax.axvline(_dates(history.times[-1:])[0], color="#999999", linewidth=0.8, linestyle=":")
    ax.axhline(threshold, color="#ff7f0e", linewidth=1.2, label=f"threshold {_format(threshold, resource.unit)}")
    verdict = "over the threshold" if predicted > threshold else "within the threshold"
    ax.set_title(f"{resource.title}: forecast {_format(predicted, resource.unit)}, {verdict}")
    ax.set_ylim(bottom=0, top=max(threshold, predicted, float(history.values.max())) * 1.15)
    if resource.unit == "ratio":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}/s"))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _format(value: float, unit: str) -> str:
    return f"{value:.0%}" if unit == "ratio" else f"{value:,.0f}/s"
