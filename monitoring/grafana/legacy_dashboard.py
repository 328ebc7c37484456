"""Old Grafana dashboard JSON made modern, the way Grafana does: when `monitoring import` keeps a dashboard as
JSON, and when `generate` meets old panels in a hand-written one (grafanalib's Graph and SingleStat).

Grafana migrates old dashboards when it loads them: `graph` panels become `timeseries`, `singlestat` becomes
`stat` (or `gauge`), the piechart plugin becomes the core `piechart`, `table-old` becomes `table`, the dashboard
and alert lists' panel-level settings move into their options, rows are one unit high and full width, and panels
that overlap are pushed down. `modernise` does the same once, so that out/ holds what Grafana would show and
`monitoring validate` judges that. Settings with a modern equivalent are carried over (unit, decimals, min/max,
legend, tooltip, stacking, fill, line width, bars or points, thresholds, series overrides that colour, flip or
move a series); the others have none and are dropped, and the notes name each of them, so nothing disappears
unsaid.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from monitoring.grafana.normalise import move_legacy_list_settings
from monitoring.grafana.schemas import MIGRATED_PANEL_TYPES

# The old settings each migration carries over (the rest, when set, is named as dropped).
_CARRIED = {
    "graph": {"yaxes", "legend", "tooltip", "aliasColors", "seriesOverrides", "bars", "lines", "points",
              "linewidth", "fill", "stack", "percentage", "decimals", "nullPointMode", "steppedLine", "dashes",
              "dashLength", "spaceLength", "pointradius"},
    "singlestat": {"format", "decimals", "gauge", "thresholds", "colors", "valueName", "sparkline",
                   "colorBackground", "colorValue"},
    "grafana-piechart-panel": {"pieType", "valueName", "legend", "legendType", "format"},
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
# Leftovers of how a dashboard was exported or shown in old Grafana, not part of what it shows.
_EXPORT_KEYS = frozenset({"__inputs", "__requires", "__elements", "hideControls", "style", "iteration", "id",
                          "version"})
_CALCS = {"avg": "mean", "current": "lastNotNull", "total": "sum", "max": "max", "min": "min", "first": "first",
          "delta": "delta", "range": "range", "diff": "diff", "last": "last", "name": "lastNotNull"}


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
            found.append("settings without a modern equivalent, dropped: " + ", ".join(
                f"{key} ({len(where)} panel{'s' if len(where) > 1 else ''})"
                for key, where in sorted(self.dropped.items())))
        return found


def modernise(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(a modern copy of data, notes saying what was migrated and what was dropped)."""
    out = copy.deepcopy(data)
    notes = _Notes()
    _drop_unknown(out, _allowed("dashboard", "Dashboard") | {"rows"}, "the dashboard", notes, quiet=_EXPORT_KEYS)
    annotations = out.get("annotations")
    if isinstance(annotations, dict) and isinstance(annotations.get("list"), list):
        annotations["list"] = [_annotation(a, notes) for a in annotations["list"]]
    panels = out.get("panels")
    if isinstance(panels, list):
        out["panels"] = [_panel(p, notes) for p in panels]
        _lay_out(out["panels"])
    return out, notes.lines()


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


