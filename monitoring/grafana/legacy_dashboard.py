"""Old Grafana dashboard JSON made modern, the way Grafana does: when `monitoring import` keeps a dashboard as
JSON, and when `generate` meets old panels in a hand-written one (grafanalib's Graph and SingleStat).

Grafana migrates old dashboards when it loads them: Grafana 4's `rows` are laid out on the grid, `graph` panels
become `timeseries`, `singlestat` becomes `stat` (or `gauge`), the piechart plugin becomes the core `piechart`,
`table-old` becomes `table`, the dashboard and alert lists' panel-level settings move into their options, rows
are one unit high and full width, and panels that overlap are pushed down. `modernise` does the same once, so
that out/ holds what Grafana would show and `monitoring validate` judges that. Settings are carried over as
Grafana's migrations carry them (unit, decimals, min/max and label of both axes, log scale, legend values and
sort, tooltip order, stacking, fill and gradient, line width, bars or points, thresholds, value maps, series
overrides, table column styles and transforms); the few they do not carry are dropped, and the notes name each
of them, so nothing disappears unsaid. Only Prometheus queries are held to its query schema: another data
source's queries are its own.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import json
import math
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from monitoring.grafana.normalise import (
    graph_threshold_color,
    move_legacy_panel_settings,
    move_step,
    variable_name,
    variable_types,
)
from monitoring.grafana.schemas import MIGRATED_PANEL_TYPES

# The old settings each migration carries over (the rest, when set, is named as dropped).
_CARRIED = {
    "graph": {"yaxes", "legend", "tooltip", "aliasColors", "seriesOverrides", "bars", "lines", "points",
              "linewidth", "fill", "fillGradient", "stack", "percentage", "decimals", "nullPointMode",
              "steppedLine", "dashes", "dashLength", "spaceLength", "pointradius", "thresholds"},
    "singlestat": {"format", "decimals", "gauge", "thresholds", "colors", "valueName", "sparkline",
                   "colorBackground", "colorValue", "valueMaps", "rangeMaps", "mappingType", "tableColumn",
                   "nullText"},
    "grafana-piechart-panel": {"pieType", "valueName", "legend", "legendType", "format"},
    "table-old": {"styles", "transform", "showHeader", "columns"},
}
_CARRIED["grafana-singlestat-panel"] = _CARRIED["singlestat"]
# Old settings at the value that means nothing beyond the modern default: dropped without a word.
_DEFAULT_VALUES: dict[str, tuple[Any, ...]] = {
    "renderer": ("flot",), "nullPointMode": ("null",), "steppedLine": (False,), "dashes": (False,),
    "valueFontSize": ("80%", "100%"), "prefixFontSize": ("50%",), "postfixFontSize": ("50%",),
    "mappingType": (1,), "tableColumn": ("",), "prefix": ("",), "postfix": ("",), "nullText": (None, ""),
    "valueMaps": ([{"op": "=", "text": "N/A", "value": "null"}],),
    "rangeMaps": ([{"from": "null", "text": "N/A", "to": "null"}],),
    "mappingTypes": ([{"name": "value to text", "value": 1}, {"name": "range to text", "value": 2}],),
    "xaxis": ({"buckets": None, "mode": "time", "name": None, "show": True, "values": []},
              {"buckets": None, "mode": "time", "name": None, "show": True, "values": [], "align": False,
               "alignLevel": None},
              {"mode": "time", "show": True, "values": []}),  # as grafanalib writes it, nulls dropped
    # The right axis aligned to the left one: off. And the flag old Grafana set on a panel it had just added.
    "yaxis": ({"align": False, "alignLevel": 0}, {"align": False, "alignLevel": None}, {"align": False}),
    "isNew": (True, False),
}
# Settings that only mean something beside another one (dash lengths without dashes, point radius without
# points): their own value carries nothing then.
_ONLY_WITH = {"dashLength": "dashes", "spaceLength": "dashes", "pointradius": "points"}
_GRID_COLUMNS = 24  # the width of Grafana's grid
# Leftovers of how a dashboard was exported or shown in old Grafana, not part of what it shows.
_EXPORT_KEYS = frozenset({"__requires", "__elements", "hideControls", "style", "iteration", "id",
                          "version"})
# A graph legend's values, as the reducers of a time series legend (in the legend's order), and the name a
# sorted legend gives the reducer it sorts by.
_LEGEND_CALCS = {"avg": "mean", "current": "lastNotNull", "max": "max", "min": "min", "total": "sum"}
_CALC_NAMES = {"mean": "Mean", "lastNotNull": "Last *", "max": "Max", "min": "Min", "sum": "Total"}
_TOOLTIP_SORT = {0: "none", 1: "asc", 2: "desc"}
# A series override's settings at grafanalib's defaults, which it writes into every override: they carry nothing.
_OVERRIDE_DEFAULTS = {"lines": True, "dashes": False, "zindex": 0, "yaxis": 1}
_CALCS = {"avg": "mean", "current": "lastNotNull", "total": "sum", "max": "max", "min": "min", "first": "first",
          "delta": "delta", "range": "range", "diff": "diff", "last": "last", "name": "lastNotNull"}


# How the note that names the settings left behind begins.
DROPPED_NOTE = "settings the migration does not carry over, dropped"


@cache
def _allowed(schema: str, definition: str) -> frozenset[str]:
    text = resources.files("monitoring.grafana.schemas").joinpath(f"{schema}.jsonschema.json").read_text("utf-8")
    return frozenset(json.loads(text)["definitions"][definition]["properties"])


class _Notes:
    """What the migration did and dropped, counted by panel, for one note per dashboard."""

    def __init__(self) -> None:
        self.migrated: dict[str, int] = {}
        self.dropped: dict[str, set[str]] = {}  # setting -> titles of the panels it was dropped from

    def drop(self, where: str, keys: list[str]) -> None:
        for key in keys:
            self.dropped.setdefault(key, set()).add(where)

    def lines(self) -> list[str]:
        found = []
        if self.migrated:
            found.append("panels migrated as Grafana does: " + ", ".join(
                f"{old} to {MIGRATED_PANEL_TYPES[old]} ({n})" for old, n in sorted(self.migrated.items())))
        if self.dropped:
            found.append(f"{DROPPED_NOTE}: " + ", ".join(
                f"{key} ({len(where)} panel{'s' if len(where) > 1 else ''})"
                for key, where in sorted(self.dropped.items())))
        return found


def modernise(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(a modern copy of data, notes saying what was migrated and what was dropped)."""
    out = copy.deepcopy(data)
    notes = _Notes()
    # An export's inputs stay: generate makes them the variables its ${DS_...} references need.
    _drop_unknown(out, _allowed("dashboard", "Dashboard") | {"rows", "__inputs"}, "the dashboard", notes,
                  quiet=_EXPORT_KEYS)
    annotations = out.get("annotations")
    if isinstance(annotations, dict) and isinstance(annotations.get("list"), list):
        annotations["list"] = [_annotation(a, notes) for a in annotations["list"]]
    grid_layout(out)
    panels = out.get("panels")
    if isinstance(panels, list):
        types = variable_types(out)
        out["panels"] = [_panel(p, notes, types) for p in panels]
        _lay_out(out["panels"])
    return out, notes.lines()


