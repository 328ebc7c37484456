"""Small modern dashboards for the lint check tables: valid as built, broken one field at a time."""

from __future__ import annotations

import copy
from typing import Any

from monitoring.checks.lint import Check, DashboardDocument, LintContext

SOURCE = "d.json"
DS = {"type": "prometheus", "uid": "${datasource}"}
KNOWN = frozenset({"up", "http_requests_total", "http_request_duration_seconds_bucket"})
OPTIONS: dict[str, dict[str, Any]] = {
    "timeseries": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
                   "tooltip": {"mode": "single", "sort": "none"}},
    "stat": {"graphMode": "area", "colorMode": "value", "justifyMode": "auto", "textMode": "auto",
             "wideLayout": True, "showPercentChange": False, "percentChangeColorMode": "standard",
             "orientation": "auto", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}},
    "text": {"mode": "markdown", "content": "hello"},
}


def target(expr: str = 'sum(rate(http_requests_total{job=~"$job"}[$__rate_interval]))', ref: str = "A",
           **extra: Any) -> dict[str, Any]:
    return {"refId": ref, "expr": expr, "datasource": DS, **extra}


def panel(ident: int = 1, title: str = "Requests", kind: str = "timeseries", *, x: int = 0, y: int = 0,
          w: int = 12, h: int = 8, targets: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": ident, "type": kind, "title": title, "gridPos": {"x": x, "y": y, "w": w, "h": h},
                            "options": copy.deepcopy(OPTIONS.get(kind, {}))}
    if kind != "text":
        data["datasource"] = DS
        data["targets"] = targets if targets is not None else [target()]
        data["fieldConfig"] = {"defaults": {}, "overrides": []}
    data.update(extra)
    return data


def row(ident: int, title: str = "Row", *, y: int = 0, collapsed: bool = False,
        panels: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": ident, "type": "row", "title": title, "collapsed": collapsed,
            "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": panels or []}


def dashboard(*panels: dict[str, Any], variables: tuple[str, ...] = ("datasource", "job"),
              **extra: Any) -> dict[str, Any]:
    templating = []
    for name in variables:
        if name == "datasource":
            templating.append({"name": name, "type": "datasource", "query": "prometheus"})
        else:
            templating.append({"name": name, "type": "query", "datasource": DS,
                               "query": f"label_values(up, {name})"})
    data = {"uid": "d", "title": "D", "schemaVersion": 39, "annotations": {"list": []},
            "templating": {"list": templating}, "panels": list(panels) if panels else [panel()]}
    data.update(extra)
    return data


def messages(check: Check, data: dict[str, Any], known: frozenset[str] | None = KNOWN) -> list[str]:
    return [p.message for p in check.run(DashboardDocument(SOURCE, data), LintContext(known))]