def _panel(panel: Any, notes: _Notes) -> Any:
    if not isinstance(panel, dict):
        return panel
    where = str(panel.get("title") or panel.get("id"))
    kind = panel.get("type")
    if kind == "row":
        if "collapsed" not in panel and isinstance(panel.get("collapse"), bool):
            panel["collapsed"] = panel["collapse"]
        panel["panels"] = [_panel(p, notes) for p in _list(panel.get("panels"))]
        grid = panel.get("gridPos") if isinstance(panel.get("gridPos"), dict) else {}
        panel["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": grid.get("y", 0)}
        _drop_unknown(panel, _allowed("dashboard", "RowPanel"), where, notes, quiet={"collapse", "showTitle",
                                                                                    "titleSize"})
        return panel
    carried: set[str] = set()
    if kind in MIGRATED_PANEL_TYPES:
        carried = _CARRIED.get(kind, set())
        notes.migrated[kind] = notes.migrated.get(kind, 0) + 1
        if kind == "graph":
            _graph(panel, notes, where)
        elif kind in ("singlestat", "grafana-singlestat-panel"):
            _singlestat(panel)
        elif kind == "grafana-piechart-panel":
            _piechart(panel)
        else:
            panel["type"] = "table"
    move_legacy_list_settings(panel)  # a dashboard or alert list's Grafana 7 settings: into its options
    targets = panel.get("targets")
    if isinstance(targets, list):
        for target in targets:
            if isinstance(target, dict):
                if target.get("format") == "":
                    del target["format"]  # the default, time_series
                _drop_unknown(target, _allowed("prometheus", "Dataquery"), where, notes, prefix="targets.")
    _drop_unknown(panel, _allowed("dashboard", "Panel"), where, notes, quiet=carried)
    return panel


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
    left = axes[0] if axes and isinstance(axes[0], dict) else {}
    _unit(defaults, left.get("format"))
    if left.get("logBase") not in (None, 1):
        notes.drop(where, ["yaxes.logBase"])
    right = axes[1] if len(axes) > 1 and isinstance(axes[1], dict) else {}
    # Settings of another shape than Grafana writes carry nothing (and are dropped with the others).
    series_overrides = _list(panel.get("seriesOverrides"))
    on_right = any(isinstance(o, dict) and o.get("yaxis") == 2 for o in series_overrides)
    if on_right and right.get("format") not in (None, left.get("format")):
        notes.drop(where, ["yaxes[1].format (the unit of the right axis)"])
    for key in ("min", "max", "decimals"):
        value = left.get(key) if key != "decimals" else panel.get("decimals", left.get("decimals"))
        if value not in (None, ""):
            with contextlib.suppress(TypeError, ValueError):  # "auto" and friends: Grafana's default
                defaults[key] = int(value) if key == "decimals" else float(value)
    custom = defaults.setdefault("custom", {})
    if isinstance(left.get("label"), str) and left["label"]:
        custom["axisLabel"] = left["label"]
    custom["drawStyle"] = "bars" if panel.get("bars") else "points" if panel.get("points") and not panel.get(
        "lines", True) else "line"
    if isinstance(panel.get("linewidth"), int | float):
        custom["lineWidth"] = panel["linewidth"]
    if isinstance(panel.get("fill"), int | float):
        custom["fillOpacity"] = min(100, panel["fill"] * 10)
    if panel.get("points"):
        custom["showPoints"] = "always"
    if panel.get("nullPointMode") == "connected":
        custom["spanNulls"] = True
    elif panel.get("nullPointMode") == "null as zero":
        notes.drop(where, ["nullPointMode (null as zero)"])
    if panel.get("steppedLine"):
        custom["lineInterpolation"] = "stepAfter"
    if panel.get("dashes"):
        custom["lineStyle"] = {"fill": "dash", "dash": [_number(panel.get("dashLength"), 10),
                                                        _number(panel.get("spaceLength"), 10)]}
    if panel.get("points") and isinstance(panel.get("pointradius"), int | float):
        custom["pointSize"] = panel["pointradius"]
    if panel.get("stack"):
        custom["stacking"] = {"mode": "percent" if panel.get("percentage") else "normal", "group": "A"}
    legend, tooltip = _dict(panel.get("legend")), _dict(panel.get("tooltip"))
    panel["options"] = {
        "legend": {"showLegend": legend.get("show", True) is not False, "calcs": [],
                   "displayMode": "table" if legend.get("alignAsTable") else "list",
                   "placement": "right" if legend.get("rightSide") else "bottom"},
        "tooltip": {"mode": "multi" if tooltip.get("shared", True) else "single", "sort": "none"},
    }
    overrides = panel["fieldConfig"]["overrides"]
    colours = panel.get("aliasColors")
    for alias, color in sorted(colours.items() if isinstance(colours, dict) else ()):
        if isinstance(color, str):
            overrides.append({"matcher": {"id": "byName", "options": alias},
                              "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": color}}]})
    for override in series_overrides:
        if isinstance(override, dict) and isinstance(override.get("alias"), str):
            overrides.append(_series_override(override, notes, where))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any, default: float) -> float:
    return value if _is_number(value) else default