def grid_layout(data: dict[str, Any]) -> None:
    """In place: a dashboard of Grafana 4's `rows` (schemaVersion below 16) laid out on the grid, as Grafana lays
    it out when it loads one. Row by row, each panel goes where the row has room from the left (a span of 12 is
    the grid's 24 columns; a row's or panel's height in pixels becomes grid rows of 38), the row wrapping when it
    is full; a row panel heads each row when one of them is collapsed, repeated or shows its title, a collapsed
    one holding its panels. Nothing to do for a dashboard without rows."""
    rows = [row for row in _list(data.get("rows")) if isinstance(row, dict) and not row.get("repeatIteration")]
    if "rows" not in data:
        return
    del data["rows"]
    ids = [p["id"] for row in rows for p in _list(row.get("panels")) if isinstance(p, dict)
           and isinstance(p.get("id"), int) and not isinstance(p["id"], bool)]
    next_id = max(ids, default=0) + 1
    headed = any(row.get("collapse") or row.get("showTitle") or row.get("repeat") for row in rows)
    panels: list[Any] = []
    y = 0
    for row in rows:
        height = _grid_height(row.get("height")) or _ROW_ROWS
        head: dict[str, Any] | None = None
        if headed:
            head = {"id": next_id, "type": "row", "title": row.get("title") if isinstance(row.get("title"), str)
                    else "", "collapsed": row.get("collapse") is True, "panels": [],
                    "gridPos": {"x": 0, "y": y, "w": _GRID_COLUMNS, "h": 1}}
            if isinstance(row.get("repeat"), str) and row["repeat"]:
                head["repeat"] = row["repeat"]
            next_id += 1
            y += 1
            panels.append(head)
        area = _RowArea(height, y)
        for panel in _list(row.get("panels")):
            if not isinstance(panel, dict):
                continue
            span = _axis_number(panel.pop("span", None)) or _SPAN
            width = min(_GRID_COLUMNS, max(1, math.floor(span) * 2))
            panel_height = _grid_height(panel.pop("height", None)) or height
            x, top = area.place(width)
            panel["gridPos"] = {"x": x, "y": top, "w": width, "h": panel_height}
            area.add(panel["gridPos"])
            y = area.y
            (head["panels"] if head is not None and head["collapsed"] else panels).append(panel)
        if not (head is not None and head["collapsed"]):
            y = area.y + height
    data["panels"] = _list(data.get("panels")) + panels
    _lay_out(data["panels"])  # a row that wrapped may reach into the next: Grafana's grid pushes that one down


_ROW_ROWS = 7  # grid rows of an old row that gives no height: Grafana's 250 pixels
_SPAN = 4  # twelfths of the width: an old panel's when it says none
_MAX_HEIGHT = 10**6  # pixels: no screen is taller; a larger number is a mistake, kept from growing the grid's


def _grid_height(height: Any) -> int | None:
    """Grid rows (38 pixels each, a cell and its margin) for an old height in pixels ("250px" or 250), at least
    90 pixels' worth; None for none (or one that is no number)."""
    if isinstance(height, str):
        digits = re.match(r"\s*(\d{1,7})", height)
        height = int(digits.group(1)) if digits else None
    if not _is_number(height) or not height:
        return None
    return math.ceil(min(max(height, 90), _MAX_HEIGHT) / 38)


