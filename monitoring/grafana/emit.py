"""Typed builders for Grafana's current dashboard JSON (schemaVersion 39): each writes only what is set.

The generated dashboards go from the model straight to this JSON; nothing is normalised or re-validated
afterwards (the dashboard checks and the tests validate it against Grafana's published schemas). The
builders return plain dicts, so a dashboard is serialised without a conversion step.

    >>> stat(panel_id=1, title="Up", grid=grid_pos(4, 6, 0, 0), targets=[target("up", "A")], unit="none")["type"]
    'stat'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from monitoring.grafana.datasource import datasource_ref
from monitoring.grafana.schemas import SCHEMA_VERSION

Json = dict[str, Any]
QueryFormat = Literal["time_series", "table", "heatmap"]

REFRESH_INTERVALS = ("5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "1d")
_REDUCE_LAST = {"calcs": ["lastNotNull"], "fields": "", "values": False}
_LEGEND_LIST = {"calcs": [], "displayMode": "list", "placement": "bottom"}


def _set(data: Json, **values: Any) -> Json:
    """data with the values that are not None."""
    for key, value in values.items():  # a plain loop: this runs for every panel of every generated dashboard
        if value is not None:
            data[key] = value
    return data


def grid_pos(h: int, w: int, x: int, y: int) -> Json:
    return {"h": h, "w": w, "x": x, "y": y}


def target(expr: str, ref_id: str, *, legend: str = "", instant: bool = False,
           query_format: QueryFormat = "time_series") -> Json:
    """A Prometheus query of a panel, on the dashboard's data source."""
    return {"datasource": datasource_ref(), "expr": expr, "format": query_format, "instant": instant,
            "legendFormat": legend, "refId": ref_id}


def thresholds(base_color: str, steps: Sequence[tuple[float, str]]) -> Json:
    """Absolute thresholds: base_color below the first step, then each (value, color) from its value up."""
    return {"mode": "absolute",
            "steps": [{"color": base_color, "value": None}, *({"color": c, "value": v} for v, c in steps)]}


def field_defaults(*, unit: str | None = None, decimals: int | None = None, min: float | None = None,
                   max: float | None = None, thresholds: Json | None = None, color: Json | None = None,
                   custom: Json | None = None) -> Json:
    """`fieldConfig` with the defaults that are set and no overrides."""
    defaults = _set({}, unit=unit, decimals=decimals, min=min, max=max, thresholds=thresholds, color=color,
                    custom=custom)
    return {"defaults": defaults, "overrides": []}


def _panel(kind: str, panel_id: int, title: str, grid: Json, targets: list[Json] | None, description: str | None,
           field_config: Json | None, options: Json) -> Json:
    panel = _set({"type": kind, "id": panel_id, "title": title, "gridPos": grid, "options": options},
                 description=description or None, fieldConfig=field_config, targets=targets)
    if targets is not None:
        panel["datasource"] = datasource_ref()
    return panel


def timeseries(*, panel_id: int, title: str, grid: Json, targets: list[Json], description: str | None = None,
               defaults: Json, stacked: bool = False, thresholds_style: Literal["off", "dashed"] = "off") -> Json:
    """Lines (filled below, or stacked), every series in the tooltip, largest first."""
    custom = {
        "axisLabel": "", "axisPlacement": "auto", "barAlignment": 0, "drawStyle": "line",
        "fillOpacity": 30 if stacked else 10, "gradientMode": "none" if stacked else "opacity",
        "hideFrom": {"legend": False, "tooltip": False, "viz": False}, "lineInterpolation": "linear",
        "lineWidth": 1, "pointSize": 5, "scaleDistribution": {"type": "linear"}, "showPoints": "auto",
        "spanNulls": False, "stacking": {"group": "A", "mode": "normal" if stacked else "none"},
        "thresholdsStyle": {"mode": thresholds_style},
    }
    defaults["defaults"].update(color={"mode": "palette-classic"}, custom=custom)
    options = {"legend": {**_LEGEND_LIST, "showLegend": True}, "tooltip": {"mode": "multi", "sort": "desc"}}
    return _panel("timeseries", panel_id, title, grid, targets, description, defaults, options)


def stat(*, panel_id: int, title: str, grid: Json, targets: list[Json], description: str | None = None,
         defaults: Json | None = None, unit: str | None = None) -> Json:
    """The last value, coloured by the thresholds, over a sparkline."""
    options = {"colorMode": "value", "graphMode": "area", "justifyMode": "auto", "orientation": "auto",
               "percentChangeColorMode": "standard", "reduceOptions": dict(_REDUCE_LAST), "showPercentChange": False,
               "textMode": "auto", "wideLayout": True}
    return _panel("stat", panel_id, title, grid, targets, description,
                  defaults or field_defaults(unit=unit), options)


def gauge(*, panel_id: int, title: str, grid: Json, targets: list[Json], description: str | None = None,
          defaults: Json) -> Json:
    """The last value on a dial, with threshold markers."""
    options = {"minVizHeight": 75, "minVizWidth": 75, "orientation": "auto", "reduceOptions": dict(_REDUCE_LAST),
               "showThresholdLabels": False, "showThresholdMarkers": True, "sizing": "auto"}
    return _panel("gauge", panel_id, title, grid, targets, description, defaults, options)