def _series_override(override: dict[str, Any], notes: _Notes, where: str) -> dict[str, Any]:
    alias = override["alias"]
    matcher = ({"id": "byRegexp", "options": alias[1:-1]} if len(alias) > 1 and alias.startswith("/")
               and alias.endswith("/") else {"id": "byName", "options": alias})
    properties: list[dict[str, Any]] = []
    for key, value in sorted(override.items()):
        if key == "alias":
            continue
        if key == "transform" and value == "negative-Y":
            properties.append({"id": "custom.transform", "value": "negative-Y"})
        elif key == "yaxis" and value == 2:
            properties.append({"id": "custom.axisPlacement", "value": "right"})
        elif key == "color" and isinstance(value, str):
            properties.append({"id": "color", "value": {"mode": "fixed", "fixedColor": value}})
        elif key == "stack" and value is False:
            properties.append({"id": "custom.stacking", "value": {"mode": "none", "group": "A"}})
        elif key == "fill" and isinstance(value, int | float):
            properties.append({"id": "custom.fillOpacity", "value": min(100, value * 10)})
        elif key == "linewidth" and isinstance(value, int | float):
            properties.append({"id": "custom.lineWidth", "value": value})
        elif key == "unit" and isinstance(value, str):
            properties.append({"id": "unit", "value": value})
        else:
            notes.drop(where, [f"seriesOverrides.{key}"])
    return {"matcher": matcher, "properties": properties}


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
    if isinstance(panel.get("decimals"), int):
        defaults["decimals"] = panel["decimals"]
    if gauge:
        for key in ("minValue", "maxValue"):
            if isinstance(panel["gauge"].get(key), int | float):
                defaults[key[:3]] = panel["gauge"][key]
    thresholds = _thresholds(panel.get("thresholds"), panel.get("colors"))
    if thresholds is not None:
        defaults["thresholds"] = thresholds
        defaults["color"] = {"mode": "thresholds"}
    reduce = {"calcs": [_CALCS.get(str(panel.get("valueName")), "lastNotNull")], "fields": "", "values": False}
    if gauge:
        panel["options"] = {"reduceOptions": reduce, "showThresholdLabels": False, "showThresholdMarkers": True}
        return
    sparkline = isinstance(panel.get("sparkline"), dict) and panel["sparkline"].get("show")
    panel["options"] = {"reduceOptions": reduce, "graphMode": "area" if sparkline else "none",
                        "colorMode": "background" if panel.get("colorBackground") else
                        "value" if panel.get("colorValue") else "none",
                        "justifyMode": "auto", "textMode": "auto", "orientation": "auto"}


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
    """The panels' grid positions whose coordinates are all numbers (the others are the checks' to report)."""
    for panel in panels:
        box = panel.get("gridPos") if isinstance(panel, dict) else None
        if isinstance(box, dict) and all(_is_number(box.get(k, 0)) for k in ("x", "y", "w", "h")):
            yield box


def _lay_out(panels: list[Any]) -> None:
    """Push each panel down below every earlier one it overlaps, in reading order (y, then x), as Grafana's
    grid does with a layout whose boxes collide."""
    placed: list[dict[str, Any]] = []
    for box in sorted(_boxes(panels), key=lambda b: (b.get("y", 0), b.get("x", 0))):
        moved = True
        while moved:
            moved = False
            for other in placed:
                if _overlap(box, other):
                    box["y"] = other.get("y", 0) + other.get("h", 0)
                    moved = True
        placed.append(box)


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ax, ay, aw, ah = (a.get(k, 0) for k in ("x", "y", "w", "h"))
    bx, by, bw, bh = (b.get(k, 0) for k in ("x", "y", "w", "h"))
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