class _RowArea:
    """The columns an old row has filled so far, for placing its next panel (Grafana's own packing: the free run
    of columns at the right end of the row, wrapping to a fresh row of the same height when it is too narrow)."""

    def __init__(self, height: int, y: int) -> None:
        self.height, self.y = height, y
        self.filled = [0] * _GRID_COLUMNS  # rows taken in each column, from the row's top

    def place(self, width: int) -> tuple[int, int]:
        """(x, y) of a panel `width` columns wide."""
        for wrapped in (False, True):
            start = end = None
            for i in range(_GRID_COLUMNS - 1, -1, -1):
                if self.height - self.filled[i] <= 0:
                    break
                if end is None:
                    end = i
                elif self.filled[i] <= self.filled[i + 1]:
                    start = i
                else:
                    break
            if start is not None and end is not None and end - start >= width - 1:
                return start, self.y + max(self.filled[start:])
            if not wrapped:
                self.y += self.height
                self.filled = [0] * _GRID_COLUMNS
        return 0, self.y  # wider than the grid: at its left, as the checks will report

    def add(self, box: dict[str, int]) -> None:
        for i in range(box["x"], min(box["x"] + box["w"], _GRID_COLUMNS)):
            self.filled[i] = max(self.filled[i], box["y"] + box["h"] - self.y)


def _annotation(annotation: Any, notes: _Notes) -> Any:
    if not isinstance(annotation, dict):
        return annotation
    source = annotation.get("datasource")
    if isinstance(source, str):  # data sources by name: the built-in one is {type: grafana}
        annotation["datasource"] = ({"type": "grafana", "uid": source} if source == "-- Grafana --"
                                    else {"uid": source})
    tags = annotation.pop("tags", None)
    if isinstance(tags, list) and tags and not annotation.get("target"):
        annotation["target"] = {"type": "tags", "tags": list(tags), "limit": 100, "matchAny": False}
    annotation.pop("showIn", None)  # 0 (every panel) is what modern annotations do
    # Old Grafana filled in the colour when it showed the dashboard; the modern schema wants it written.
    annotation.setdefault("iconColor", "rgba(0, 211, 255, 1)" if annotation.get("builtIn") else "red")
    extra = [k for k in sorted(annotation) if k not in _allowed("dashboard", "AnnotationQuery")]
    notes.drop(f"annotation {annotation.get('name')!r}", [f"annotations.{k}" for k in extra])
    for key in extra:
        del annotation[key]
    return annotation


def _panel(panel: Any, notes: _Notes, types: dict[str, str]) -> Any:
    """The panel migrated; `types` are the plugin types of the dashboard's data source variables."""
    if not isinstance(panel, dict):
        return panel
    where = str(panel.get("title") or panel.get("id"))
    kind = panel.get("type")
    if kind == "row":
        if "collapsed" not in panel and isinstance(panel.get("collapse"), bool):
            panel["collapsed"] = panel["collapse"]
        panel["panels"] = [_panel(p, notes, types) for p in _list(panel.get("panels"))]
        grid = panel.get("gridPos") if isinstance(panel.get("gridPos"), dict) else {}
        panel["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": grid.get("y", 0)}
        _drop_unknown(panel, _allowed("dashboard", "RowPanel"), where, notes, quiet={"collapse", "showTitle",
                                                                                    "titleSize"})
        return panel
    carried: set[str] = set()
    if isinstance(kind, str) and kind in MIGRATED_PANEL_TYPES:
        carried = _CARRIED.get(kind, set())
        notes.migrated[kind] = notes.migrated.get(kind, 0) + 1
        if kind == "graph":
            _graph(panel, notes, where)
        elif kind in ("singlestat", "grafana-singlestat-panel"):
            _singlestat(panel)
        elif kind == "grafana-piechart-panel":
            _piechart(panel)
        else:
            _table(panel, notes, where)
    move_legacy_panel_settings(panel)  # a list's Grafana 7 settings, a text's Grafana 6 ones: into options
    for target in _list(panel.get("targets")):
        if isinstance(target, dict) and _queries_prometheus(target, panel, types):
            # Only Prometheus queries are held to its query schema: another data source's query (Graphite's
            # `target`, Elasticsearch's `bucketAggs`, an expression) is all its own settings.
            if target.get("format") == "":
                del target["format"]  # the default, time_series
            if "step" in target:
                move_step(target)  # since Grafana 5 the minimum step is the query's `interval`
            _drop_unknown(target, _allowed("prometheus", "Dataquery"), where, notes, prefix="targets.")
    _drop_unknown(panel, _allowed("dashboard", "Panel"), where, notes, quiet=carried)
    return panel


def _queries_prometheus(target: dict[str, Any], panel: dict[str, Any], types: dict[str, str]) -> bool:
    """Whether the target's data source (its own, else its panel's) is Prometheus or may be: of type
    "prometheus", the default (none set, which generate makes the Prometheus `$datasource`), or a variable of
    that type or of none known (which the dashboard checks take for Prometheus too). A name or uid without a
    type may be any data source: its query is left as it is."""
    source = target.get("datasource") or panel.get("datasource")
    if source in (None, "", "default"):
        return True
    kind = None
    if isinstance(source, str):
        reference = source
    elif isinstance(source, dict):
        kind, reference = source.get("type"), source.get("uid")
    else:
        return False
    if isinstance(kind, str) and kind and not kind.startswith("$"):
        return kind == "prometheus"
    name = variable_name(kind or reference) if isinstance(kind or reference, str) else None
    return name is not None and types.get(name, "prometheus") == "prometheus"


