"""The capacity plan's thresholds and the recommendations they give for a forecast.

The rules are the deployment guide's: CPU above 70% of the limit asks for more replicas, memory above 80% of the
limit for a larger limit, a fleet request rate above 1,000 per second for scaling out; a fleet of 3 replicas with
2Gi each is the starting point. Every forecast is the fitted trend `ahead` days out, times (1 + growth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from monitoring.packs import mcp_capacity


@dataclass(frozen=True)
class CapacityPlan:
    """The thresholds and the fleet the recommendations start from."""

    cpu_target: float = mcp_capacity.CPU_TARGET_RATIO
    memory_target: float = mcp_capacity.MEMORY_TARGET_RATIO
    fleet_rps: float = mcp_capacity.FLEET_RPS_CAPACITY
    replicas: int = mcp_capacity.REPLICAS
    memory_limit_gi: float = mcp_capacity.MEMORY_LIMIT_GI


@dataclass(frozen=True)
class Forecasts:
    """Predicted values (growth applied): CPU and memory as shares of their limits, requests per second."""

    cpu_ratio: float
    memory_ratio: float
    fleet_rps: float


@dataclass(frozen=True)
class Recommendation:
    kind: str  # "replicas", "memory" or "scale-out"
    current: str
    recommended: str
    reason: str

    def line(self) -> str:
        return f"**{self.kind}**: {self.current} → {self.recommended} ({self.reason})"


def _ceil_half(value: float) -> float:
    """Up to the next half Gi, the granularity memory limits are usually set in."""
    return math.ceil(round(value * 2, 9)) / 2


def _gi(value: float) -> str:
    return f"{Decimal(str(value)).normalize():f}Gi"


def recommend(plan: CapacityPlan, forecast: Forecasts) -> list[Recommendation]:
    """The seed's rules; an empty list means the plan holds for the forecast."""
    found = []
    if forecast.cpu_ratio > plan.cpu_target:
        replicas = math.ceil(round(plan.replicas * forecast.cpu_ratio / plan.cpu_target, 9))
        found.append(Recommendation("replicas", f"{plan.replicas} replicas", f"{replicas} replicas",
                                    f"CPU forecast {forecast.cpu_ratio:.0%} of the limit exceeds "
                                    f"{plan.cpu_target:.0%}"))
    if forecast.memory_ratio > plan.memory_target:
        limit = _ceil_half(plan.memory_limit_gi * forecast.memory_ratio / plan.memory_target)
        found.append(Recommendation("memory", f"{_gi(plan.memory_limit_gi)} limit", f"{_gi(limit)} limit",
                                    f"memory forecast {forecast.memory_ratio:.0%} of the limit exceeds "
                                    f"{plan.memory_target:.0%}"))
    if forecast.fleet_rps > plan.fleet_rps:
        replicas = math.ceil(round(plan.replicas * forecast.fleet_rps / plan.fleet_rps, 9))
        found.append(Recommendation("scale-out", f"{plan.replicas} replicas", f"{replicas} replicas",
                                    f"request rate forecast {forecast.fleet_rps:,.0f}/s exceeds "
                                    f"{plan.fleet_rps:,.0f}/s for the fleet"))
    return found
