"""Dashboard model objects that the tool builds itself, constructed without validation.

A user's dashboard is validated when it is declared: its queries are parsed, its variables resolved.
The generated service and SLO dashboards are written by this package from a model that is valid already,
so validating them again would only parse thousands of queries the tool wrote. The dashboard checks
(`monitoring validate`) and the tests check what they render instead.

    >>> query("up", legend="{{instance}}").legend
    '{{instance}}'
"""

from __future__ import annotations

from typing import Any

from monitoring.model.dashboards import Dashboard, DashboardRow, Panel, PanelQuery, Threshold


def query(expr: str, **fields: Any) -> PanelQuery:
    return PanelQuery.model_construct(expr=expr, **fields)


def threshold(value: float, color: str) -> Threshold:
    return Threshold.model_construct(value=float(value), color=color)


def panel(**fields: Any) -> Panel:
    for key in ("min", "max"):
        if fields.get(key) is not None:
            fields[key] = float(fields[key])
    return Panel.model_construct(**fields)


def row(**fields: Any) -> DashboardRow:
    return DashboardRow.model_construct(**fields)


def dashboard(**fields: Any) -> Dashboard:
    return Dashboard.model_construct(**fields)