def _drop_unknown(item: dict[str, Any], allowed: frozenset[str], where: str, notes: _Notes, *, prefix: str = "",
                  quiet: frozenset[str] | set[str] = frozenset()) -> None:
    extra = [k for k in sorted(item) if k not in allowed]
    notes.drop(where, [prefix + k for k in extra if k not in quiet and not _carries_nothing(item, k)])
    for key in extra:
        del item[key]


def _carries_nothing(item: dict[str, Any], key: str) -> bool:
    """Whether item[key] is empty, at its old default, or meaningless without a setting that is off."""
    value = item[key]
    if value in (None, "", [], {}, False) or value in _DEFAULT_VALUES.get(key, ()):
        return True
    if key == "grid" and isinstance(value, dict):  # a graph's threshold lines: colours alone draw none
        return value.get("threshold1") is None and value.get("threshold2") is None
    return key in _ONLY_WITH and not item.get(_ONLY_WITH[key])


def _defaults(panel: dict[str, Any]) -> dict[str, Any]:
    """The panel's field config defaults, the field config made whole first (an old panel may have none, or null
    in its place)."""
    config = panel["fieldConfig"] = _dict(panel.get("fieldConfig"))
    config["overrides"] = _list(config.get("overrides"))
    config["defaults"] = _dict(config.get("defaults"))
    return config["defaults"]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _unit(defaults: dict[str, Any], fmt: Any) -> None:
    if isinstance(fmt, str) and fmt and fmt != "none":
        defaults["unit"] = fmt