def bargauge(*, panel_id: int, title: str, grid: Json, targets: list[Json], description: str | None = None,
             defaults: Json) -> Json:
    """One horizontal gradient bar per series, by its last value."""
    options = {"displayMode": "gradient", "legend": {**_LEGEND_LIST, "showLegend": False}, "maxVizHeight": 300,
               "minVizHeight": 16, "minVizWidth": 8, "namePlacement": "auto", "orientation": "horizontal",
               "reduceOptions": dict(_REDUCE_LAST), "showUnfilled": True, "sizing": "auto", "valueMode": "color"}
    return _panel("bargauge", panel_id, title, grid, targets, description, defaults, options)


def table(*, panel_id: int, title: str, grid: Json, targets: list[Json], description: str | None = None,
          defaults: Json, value_names: dict[str, str], sort_by: str) -> Json:
    """An instant table: one row per series, labels as columns, each query's value column renamed."""
    defaults["defaults"]["custom"] = {"align": "auto", "filterable": False, "inspect": False}
    options = {"frameIndex": 0, "showHeader": True, "sortBy": [{"desc": True, "displayName": sort_by}]}
    panel = _panel("table", panel_id, title, grid, targets, description, defaults, options)
    transformations = [{"id": "merge", "options": {}}] if len(targets) > 1 else []
    transformations.append({"id": "organize", "options": {"excludeByName": {"Time": True},
                                                          "renameByName": value_names}})
    panel["transformations"] = transformations
    return panel


def heatmap(*, panel_id: int, title: str, grid: Json, targets: list[Json], description: str | None = None,
            defaults: Json, unit: str | None = None) -> Json:
    """Precomputed buckets (`le` series) over time."""
    y_axis = _set({"axisPlacement": "left"}, unit=unit)
    options = {"calculate": False, "cellGap": 1,
               "color": {"exponent": 0.5, "fill": "dark-orange", "mode": "scheme", "reverse": False,
                         "scale": "exponential", "scheme": "Oranges", "steps": 64},
               "exemplars": {"color": "rgba(255,0,255,0.7)"}, "legend": {"show": True},
               "rowsFrame": {"layout": "auto"}, "showValue": "auto",
               "tooltip": {"mode": "single", "yHistogram": False}, "yAxis": y_axis}
    return _panel("heatmap", panel_id, title, grid, targets, description, defaults, options)


def text(*, panel_id: int, title: str, grid: Json, content: str, description: str | None = None) -> Json:
    """Markdown."""
    return _panel("text", panel_id, title, grid, None, description, None, {"content": content, "mode": "markdown"})


def row(*, panel_id: int, title: str, grid: Json, collapsed: bool = False, panels: list[Json] | None = None) -> Json:
    """A row header; a collapsed row holds its panels, an open one is followed by them."""
    return {"type": "row", "id": panel_id, "title": title, "gridPos": grid, "collapsed": collapsed,
            "panels": panels or []}


def query_variable(*, name: str, label: str | None, query: str, include_all: bool, multi: bool,
                   all_value: str | None = None) -> Json:
    """A variable from a label_values() query, refreshed on time range change, sorted alphabetically."""
    return _set({"datasource": datasource_ref(), "hide": 0, "includeAll": include_all, "multi": multi,
                 "name": name, "options": [], "query": query, "refresh": 2, "sort": 1, "type": "query"},
                label=label, allValue=all_value)


def tag_link(tag: str) -> Json:
    """A drop-down of the dashboards tagged `tag`, opened on the same time range and variables."""
    return {"asDropdown": True, "icon": "external link", "includeVars": True, "keepTime": True, "tags": [tag],
            "targetBlank": False, "title": tag, "tooltip": "", "type": "dashboards"}


def alert_annotation(expr: str) -> Json:
    """Firing alerts from Prometheus' ALERTS series, marked on every time series panel."""
    return {"datasource": datasource_ref(), "enable": True, "expr": expr, "iconColor": "red",
            "name": "Firing alerts", "step": "1m", "tagKeys": "severity", "titleFormat": "{{alertname}}"}


def dashboard(*, uid: str, title: str, tags: Sequence[str], panels: list[Json], variables: list[Json],
              timezone: str, time_from: str, refresh: str | None = None, description: str | None = None,
              links: list[Json] | None = None, annotations: list[Json] | None = None,
              week_start: str | None = None) -> Json:
    """The dashboard: shared crosshair, editable, the current schema version."""
    return _set({
        "annotations": {"list": annotations or []}, "editable": True, "graphTooltip": 1, "links": links or [],
        "panels": panels, "schemaVersion": SCHEMA_VERSION, "tags": list(tags), "templating": {"list": variables},
        "time": {"from": time_from, "to": "now"},
        "timepicker": {"hidden": False, "refresh_intervals": list(REFRESH_INTERVALS)},
        "timezone": timezone, "title": title, "uid": uid,
    }, description=description or None, refresh=refresh or None, weekStart=week_start)
