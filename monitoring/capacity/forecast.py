"""A linear trend fitted to history (least squares), and where it leads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Trend:
    """value = intercept + slope * (t - origin), t in Unix seconds."""

    origin: float
    intercept: float
    slope: float  # per second

    def at(self, t: float | NDArray[np.float64]) -> float | NDArray[np.float64]:
        return self.intercept + self.slope * (np.asarray(t, dtype=float) - self.origin)


def fit(times: NDArray[np.float64], values: NDArray[np.float64]) -> Trend:
    """The least-squares line through the points; needs two distinct times."""
    origin = float(times[0])
    slope, intercept = np.polyfit(times - origin, values, 1)
    return Trend(origin, float(intercept), float(slope))