def _graph(panel: dict[str, Any], notes: _Notes, where: str) -> None:
    panel["type"] = "timeseries"
    defaults = _defaults(panel)
    axes = _list(panel.get("yaxes"))
    left = _dict(axes[0]) if axes else {}
    right = _dict(axes[1]) if len(axes) > 1 else {}
    custom = defaults.setdefault("custom", {})
    if not isinstance(custom, dict):
        custom = defaults["custom"] = {}
    left_settings = _axis(left, notes, where)
    for key, value in left_settings.items():
        if key.startswith("custom."):
            custom[key[len("custom."):]] = value
        else:
            defaults[key] = value
    if _decimals(panel.get("decimals")) is not None:  # the panel's own decimals win over its axis's
        defaults["decimals"] = _decimals(panel["decimals"])
    bars = panel.get("bars") is True
    custom["drawStyle"] = "bars" if bars else "line" if panel.get("lines", True) else "points"
    if _is_number(panel.get("linewidth")):
        custom["lineWidth"] = panel["linewidth"]
    if _is_number(panel.get("fill")):
        custom["fillOpacity"] = _opacity(panel["fill"])
    if _is_number(panel.get("fillGradient")) and panel["fillGradient"] > 0:
        custom["gradientMode"] = "opacity"
        custom["fillOpacity"] = _opacity(panel["fillGradient"])
    if bars:
        custom["fillOpacity"] = 100  # the old graph's bars were always solid
    if panel.get("points") is True:
        custom["showPoints"] = "always"
        if _is_number(panel.get("pointradius")):
            custom["pointSize"] = _point_size(panel["pointradius"])
    elif custom["drawStyle"] != "points":
        custom["showPoints"] = "never"  # the old graph drew no points unless asked
    if panel.get("nullPointMode") == "connected":
        custom["spanNulls"] = True
    elif panel.get("nullPointMode") == "null as zero":
        notes.drop(where, ["nullPointMode (null as zero)"])
    if panel.get("steppedLine") is True:
        custom["lineInterpolation"] = "stepAfter"
    if panel.get("dashes") is True:
        custom["lineStyle"] = {"fill": "dash", "dash": [_number(panel.get("dashLength"), 10),
                                                        _number(panel.get("spaceLength"), 10)]}
    if panel.get("stack") is True:
        custom["stacking"] = {"mode": "percent" if panel.get("percentage") is True else "normal", "group": "A"}
    _graph_thresholds(panel, defaults, custom, notes, where)
    legend = _dict(panel.get("legend"))
    notes.drop(where, [f"legend.{key}" for key in ("hideEmpty", "hideZero") if legend.get(key) is True])
    panel["options"] = {"legend": _legend(legend), "tooltip": _tooltip(_dict(panel.get("tooltip")))}
    overrides = panel["fieldConfig"]["overrides"]
    colours = panel.get("aliasColors")
    for alias, color in sorted(colours.items() if isinstance(colours, dict) else ()):
        if isinstance(color, str):
            overrides.append({"matcher": {"id": "byName", "options": alias},
                              "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}}]})
    on_right = _axis(right, notes, where, right=True)
    for override in _list(panel.get("seriesOverrides")):
        if isinstance(override, dict) and isinstance(override.get("alias"), str) and override["alias"]:
            migrated = _series_override(override, panel, notes, where)
            if override.get("yaxis") == 2:  # the series drawn against the right axis take its settings
                migrated["properties"] += [{"id": key, "value": value} for key, value in on_right.items()
                                           if key == "custom.axisPlacement" or left_settings.get(key) != value]
            if migrated["properties"]:
                overrides.append(migrated)


def _axis(axis: dict[str, Any], notes: _Notes, where: str, *, right: bool = False) -> dict[str, Any]:
    """An old y axis's settings as field config properties ("unit", "min", "custom.axisLabel"...)."""
    found: dict[str, Any] = {"custom.axisPlacement": "right"} if right else {}
    if axis.get("show") is False:
        found["custom.axisPlacement"] = "hidden"
    if isinstance(axis.get("format"), str) and axis["format"] not in ("", "none"):
        found["unit"] = axis["format"]
    for key in ("min", "max"):
        value = _axis_number(axis.get(key))
        if value is not None:
            found[key] = value
    if _decimals(axis.get("decimals")) is not None:
        found["decimals"] = _decimals(axis["decimals"])
    if isinstance(axis.get("label"), str) and axis["label"]:
        found["custom.axisLabel"] = axis["label"]
    base = axis.get("logBase")
    if base in (2, 10) and not isinstance(base, bool):
        found["custom.scaleDistribution"] = {"type": "log", "log": base}
    elif base not in (None, 1) and not right:
        notes.drop(where, ["yaxes.logBase (a base other than 2 or 10)"])
    return found


def _axis_number(value: Any) -> float | int | None:
    """An axis's min, max or decimals: a number, or a string that holds one ("auto" and the like: unset)."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if not _is_number(value):
        return None
    # A whole number as one (0, not 0.0), where a float holds it exactly.
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value


def _decimals(value: Any) -> int | None:
    """Decimals to show: a whole number from 0 to 20 (Grafana's own limit), else unset."""
    value = _axis_number(value)
    return int(value) if value is not None and 0 <= value <= 20 else None


def _legend(legend: dict[str, Any]) -> dict[str, Any]:
    """A graph's legend as a time series panel's: its values as the reducers shown, in the legend's order, and the
    one it sorts by."""
    calcs = ([_LEGEND_CALCS[key] for key, on in legend.items() if key in _LEGEND_CALCS and on is True]
             if legend.get("values") is True else [])
    found = {"showLegend": legend.get("show", True) is not False, "calcs": list(dict.fromkeys(calcs)),
             "displayMode": "table" if legend.get("alignAsTable") is True else "list",
             "placement": "right" if legend.get("rightSide") is True else "bottom"}
    sort = legend.get("sort")
    if isinstance(sort, str) and sort in _LEGEND_CALCS and isinstance(legend.get("sortDesc"), bool):
        found["sortBy"] = _CALC_NAMES[_LEGEND_CALCS[sort]]
        found["sortDesc"] = legend["sortDesc"]
    if _is_number(legend.get("sideWidth")) and legend["sideWidth"] > 0:
        found["width"] = legend["sideWidth"]
    return found


def _tooltip(tooltip: dict[str, Any]) -> dict[str, Any]:
    """A graph's tooltip as Grafana's migration reads it: one series unless shared, sorted only when shared."""
    shared, sort = tooltip.get("shared") is True, tooltip.get("sort")
    return {"mode": "multi" if shared else "single",
            "sort": _TOOLTIP_SORT.get(sort, "none") if shared and _is_number(sort) else "none"}


def _graph_thresholds(panel: dict[str, Any], defaults: dict[str, Any], custom: dict[str, Any], notes: _Notes,
                      where: str) -> None:
    """A graph's thresholds (`{value, op, fill, line, colorMode}` each) as the time series panel's threshold
    steps and their style, as Grafana's migration sets them: above a `gt` threshold its colour, below an `lt`
    one its colour, transparent between; a line, an area or both as the thresholds drew them."""
    given = [t for t in _list(panel.get("thresholds")) if isinstance(t, dict)]
    if not given:
        return
    usable = sorted((t for t in given if _is_number(t.get("value")) and t.get("op") in ("gt", "lt")),
                    key=lambda t: t["value"])
    if len(usable) < len(given):
        notes.drop(where, ["thresholds (one without a number or with an op other than gt or lt)"])
    if not usable:
        return
    steps: list[dict[str, Any]] = []
    for index, threshold in enumerate(usable):
        after = usable[index + 1] if index + 1 < len(usable) else None
        if threshold["op"] == "gt":
            steps.append({"color": graph_threshold_color(threshold), "value": threshold["value"]})
            continue
        if not steps:
            steps.append({"color": graph_threshold_color(threshold), "value": None})  # from minus infinity
        colour = graph_threshold_color(after) if after is not None and after["op"] == "lt" else "transparent"
        steps.append({"color": colour, "value": threshold["value"]})
    if steps[0]["value"] is not None:
        steps.insert(0, {"color": "transparent", "value": None})
    area, line = (any(t.get(k) is True for t in usable) for k in ("fill", "line"))
    custom["thresholdsStyle"] = {"mode": "line+area" if area and line else "area" if area else "line"}
    defaults["thresholds"] = {"mode": "absolute", "steps": steps}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _opacity(fill: float) -> float:
    """The old fill (0 to 10) as the fill opacity (0 to 100)."""
    return max(0, min(100, fill * 10))


def _point_size(radius: float) -> float:
    """The old point radius as the point size, as Grafana's migration sizes it (within what a point can be)."""
    return max(1, min(40, 2 + radius * 2))


def _number(value: Any, default: float) -> float:
    return value if _is_number(value) else default


def _series_override(override: dict[str, Any], panel: dict[str, Any], notes: _Notes, where: str
                     ) -> dict[str, Any]:
    """A graph's series override as a field override of the same series (the right axis is the caller's)."""
    alias = override["alias"]
    matcher = _matcher(alias)
    properties: list[dict[str, Any]] = []
    dashes = override.get("dashes", panel.get("dashes")) is True
    for key, value in sorted(override.items()):
        if key in ("alias", "$$hashKey", "yaxis") or value is None or _OVERRIDE_DEFAULTS.get(key, ...) == value:
            continue
        property_ = _override_property(key, value, panel)
        if property_ is not None:
            properties += property_
        elif key in ("dashes", "dashLength", "spaceLength"):
            pass  # one line style, below
        else:
            notes.drop(where, [f"seriesOverrides.{key}"])
    if any(key in override for key in ("dashes", "dashLength", "spaceLength")) and (
            dashes or panel.get("dashes") is True):
        properties.append({"id": "custom.lineStyle", "value": {"fill": "dash" if dashes else "solid", "dash": [
            _number(override.get("dashLength", panel.get("dashLength")), 10),
            _number(override.get("spaceLength", panel.get("spaceLength")), 10)]}})
    return {"matcher": matcher, "properties": properties}


_REGEX = re.compile(r"\A/.*/[gimsuy]*\Z", re.DOTALL)


def _matcher(pattern: str) -> dict[str, str]:
    """The field matcher of an old series alias or column pattern: "/.../flags" a regular expression, kept whole
    (Grafana reads the slashes and flags; without them it would match the whole name only), else a name."""
    return {"id": "byRegexp", "options": pattern} if _REGEX.match(pattern) else {"id": "byName", "options": pattern}


def _override_property(key: str, value: Any, panel: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The field override properties of one series override setting; None for one it cannot carry."""
    if key == "transform" and value in ("negative-Y", "constant"):
        return [{"id": "custom.transform", "value": value}]
    if key == "color" and isinstance(value, str):
        return [{"id": "color", "value": {"mode": "fixed", "fixedColor": value}}]
    if key == "stack" and isinstance(value, bool | str):
        return [{"id": "custom.stacking", "value": {"mode": "none", "group": "A"} if value is False else
                 {"mode": "normal", "group": "A" if value is True else value}}]
    if key == "fill" and _is_number(value):
        return [{"id": "custom.fillOpacity", "value": _opacity(value)}]
    if key == "fillGradient" and _is_number(value):
        return [] if not value else [{"id": "custom.gradientMode", "value": "opacity"},
                                     {"id": "custom.fillOpacity", "value": _opacity(value)}]
    if key == "fillBelowTo" and isinstance(value, str):
        return [{"id": "custom.fillBelowTo", "value": value}]
    if key == "linewidth" and _is_number(value):
        return [{"id": "custom.lineWidth", "value": value}]
    if key == "lines" and value is False:
        return [{"id": "custom.lineWidth", "value": 0}]
    if key == "points" and isinstance(value, bool):
        return [{"id": "custom.showPoints", "value": "always" if value else "never"}]
    if key == "pointradius" and _is_number(value):
        return [{"id": "custom.pointSize", "value": _point_size(value)}]
    if key == "bars" and isinstance(value, bool):
        if value:
            return [{"id": "custom.drawStyle", "value": "bars"}, {"id": "custom.fillOpacity", "value": 100}]
        return [{"id": "custom.drawStyle", "value": "line"}] if panel.get("bars") is True else []
    if key == "unit" and isinstance(value, str):
        return [{"id": "unit", "value": value}]
    return None


def _thresholds(text: Any, colors: Any) -> dict[str, Any] | None:
    values = [v.strip() for v in text.split(",")] if isinstance(text, str) and text.strip() else []
    palette = [c for c in colors if isinstance(c, str)] if isinstance(colors, list) else []
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        return None
    if not numbers or len(palette) < len(numbers) + 1:
        return None
    steps = [{"color": palette[0], "value": None}]
    steps += [{"color": palette[i + 1], "value": n} for i, n in enumerate(numbers)]
    return {"mode": "absolute", "steps": steps}


def _singlestat(panel: dict[str, Any]) -> None:
    gauge = isinstance(panel.get("gauge"), dict) and panel["gauge"].get("show")
    panel["type"] = "gauge" if gauge else "stat"
    defaults = _defaults(panel)
    _unit(defaults, panel.get("format"))
    if isinstance(panel.get("decimals"), int) and not isinstance(panel["decimals"], bool):
        defaults["decimals"] = panel["decimals"]
    if gauge:
        for key in ("minValue", "maxValue"):
            if _is_number(panel["gauge"].get(key)):
                defaults[key[:3]] = panel["gauge"][key]
    thresholds = _thresholds(panel.get("thresholds"), panel.get("colors"))
    if thresholds is not None:
        defaults["thresholds"] = thresholds
        defaults["color"] = {"mode": "thresholds"}
    mappings = _stat_mappings(panel)
    if mappings:
        defaults["mappings"] = mappings
    # Grafana's stat reduces by the mean unless the singlestat named another value ("name": the series name).
    value_name = panel.get("valueName")
    calc = _CALCS.get(value_name, "mean") if isinstance(value_name, str) and value_name != "name" else "mean"
    column = panel.get("tableColumn")
    reduce = {"calcs": [calc], "fields": f"/^{re.escape(column)}$/" if isinstance(column, str) and column else "",
              "values": False}
    if isinstance(panel.get("nullText"), str) and panel["nullText"]:
        defaults["noValue"] = panel["nullText"]
    if gauge:
        labels, markers = panel["gauge"].get("thresholdLabels"), panel["gauge"].get("thresholdMarkers")
        panel["options"] = {"reduceOptions": reduce,
                            "showThresholdLabels": labels if isinstance(labels, bool) else False,
                            "showThresholdMarkers": markers if isinstance(markers, bool) else True}
        return
    sparkline = isinstance(panel.get("sparkline"), dict) and panel["sparkline"].get("show")
    panel["options"] = {"reduceOptions": reduce, "graphMode": "area" if sparkline else "none",
                        "colorMode": "background" if panel.get("colorBackground") else
                        "value" if panel.get("colorValue") else "none",
                        "justifyMode": "auto", "textMode": "name" if value_name == "name" else "auto",
                        "orientation": "auto"}


def _stat_mappings(panel: dict[str, Any]) -> list[dict[str, Any]]:
    """A singlestat's value maps (or, when its mappingType is 2, its range maps) as Grafana 7's value mappings,
    which the normaliser makes modern; those of another shape than singlestat wrote carry nothing."""
    maps = _list(panel.get("valueMaps"))
    if maps in _DEFAULT_VALUES["valueMaps"]:
        maps = []
    ranges = [m for m in _list(panel.get("rangeMaps")) if m not in _DEFAULT_VALUES["rangeMaps"][0]]
    # Range maps when the singlestat says so, or when they are all it has (Grafana reads them then too).
    if panel.get("mappingType") == 2 or (ranges and not maps and panel.get("mappingType") is None):
        return [{"type": 1, "value": "null", "text": m["text"]} if m.get("from") == m.get("to") == "null" else
                {"type": 2, "from": m["from"], "to": m["to"], "text": m["text"]}
                for m in ranges if isinstance(m, dict) and isinstance(m.get("text"), str)
                and all(_is_number(m.get(k)) or isinstance(m.get(k), str) for k in ("from", "to"))]
    return [{"type": 1, "value": m["value"], "text": m["text"]} for m in maps if isinstance(m, dict)
            and m.get("op", "=") == "=" and isinstance(m.get("text"), str)
            and (isinstance(m.get("value"), str) or _is_number(m.get("value")))]


# table-old's transforms, as the transformations Grafana's migration adds for them.
_TABLE_TRANSFORMS = {"timeseries_to_rows": "seriesToRows", "timeseries_to_columns": "seriesToColumns",
                     "timeseries_aggregations": "reduce", "table": "merge"}
_CELL_COLORS = {"cell": "color-background", "row": "color-background", "value": "color-text"}
_DEFAULT_STYLE = frozenset({"unit", "decimals", "displayName", "custom.align", "custom.cellOptions", "thresholds"})


def _table(panel: dict[str, Any], notes: _Notes, where: str) -> None:
    """table-old as the table panel, as Grafana's migration makes it: each column style an override of the
    columns it names (the style for every column, pattern /.*/, the defaults), the transform a transformation."""
    panel["type"] = "table"
    transform = panel.get("transform")
    if isinstance(transform, str) and transform in _TABLE_TRANSFORMS:
        options: dict[str, Any] = {"reducers": []}
        if transform == "timeseries_aggregations":
            columns = [c.get("value") for c in _list(panel.get("columns")) if isinstance(c, dict)]
            options = {"includeTimeField": False,
                       "reducers": [_CALCS.get(c, c) for c in columns if isinstance(c, str) and c != "name"]}
        panel["transformations"] = [*_list(panel.get("transformations")),
                                    {"id": _TABLE_TRANSFORMS[transform], "options": options}]
    elif transform not in (None, ""):
        notes.drop(where, ["transform"])
    config = panel["fieldConfig"] = _dict(panel.get("fieldConfig"))
    overrides = config["overrides"] = _list(config.get("overrides"))
    for style in _list(panel.get("styles")):
        if not isinstance(style, dict) or not isinstance(style.get("pattern"), str):
            continue
        properties = _style_properties(style)
        if style["pattern"] == "/.*/":
            defaults = config["defaults"] = _dict(config.get("defaults"))
            # The style of every column sets the defaults of what Grafana's migration carries there: a hidden
            # or a date style for all would hide or reformat the columns the other styles name.
            for property_ in (p for p in properties if p["id"] in _DEFAULT_STYLE):
                head, _, rest = property_["id"].partition(".")
                (defaults.setdefault("custom", {}) if rest else defaults)[rest or head] = property_["value"]
        elif properties:
            overrides.append({"matcher": _matcher(style["pattern"]), "properties": properties})
    if isinstance(panel.get("showHeader"), bool):
        panel["options"] = {**_dict(panel.get("options")), "showHeader": panel["showHeader"]}


def _style_properties(style: dict[str, Any]) -> list[dict[str, Any]]:
    """A table-old column style's settings as field override properties."""
    found: list[dict[str, Any]] = []
    if isinstance(style.get("alias"), str) and style["alias"]:
        found.append({"id": "displayName", "value": style["alias"]})
    if style.get("type") == "date":
        date_format = style.get("dateFormat")
        found.append({"id": "unit", "value": f"time: {date_format if isinstance(date_format, str) else ''}"})
    elif isinstance(style.get("unit"), str) and style["unit"] not in ("", "none") and style.get("type") != "string":
        found.append({"id": "unit", "value": style["unit"]})
    if _decimals(style.get("decimals")) is not None:
        found.append({"id": "decimals", "value": _decimals(style["decimals"])})
    if style.get("type") == "hidden":
        found.append({"id": "custom.hidden", "value": True})
    if style.get("align") in ("left", "center", "right"):
        found.append({"id": "custom.align", "value": style["align"]})
    thresholds = _thresholds(",".join(map(str, style["thresholds"])) if isinstance(style.get("thresholds"), list)
                             else style.get("thresholds"), style.get("colors"))
    if thresholds is not None:
        found.append({"id": "thresholds", "value": thresholds})
    if isinstance(style.get("colorMode"), str) and style["colorMode"] in _CELL_COLORS:
        found.append({"id": "custom.cellOptions", "value": {"type": _CELL_COLORS[style["colorMode"]]}})
    if style.get("link") is True and isinstance(style.get("linkUrl"), str):
        url = re.sub(r"\$__cell_(\d+)", r"${__data.fields[\1]}", style["linkUrl"])
        tooltip = style.get("linkTooltip")
        found.append({"id": "links", "value": [{"title": tooltip if isinstance(tooltip, str) else "", "url": url,
                                                "targetBlank": style.get("linkTargetBlank") is True}]})
    return found


def _piechart(panel: dict[str, Any]) -> None:
    panel["type"] = "piechart"
    _defaults(panel)
    _unit(panel["fieldConfig"]["defaults"], panel.get("format"))
    legend = _dict(panel.get("legend"))
    panel["options"] = {
        "pieType": "donut" if panel.get("pieType") == "donut" else "pie",
        "reduceOptions": {"calcs": [_CALCS.get(str(panel.get("valueName")), "lastNotNull")], "fields": "",
                          "values": False},
        "legend": {"showLegend": legend.get("show", True) is not False, "displayMode": "list",
                   "placement": "right" if panel.get("legendType") == "Right side" else "bottom"},
    }


def _boxes(panels: list[Any]) -> Iterator[dict[str, Any]]:
    """The panels' grid positions that lie on Grafana's grid: whole numbers, x from 0 to 23, width from 1 to
    24, y from 0, height from 1 (the others are the dashboard checks' to report)."""
    for panel in panels:
        box = panel.get("gridPos") if isinstance(panel, dict) else None
        if isinstance(box, dict):
            x, y, w, h = (box.get(k, 0) for k in ("x", "y", "w", "h"))
            if (all(isinstance(v, int) and not isinstance(v, bool) for v in (x, y, w, h))
                    and 0 <= x < _GRID_COLUMNS and 0 < w <= _GRID_COLUMNS and y >= 0 and h > 0):
                yield box


def _lay_out(panels: list[Any]) -> None:
    """Push each panel down below every earlier one it overlaps, in reading order (y, then x), as Grafana's
    grid does with a layout whose boxes collide: each goes to the first place at or below its own where it
    overlaps none placed before it (pushed below one it overlaps, it could never fit above that one's bottom).

    Each grid column keeps the rows its placed panels take as merged runs, so that finding the place takes a
    few lookups per column, however many panels there are."""
    taken: list[tuple[list[int], list[int]]] = [([], []) for _ in range(2 * _GRID_COLUMNS)]  # (starts, ends)
    for box in sorted(_boxes(panels), key=lambda b: (b.get("y", 0), b.get("x", 0))):
        x, y, w, h = (box.get(k, 0) for k in ("x", "y", "w", "h"))
        columns = [taken[c] for c in range(x, x + w)]
        moved = True
        while moved:
            moved = False
            for starts, ends in columns:
                i = bisect.bisect_right(ends, y)  # the first run that ends below y
                if i < len(starts) and starts[i] < y + h:
                    y, moved = ends[i], True
        box["y"] = y
        for starts, ends in columns:
            _take(starts, ends, y, y + h)


def _take(starts: list[int], ends: list[int], start: int, end: int) -> None:
    """Add the rows [start, end), which overlap none taken, to a column's sorted runs, merging those it touches."""
    i = bisect.bisect_left(ends, start)  # runs before i end before start
    if i < len(starts) and ends[i] == start:  # the run above ends where this one starts
        start = starts[i]
        del starts[i], ends[i]
    if i < len(starts) and starts[i] == end:  # the run below starts where this one ends
        end = ends[i]
        del starts[i], ends[i]
    starts.insert(i, start)
    ends.insert(i, end)
