"""grafanalib's output, normalised to the dashboard JSON that Grafana's published schemas describe.

grafanalib 0.7 writes schemaVersion 12 JSON: legacy dashboard keys (`rows`, `sharedCrosshair`,
`hideControls`, `style`, `__inputs`), nulls for every unset attribute (a panel's id among them), data sources
as names, for gauge, bar gauge, heatmap and table panels the option layout of Grafana 6/7, and for the dashboard
and alert lists their Grafana 7 settings at the panel's top level. `normalise` rewrites what grafanalib is known
to write into the modern form, as Grafana's own migrations do when it loads such a dashboard (ids for panels
without one included); a setting with no modern place is a NormaliseError, never dropped. It leaves anything
else alone, so that the checks can name what no normalisation should guess at (a `graph` panel, an unknown field).

grafanalib also writes every panel and query setting it has a default for, set or not. Where its default is
Grafana's too (a panel's `transparent: false`, a query's `hide: false`) the value asks for nothing, and goes from
any dashboard. Where it is not (a query's `intervalFactor: 2`, `step: 10`), it goes from grafanalib's output only:
a dashboard's own JSON (an export, what `monitoring import` keeps) states what its author set, and keeps it.

Hand-written JSON may hold anything JSON allows. Wherever the normaliser reads into a value (a panel, its
targets, its fieldConfig, the templating list...) it first checks that the value is of the kind Grafana's
schema puts there, and raises NormaliseError naming its JSON path otherwise
(`panels[0].targets must be a list, not a string ('abc')`).
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import orjson

from monitoring.grafana.datasource import DATASOURCE_VARIABLE, datasource_ref, datasource_variable
from monitoring.grafana.panel_places import panel_places
from monitoring.grafana.schemas import OTHER_CORE_PANEL_TYPES, SCHEMA_VERSION

if TYPE_CHECKING:  # only users' hand-written dashboards are grafanalib objects; importing it costs 0.1 s
    from grafanalib.core import Dashboard as GrafanalibDashboard

_DASHBOARD_LEGACY = ("__inputs", "__requires", "sharedCrosshair", "hideControls", "style", "id", "version", "gnetId")
_PANEL_LEGACY = ("editable", "error", "height", "minSpan", "span",
                 "scopedVars", "repeatIteration")  # the last two: state of a repeat, which Grafana never saves
# Panel keys whose grafanalib default is also Grafana's, so they only add noise.
_PANEL_DEFAULTS = {"hideTimeOverride": False, "transparent": False, "links": [], "transformations": []}
# What grafanalib's Target writes for every query, whatever the data source: dropped only while it holds
# grafanalib's default (or, for `query`, a copy of `expr`), which asks Grafana for nothing. Elsewhere the same keys
# are another data source's query (Graphite's `target`, Elasticsearch's and InfluxDB's `query`, OpenTSDB's
# `metric`) and are kept.
# grafanalib's DataLink writes a panel link's title, url and targetBlank; Grafana's schema wants every field of
# a DashboardLink, whose defaults (a plain link) are what Grafana shows for the missing ones.
_LINK_DEFAULTS: dict[str, Any] = {"type": "link", "icon": "external link", "tooltip": "", "tags": list,
                                  "asDropdown": False, "includeVars": False, "keepTime": False,
                                  "targetBlank": False}
_TARGET_DEFAULTS: dict[str, tuple[Any, ...]] = {"target": ("",), "metric": ("",), "query": ("",)}
# grafanalib Target's defaults that are not Grafana's: dropped from grafanalib's output alone. In a dashboard's own
# JSON they are settings: `intervalFactor: 2` is Grafana's resolution 1/2 (a data point every other pixel, where
# Grafana's own default is 1/1), `step: 10` a minimum step of 10s.
_GRAFANALIB_TARGET_DEFAULTS = {"intervalFactor": 2, "step": 10}
# A query's numbers that old Grafana wrote as "" when unset, and reads as unset (`target.intervalFactor || 1`):
# "" states nothing, whoever wrote it, and the query schema wants a number there.
_UNSET_WHEN_EMPTY = ("intervalFactor", "step")
# Grafana 6 and 7's: the variable's place in the list (`index`, which the list's order says) and a data source
# variable's resolved value (`queryValue`), which Grafana works out again when it loads the dashboard.
_VARIABLE_LEGACY = ("useTags", "tags", "tagsQuery", "tagValuesQuery", "index", "queryValue")
_INTERVAL_ONLY = ("auto", "auto_min", "auto_count")
_VARIABLE_REF = re.compile(r"\A(?:\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\])\Z", re.ASCII)


class NormaliseError(ValueError):
    """The dashboard uses something that has no modern equivalent, or holds a value of another kind than
    Grafana's schema puts there (a number for a panel, a string for a list of targets); the message says what
    and where."""


_KINDS = {dict: "an object", list: "a list", str: "a string"}


def _kind_of(value: Any) -> str:
    """How a message names what it found: "a number (3)", "a list ([1, 2])"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        kind = "true or false"
    elif isinstance(value, int | float):
        kind = "a number"
    else:
        kind = next((name for cls, name in _KINDS.items() if isinstance(value, cls)), type(value).__name__)
    return f"{kind} ({_shown(value)})"


def _shown(value: Any) -> str:
    """A value as a message shows it: its repr, cut at 40 characters."""
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _at(path: str, key: str | int) -> str:
    """The JSON path of a member: panels[0].targets; a key that is not a plain name quoted in brackets, so that
    the path stays one line and reads one way (panels[0]['a.b'], panels[0]['\\n'])."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not _PLAIN_KEY.fullmatch(key):
        return f"{path}[{key!r}]"
    return f"{path}.{key}" if path else key


_VARIABLE_NAME = re.compile(r"\w+", re.ASCII)
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_$.-]+", re.ASCII)  # dotted: callers give paths (fieldConfig.defaults)


def _expect(value: Any, kind: type, path: str) -> Any:
    """value, if it is a kind (dict, list or str); else the NormaliseError that names its path."""
    if not isinstance(value, kind):
        raise NormaliseError(f"{path} must be {_KINDS[kind]}, not {_kind_of(value)}")
    return value


def _member(parent: dict[str, Any], key: str, kind: type, path: str) -> Any:
    """parent[key] if it is a kind, None if it is absent; else the NormaliseError naming its path."""
    value = parent.get(key)
    return None if value is None else _expect(value, kind, _at(path, key))


def _items(parent: dict[str, Any], key: str, path: str) -> list[tuple[dict[str, Any], str]]:
    """The objects of the list parent[key] (none if it is absent), each with its path; else a NormaliseError."""
    where = _at(path, key)
    values = _member(parent, key, list, path) or []
    return [(_expect(item, dict, _at(where, index)), _at(where, index)) for index, item in enumerate(values)]


# The integers orjson writes (it refuses others): what JSON readers that keep 64-bit integers can read back.
_INT_RANGE = range(-(2**63), 2**64)
# orjson's own limit of nesting; deeper, a value most likely contains itself.
_MAX_DEPTH = 254
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def json_problem(value: Any, root: str = "the dashboard", *, objects: bool = False) -> str | None:
    """None if value is JSON data, else what is not, at its JSON path: "panels[0].decimals is nan, which JSON
    cannot hold". orjson would write NaN and Infinity as null and a datetime, UUID, enum or dataclass as a
    string or object of its own choosing, so that a value nobody wrote would reach out/ silently (and a
    datetime.now() would make each run differ). With `objects`, an object with `to_json_data` (grafanalib's)
    counts as data: its own values are checked when it is serialised.

        >>> json_problem({"panels": [{"maxDataPoints": float("nan")}]})
        'panels[0].maxDataPoints is nan, which JSON cannot hold'
    """
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        where = path or root
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item):
                return f"{where} ({_shown(item)}) holds a lone surrogate, which UTF-8 cannot encode"
        elif isinstance(item, int):
            if item not in _INT_RANGE:
                return f"{where} is an integer beyond 64 bits ({_shown(item)})"
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                return f"{where} is {item!r}, which JSON cannot hold"
        elif isinstance(item, dict | list | tuple):
            if depth >= _MAX_DEPTH:
                shown = where if len(where) <= 60 else where[:57] + "..."
                return f"{shown} nests more than {_MAX_DEPTH} levels deep (does it contain itself?)"
            if isinstance(item, dict):
                for key, member in item.items():
                    if not isinstance(key, str):
                        return f"{where} has the key {key!r}, which is not a string"
                    stack.append((member, _at(path, key), depth + 1))
            else:
                stack.extend((member, _at(path, index), depth + 1) for index, member in enumerate(item))
        elif not (objects and hasattr(item, "to_json_data")):
            return f"{where} is a {type(item).__name__} ({_shown(item)}), which is not JSON data"
    return None


def _to_json_data(value: Any) -> Any:
    """What grafanalib's DashboardEncoder does for an object: its to_json_data(), whose plain values must be JSON
    data (a NormaliseError naming the object and the value otherwise)."""
    to_json_data = getattr(value, "to_json_data", None)
    if to_json_data is None:
        raise NormaliseError(f"a {type(value).__name__} ({_shown(value)}) is not JSON data")
    data = to_json_data()
    problem = json_problem(data, "its value", objects=True)
    if problem:
        title = getattr(value, "title", None)
        owner = type(value).__name__ + (f" {title!r}" if isinstance(title, str) and title else "")
        raise NormaliseError(f"{owner}: {problem}")
    return data


def grafanalib_json(dashboard: GrafanalibDashboard) -> dict[str, Any]:
    """The plain JSON data grafanalib writes for dashboard (what its DashboardEncoder serialises).

    A round trip through orjson is several times faster than walking grafanalib's objects in Python.
    """
    try:
        data: dict[str, Any] = orjson.loads(orjson.dumps(dashboard, default=_to_json_data))
    except orjson.JSONEncodeError as exc:  # orjson wraps what the default function raised
        if isinstance(exc.__cause__, NormaliseError):
            raise exc.__cause__ from None
        raise
    return data


# A data source's name or uid -> its {type, uid} reference: the data sources the stack declares (see
# monitoring.model.dashboards.DataSource), as Grafana's migration finds them among the instance's.
DataSources = Mapping[str, Mapping[str, str]]


def from_grafanalib(dashboard: GrafanalibDashboard, *, uid: str | None = None,
                    datasources: DataSources | None = None) -> dict[str, Any]:
    """Modern dashboard JSON straight from grafanalib objects, its settings at grafanalib's defaults dropped:
    `normalise(grafanalib_json(dashboard), grafanalib=True)`."""
    return _normalise_fresh(_drop_nulls(grafanalib_json(dashboard)), uid, datasources or {}, grafanalib=True)


def normalise(data: dict[str, Any], *, uid: str | None = None, datasources: DataSources | None = None,
              grafanalib: bool = False) -> dict[str, Any]:
    """Modern dashboard JSON from a dashboard's JSON, of any schemaVersion. Idempotent; data is not changed. A
    data source named in `datasources` becomes its reference there, any other name {"uid": name}.

    With `grafanalib`, data is what grafanalib writes (`grafanalib_json`), which holds every query setting
    grafanalib has a default for, whether the dashboard's author set it or not: a query's `intervalFactor: 2` and
    `step: 10`, grafanalib's defaults and not Grafana's, are dropped. Without it, data is a dashboard's own JSON
    (an export from Grafana, what `monitoring import` keeps, JSON written by hand), which keeps them:
    `"intervalFactor": 2` is Grafana's resolution 1/2 and is published as such, `"step": 10` becomes the query's
    minimum step `interval: "10s"`. Either way old layouts are migrated (a legacy `step` becomes the query's
    `interval`, Grafana 4's rows are laid out on the grid...), and what Grafana reads as unset goes (an empty
    `intervalFactor` or `step`, a panel's `transparent: false`, a query's `hide: false`)."""
    return _normalise_fresh(_drop_nulls(data), uid, datasources or {}, grafanalib=grafanalib)


def _normalise_fresh(out: dict[str, Any], uid: str | None, datasources: DataSources, *,
                     grafanalib: bool) -> dict[str, Any]:
    """normalise, on data that is a fresh copy with nulls dropped (so it may be changed in place)."""
    inputs = _input_variables(out)
    declared = _DECLARED_TYPES.set(_declared_types(out, inputs))
    known = _KNOWN_SOURCES.set(datasources)
    try:
        return _normalised(out, uid, inputs, grafanalib)
    finally:
        _KNOWN_SOURCES.reset(known)
        _DECLARED_TYPES.reset(declared)


def _normalised(out: dict[str, Any], uid: str | None, inputs: list[dict[str, Any]], grafanalib: bool
                ) -> dict[str, Any]:
    if out.get("rows"):
        if out.get("panels"):
            raise NormaliseError("holds both Grafana 4's `rows` and `panels`: put every panel in `panels`")
        from monitoring.grafana.legacy_dashboard import grid_layout  # (it builds on this module)

        grid_layout(out)  # the old rows on the grid, as Grafana lays them out when it loads the dashboard
    out.pop("rows", None)
    if out.pop("sharedCrosshair", False) and not out.get("graphTooltip"):
        out["graphTooltip"] = 1
    for key in _DASHBOARD_LEGACY:
        out.pop(key, None)
    inline_library_panels(out)
    if uid is not None:
        out["uid"] = uid
    if out.get("description") == "":
        del out["description"]
    if _schema_version(out.get("schemaVersion")) < _REACT_TABLE_VERSION:
        _angular_tables(out)
    out["schemaVersion"] = max(_schema_version(out.get("schemaVersion")), SCHEMA_VERSION)
    annotations = _expect(out.setdefault("annotations", {"list": []}), dict, "annotations")
    for annotation, _ in _items(annotations, "list", "annotations"):
        _drop_empty_datasource(annotation)
        if "datasource" in annotation:  # by name, as grafanalib and old exports write it, like a panel's
            annotation["datasource"] = _datasource(annotation["datasource"])
    templating = _expect(out.setdefault("templating", {"list": []}), dict, "templating")
    templating["list"] = [_variable(v, where) for v, where in _items(templating, "list", "templating")]
    defined = {v.get("name") for v in templating["list"]}
    templating["list"][:0] = [variable for variable in inputs if variable["name"] not in defined]
    _whole_links(out, "")
    if isinstance(out.get("timepicker"), dict):
        out["timepicker"].pop("time_options", None)
    _drop_repeated_copies(out)
    out["panels"] = [_panel(p, path, grafanalib) for p, path in _items(out, "panels", "")]
    _give_panel_ids(out["panels"])
    _place_unplaced(out["panels"])
    names = {v.get("name") for v in templating["list"] if isinstance(v, dict)}
    if DATASOURCE_VARIABLE not in names and _uses_default_datasource(out):
        templating["list"].insert(0, datasource_variable())
    return out


def inline_library_panels(data: dict[str, Any]) -> None:
    """In place: each panel that refers to a library panel (`"libraryPanel": {"uid": ..., "name": ...}`) becomes
    the model an export keeps for it in `__elements`, at the referring panel's place and id, and `__elements`
    goes. Grafana inlines library panels so when it exports a dashboard to share outside its instance; here the
    dashboard API that `publish` writes through cannot create them, and the code is where a panel is shared. A
    reference whose model the dashboard does not hold is a NormaliseError: only Grafana knows that panel."""
    elements = data.pop("__elements", None)
    if elements is not None and not isinstance(elements, dict):
        raise NormaliseError(f"__elements must be an object, not {_kind_of(elements)}")
    for panels, index, path, _ in panel_places(data):
        panel = panels[index]
        reference = panel.get("libraryPanel")
        if reference is None:
            continue
        uid = reference.get("uid") if isinstance(reference, dict) else None
        name = reference.get("name") if isinstance(reference, dict) else None
        element = (elements or {}).get(uid) if isinstance(uid, str) else None
        model = element.get("model") if isinstance(element, dict) else None
        if not isinstance(model, dict):
            raise NormaliseError(
                f"{_at(path, 'libraryPanel')}: library panel {name or uid!r} is not in the dashboard's __elements: "
                "export the dashboard for sharing externally, which keeps its library panels' models, or unlink "
                "the panel in Grafana")
        inlined = copy.deepcopy(model)  # one library panel may be placed several times
        inlined.pop("libraryPanel", None)
        inlined.update({key: panel[key] for key in ("gridPos", "id") if key in panel})
        panels[index] = inlined


def _repeated_copy(panel: Any) -> bool:
    """Whether panel is a copy Grafana made of a repeated panel or row, which exports of Grafana before 7.4
    kept: Grafana makes the copies anew from the variable's values when it shows the dashboard."""
    return isinstance(panel, dict) and ("repeatPanelId" in panel or "repeatByRow" in panel)


def _drop_repeated_copies(data: dict[str, Any]) -> None:
    """Repeated panels' and rows' copies gone, as Grafana's schemaVersion 27 migration drops them, which loading
    the dashboard no longer runs once it says schemaVersion 39 (they would be shown twice, or fail the schema)."""
    panels = data.get("panels")
    if not isinstance(panels, list):
        return
    data["panels"] = [p for p in panels if not _repeated_copy(p)]
    for panel in data["panels"]:
        if isinstance(panel, dict) and panel.get("type") == "row" and isinstance(panel.get("panels"), list):
            panel["panels"] = [p for p in panel["panels"] if not _repeated_copy(p)]


def _every_panel(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The panels in dashboard order, each row followed by the panels it holds (as grafanalib walks them)."""
    found = []
    for panel in panels:
        found.append(panel)
        if panel.get("type") == "row":
            found.extend(panel["panels"])
    return found


def _unset_id(value: Any) -> bool:
    """Whether a panel id means "none": absent, or 0, which Grafana and grafanalib replace as they do none."""
    return value is None or (type(value) is int and value == 0)


def _give_panel_ids(panels: list[dict[str, Any]]) -> None:
    """An id for each panel without one, as grafanalib's Dashboard.auto_panel_ids() gives them: the lowest
    positive integers no panel uses, in panel order, so that calling it in the dashboard file changes nothing.
    (Grafana gives such panels ids when it loads the dashboard.) Duplicate ids are the checks' to report."""
    every = _every_panel(panels)
    if not any(_unset_id(panel.get("id")) for panel in every):
        return
    used = {panel["id"] for panel in every if not _unset_id(panel.get("id")) and _hashable(panel["id"])}
    free = (n for n in itertools.count(1) if n not in used)
    for panel in every:
        if _unset_id(panel.get("id")):
            panel["id"] = next(free)


# The size Grafana's schema gives a panel without a gridPos (a row spans the grid, one unit high).
_DEFAULT_SIZE = {"w": 12, "h": 9}
_ROW_SIZE = {"w": 24, "h": 1}


def _place_unplaced(panels: list[dict[str, Any]], bottom: int = 0) -> None:
    """A gridPos for each panel without one, as Grafana shows it: the schema's default size at the left edge,
    below the panels before it (Grafana's grid moves a panel down until it overlaps none). A collapsed row's
    panels are laid out among themselves, under the row, as it lays them out when it opens. A gridPos of another
    shape stays, for the checks to name."""
    for panel in panels:
        grid = panel.get("gridPos")
        if grid is None:
            size = _ROW_SIZE if panel.get("type") == "row" else _DEFAULT_SIZE
            grid = panel["gridPos"] = {**size, "x": 0, "y": bottom}
        below = grid["y"] + grid["h"] if isinstance(grid, dict) and all(
            isinstance(grid.get(k), int) for k in ("y", "h")) else bottom
        bottom = max(bottom, below)
        if panel.get("type") == "row" and isinstance(panel.get("panels"), list):
            _place_unplaced(panel["panels"], below)


def _hashable(value: Any) -> bool:
    return not isinstance(value, dict | list)


# Grafana 7's schemaVersion 24 made `table` the new table panel: a dashboard older than that means the Angular
# table by it whenever the panel has column styles.
_REACT_TABLE_VERSION = 24


def _angular_tables(out: dict[str, Any]) -> None:
    """In place: each `table` panel of a dashboard before schemaVersion 24 that has column styles (and is not
    marked as the new table, table: "table2") named `table-old`, as Grafana's migration to version 24 names it;
    the table-old migration then carries its styles, sort and transform over."""
    for panels, index, _, _ in panel_places(out):
        panel = panels[index]
        if panel.get("type") == "table" and panel.get("styles") and panel.get("table") != "table2":
            panel["type"] = "table-old"


def _schema_version(value: Any) -> int:
    """schemaVersion as a whole number, 0 when unset (exports may write it as a string: "12")."""
    if not value:
        return 0
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise NormaliseError(f"schemaVersion must be a whole number, not {_kind_of(value)}") from None
    if abs(number) >= 2**31:  # Grafana's are two-digit numbers; past 64 bits no JSON writer takes it
        raise NormaliseError(f"schemaVersion {_kind_of(value)} is beyond any of Grafana's")
    return number


def _uses_default_datasource(data: dict[str, Any]) -> bool:
    """Whether a panel, query or variable refers to ${datasource}, which unset data sources default to."""
    default = datasource_ref()
    stack = list(data.get("panels", [])) + list(data["templating"]["list"])
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        if item.get("datasource") == default:
            return True
        stack.extend(item.get("panels", []) if isinstance(item.get("panels"), list) else [])
        stack.extend(item.get("targets", []) if isinstance(item.get("targets"), list) else [])
    return False


_CONTAINERS = (dict, list)


def _drop_nulls(value: Any, in_steps: bool = False) -> Any:
    """Remove null values, except a threshold step's `value`, where null is Grafana's -Infinity.

    Scalars are kept without a call: dashboards have hundreds of them, and this runs for every dashboard.
    """
    if isinstance(value, dict):
        return {
            k: _drop_nulls(v, k == "steps") if isinstance(v, _CONTAINERS) else v
            for k, v in value.items()
            if v is not None or (in_steps and k == "value")
        }
    if isinstance(value, list):
        return [_drop_nulls(item, in_steps) if isinstance(item, _CONTAINERS) else item for item in value]
    return value


# Grafana's built-in data sources, by the names dashboards of schemaVersion < 33 write, and their references.
_BUILT_IN = {"-- Grafana --": {"type": "grafana", "uid": "-- Grafana --"},
             "-- Mixed --": {"type": "datasource", "uid": "-- Mixed --"},
             "-- Dashboard --": {"type": "datasource", "uid": "-- Dashboard --"}}


# The plugin type of each data source the dashboard being normalised declares by name: its data source variables
# ({"name": "logs", "type": "datasource", "query": "loki"}) and, in an export, its inputs ({"name": "DS_LOKI",
# "type": "datasource", "pluginId": "loki"}). A reference to one of them by name ("$logs", "${DS_LOKI}") gets
# that type, as Grafana's own migration gives it.
_DECLARED_TYPES: ContextVar[Mapping[str, str]] = ContextVar("declared_types")
# The data sources the stack declares, by name and by uid (`normalise`'s `datasources`).
_KNOWN_SOURCES: ContextVar[DataSources] = ContextVar("known_sources")


def _declared_types(data: dict[str, Any], inputs: list[dict[str, Any]]) -> dict[str, str]:
    """Name -> plugin type of the data source variables: the inputs' (see `_input_variables`), then the
    dashboard's own, which win over an input of the same name as they do in the templating list."""
    templating = data.get("templating")
    own = _dicts(templating.get("list")) if isinstance(templating, dict) else []
    return {item["name"]: item["query"] for item in [*inputs, *own]
            if item.get("type") == "datasource" and isinstance(item.get("name"), str)
            and isinstance(item.get("query"), str) and item["query"]}


def variable_types(data: dict[str, Any]) -> dict[str, str]:
    """Name -> plugin type of the dashboard's data source variables (its export's inputs among them)."""
    return _declared_types(data, _input_variables(data))


def variable_name(reference: str) -> str | None:
    """The variable a whole reference names ("$ds", "${ds}", "[[ds]]"), else None."""
    match = _VARIABLE_REF.match(reference)
    return next(group for group in match.groups() if group) if match else None


def _input_variables(data: dict[str, Any]) -> list[dict[str, Any]]:
    """A template variable for each data source and constant an export asks for (`__inputs`): Grafana's import
    page asks for them and writes the answers in, where the dashboard API this tool publishes through takes the
    `${DS_PROMETHEUS}` references as they are. As variables, the data source is chosen on the dashboard (its
    first one of the plugin's type until then) and the constant keeps the exported value."""
    found = []
    for item in _dicts(data.get("__inputs")):
        name, label = item.get("name"), item.get("label") or item.get("name")
        if not isinstance(name, str) or not _VARIABLE_NAME.fullmatch(name) or not isinstance(label, str):
            continue
        if item.get("type") == "datasource" and isinstance(item.get("pluginId"), str) and item["pluginId"]:
            found.append({"name": name, "label": label, "type": "datasource", "query": item["pluginId"],
                          "refresh": 1, "hide": 0})
        elif item.get("type") == "constant" and isinstance(item.get("value"), str):
            found.append({"name": name, "label": label, "type": "constant", "query": item["value"], "hide": 2})
    return found


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _datasource(value: Any) -> Any:
    """A {type, uid} reference from grafanalib's data source name or variable. A name the stack declares is
    its reference; any other stays {"uid": name}, as Grafana's migration leaves a name it cannot find among the
    instance's data sources (which it then looks up by uid, and by name, when it loads the dashboard)."""
    if not isinstance(value, str):
        return value
    if value in _BUILT_IN:
        return dict(_BUILT_IN[value])
    match = _VARIABLE_REF.match(value)
    if match:
        name = next(group for group in match.groups() if group)
        reference = datasource_ref("${" + name + "}")
        reference["type"] = _DECLARED_TYPES.get({}).get(name, reference["type"])
        return reference
    known = _KNOWN_SOURCES.get({}).get(value)
    return dict(known) if known is not None else {"uid": value}


def _drop_empty_datasource(item: dict[str, Any]) -> None:
    """An empty data source name (grafanalib's InfluxDB and SQL targets write "") and "default" mean the default
    one, as an unset one does: never a reference to a data source whose uid is "" or "default"."""
    if item.get("datasource") in ("", "default"):
        del item["datasource"]


def _variable(variable: dict[str, Any], path: str) -> dict[str, Any]:
    _member(variable, "name", str, path)
    for key in _VARIABLE_LEGACY:
        variable.pop(key, None)
    if variable.get("type") != "interval":
        for key in _INTERVAL_ONLY:
            variable.pop(key, None)
    _drop_empty_datasource(variable)
    if variable.get("type") == "datasource":
        variable.pop("datasource", None)
    elif "datasource" in variable:
        variable["datasource"] = _datasource(variable["datasource"])
    current = variable.get("current")
    if isinstance(current, dict):
        current.pop("tags", None)
        if "text" not in current or "value" not in current:
            del variable["current"]
    if variable.get("regex") == "":
        del variable["regex"]
    if variable.get("filters") == []:
        del variable["filters"]  # an ad hoc variable's filters, none chosen: what Grafana starts with
    return variable


def _whole_links(parent: dict[str, Any], path: str) -> None:
    """Each of parent's links (a dashboard's, a panel's, a field's data links) with every field Grafana's schema
    wants of one: grafanalib's DataLink and Grafana's own data links write only title, url and targetBlank, and
    what Grafana shows for the others is these defaults (a plain link)."""
    for link, _ in _items(parent, "links", path):
        for key, value in _LINK_DEFAULTS.items():
            link.setdefault(key, value() if callable(value) else value)


def _panel(panel: dict[str, Any], path: str, grafanalib: bool) -> dict[str, Any]:
    """`grafanalib`: the panel is grafanalib's, whose settings at grafanalib's default nobody chose."""
    for key in _PANEL_LEGACY:
        panel.pop(key, None)
    for key, default in _PANEL_DEFAULTS.items():
        if panel.get(key) == default:
            del panel[key]
    if "repeat" not in panel:
        for key in ("repeatDirection", "maxPerRow"):
            panel.pop(key, None)
    _whole_links(panel, path)
    kind = _member(panel, "type", str, path)
    if kind == "row":
        return _row(panel, path, grafanalib)
    targets = _items(panel, "targets", path)
    _drop_empty_datasource(panel)
    if "datasource" in panel:
        panel["datasource"] = _datasource(panel["datasource"])
    elif targets:
        panel["datasource"] = datasource_ref()
    panel["targets"] = [_target(t, panel.get("datasource"), where, grafanalib) for t, where in targets]
    if not panel["targets"]:
        del panel["targets"]
    _field_config(panel, path)
    migrate = _MIGRATIONS.get(kind)  # type: ignore[arg-type]
    if migrate is not None:
        migrate(panel, path)
    _value_mappings(panel, path)
    if kind in OTHER_CORE_PANEL_TYPES:
        _shown_legend(panel)
    return panel


# What grafanalib's RowPanel (a Panel) and Grafana's own exports write into a row, and a row does nothing with:
# its queries and their settings.
_ROW_DATA = ("targets", "fieldConfig", "options", "maxDataPoints", "interval", "cacheTimeout")
# A panel's settings that a row has no place for, when set (their defaults are gone by now).
_ROW_NONE = ("description", "timeFrom", "timeShift", "transparent", "hideTimeOverride", "links", "transformations",
             "maxPerRow")


def _row(panel: dict[str, Any], path: str, grafanalib: bool) -> dict[str, Any]:
    for key in _ROW_DATA:
        panel.pop(key, None)
    if panel.get("description") == "":
        del panel["description"]
    # A row repeats downwards, one copy under the other: `v` asks for what it does anyway.
    if panel.get("repeatDirection") == "v":
        del panel["repeatDirection"]
    for key in (*_ROW_NONE, "repeatDirection"):
        if key in panel:
            raise NormaliseError(f"{_at(path, key)} ({_kind_of(panel[key])}) has no place on a row, which Grafana "
                                 "shows as a title bar only: leave it unset")
    if not panel.get("datasource"):
        panel.pop("datasource", None)
    else:
        panel["datasource"] = _datasource(panel["datasource"])
    panel.setdefault("collapsed", False)
    panel["panels"] = [_panel(p, where, grafanalib) for p, where in _items(panel, "panels", path)]
    if panel["panels"] and panel["collapsed"] is False:
        # Grafana shows the panels that follow an expanded row; its own `panels` it reads only when collapsed.
        raise NormaliseError(f"{_at(path, 'panels')}: an expanded row (collapsed false) holds panels that Grafana "
                             f"never shows ({len(panel['panels'])}): set collapsed to true, or put them after the row")
    return panel


def _target(target: dict[str, Any], datasource: Any, path: str, grafanalib: bool) -> dict[str, Any]:
    for key, defaults in _TARGET_DEFAULTS.items():
        if key in target and (target[key] in defaults or (key == "query" and target[key] == target.get("expr"))):
            del target[key]
    for key in _UNSET_WHEN_EMPTY:
        if target.get(key) == "" or (grafanalib and target.get(key) == _GRAFANALIB_TARGET_DEFAULTS[key]):
            del target[key]
    if target.get("interval") == "":
        del target["interval"]
    if target.get("hide") is False:
        del target["hide"]
    if "step" in target:
        _step(target, path)
    _drop_empty_datasource(target)
    if "datasource" in target:
        target["datasource"] = _datasource(target["datasource"])
    elif datasource is not None:
        target["datasource"] = datasource
    return target


def _step(target: dict[str, Any], path: str) -> None:
    if not move_step(target):
        raise NormaliseError(f"{_at(path, 'step')} must be a number of seconds or a duration such as '1m' (it "
                             f"is the query's minimum step, `interval`), not {_kind_of(target['step'])}")


def move_step(target: dict[str, Any]) -> bool:
    """A query's legacy `step` moved to its `interval` (since Grafana 5, the minimum step); a set `interval`
    wins, as it does in Grafana, which ignores `step`. False, and the step left in place, when it is neither a
    number of seconds nor a duration."""
    step = target["step"]
    if isinstance(step, int) and not isinstance(step, bool) and step > 0:
        interval = f"{step}s"
    elif isinstance(step, str) and re.fullmatch(r"\$\w+|\$\{\w+\}|\d+(ms|s|m|h|d|w|y)", step, re.ASCII):
        interval = step
    else:
        return False
    del target["step"]
    if not target.get("interval"):
        target["interval"] = interval
    return True


def _field_config(panel: dict[str, Any], path: str) -> None:
    config = _member(panel, "fieldConfig", dict, path)
    if config is None:
        return
    defaults = _member(config, "defaults", dict, _at(path, "fieldConfig"))
    if defaults is None:
        defaults = config["defaults"] = {}
    config.setdefault("overrides", [])
    thresholds = defaults.get("thresholds")
    if isinstance(thresholds, dict):
        steps = thresholds.get("steps")
        if not steps or not isinstance(steps, list):
            del defaults["thresholds"]
        else:
            thresholds["steps"] = [_threshold_step(s) for s in steps]
            thresholds.setdefault("mode", "absolute")
    if defaults.get("custom") == {}:
        del defaults["custom"]
    if defaults.get("mappings") == []:
        del defaults["mappings"]
    if defaults.get("unit") == "":
        del defaults["unit"]
    _whole_links(defaults, _at(_at(path, "fieldConfig"), "defaults"))
    mappings = panel.pop("mappings", None)  # grafanalib's table writes value mappings at panel level
    if mappings:
        defaults["mappings"] = mappings


def _value_mappings(panel: dict[str, Any], path: str) -> None:
    """Grafana 7's value mappings (`{type: 1, value, text}`, `{type: 2, from, to, text}`, which grafanalib's
    StatMapping, StatValueMapping, StatRangeMapping, ValueMap and RangeMap write) in the modern form, as
    Grafana's schemaVersion 30 migration leaves them, which loading the dashboard no longer runs once it says
    schemaVersion 39: the value mappings in one `value` mapping first, then each range and special one."""
    config = panel.get("fieldConfig")
    if not isinstance(config, dict):
        return
    defaults = config.get("defaults")
    if isinstance(defaults, dict) and "mappings" in defaults:
        where = _at(path, "fieldConfig.defaults.mappings")
        thresholds = defaults.get("thresholds")
        defaults["mappings"] = _upgraded_mappings(_expect(defaults["mappings"], list, where), where,
                                                  thresholds if isinstance(thresholds, dict) else None)
    for index, override in enumerate(config.get("overrides") or ()):
        properties = override.get("properties") if isinstance(override, dict) else None
        for number, prop in enumerate(properties if isinstance(properties, list) else ()):
            if isinstance(prop, dict) and prop.get("id") == "mappings" and isinstance(prop.get("value"), list):
                where = f"{_at(path, 'fieldConfig.overrides')}[{index}].properties[{number}].value"
                prop["value"] = _upgraded_mappings(prop["value"], where, None)


# A Grafana 7 mapping's type: value to text, range to text.
_VALUE_TO_TEXT, _RANGE_TO_TEXT = 1, 2


def _upgraded_mappings(mappings: list[Any], path: str, thresholds: dict[str, Any] | None) -> list[Any]:
    if not any(isinstance(m, dict) and not isinstance(m.get("type"), str) for m in mappings):
        return mappings  # modern already (or of a kind the schema check names)
    values: dict[str, Any] = {}
    others: list[Any] = []
    for index, mapping in enumerate(mappings):
        where = _at(path, index)
        if not isinstance(mapping, dict):
            others.append(mapping)
            continue
        kind = mapping.get("type")
        if isinstance(kind, str):
            if kind == "value" and isinstance(mapping.get("options"), dict):
                values.update(mapping["options"])
            else:
                others.append(mapping)
            continue
        # grafanalib's ValueMap writes no type, only `op` (=) beside the value: a value to text.
        if kind is None and mapping.get("op", "=") == "=" and "value" in mapping:
            kind = _VALUE_TO_TEXT
        result = {"text": mapping.get("text")}
        color = _threshold_color(mapping.get("text"), thresholds)
        if color is not None:
            result["color"] = color
        if kind == _VALUE_TO_TEXT and mapping.get("value") == "null":
            others.append({"type": "special", "options": {"match": "null", "result": result}})
        elif kind == _VALUE_TO_TEXT and isinstance(mapping.get("value"), str | int | float):
            values[_value_key(mapping["value"])] = result
        elif kind == _RANGE_TO_TEXT:
            others.append({"type": "range", "options": {"from": _number(mapping.get("from")),
                                                        "to": _number(mapping.get("to")), "result": result}})
        else:
            raise NormaliseError(f"{where} ({_kind_of(mapping)}) is no value mapping Grafana knows: use "
                                 "{type: value|range|special|regex, options}")
    return ([{"type": "value", "options": values}] if values else []) + others


def _value_key(value: str | int | float) -> str:
    """A mapped value as the key of the modern value mapping, spelt as Grafana's migration spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float | None:
    """A legacy range bound as Grafana reads it (parseFloat): a number, or null (open) when it is none."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _threshold_color(text: Any, thresholds: dict[str, Any] | None) -> Any:
    """The colour Grafana's migration gives a mapping whose text is a number: that of the threshold step it
    reaches (a null step value counting as 0, as JavaScript's comparison does)."""
    number = _number(text) if isinstance(text, str) else None
    steps = thresholds.get("steps") if thresholds else None
    if number is None or not isinstance(steps, list) or not steps or not isinstance(steps[0], dict):
        return None
    active = steps[0]
    for step in steps:
        value = step.get("value", float("nan")) if isinstance(step, dict) else float("nan")
        bound = 0 if value is None else _number(value)
        if bound is None or number < bound:
            break
        active = step
    return active.get("color")


def _threshold_step(step: Any) -> Any:
    """{color, value} from grafanalib's Threshold (op, yaxis, line, index, and 'null' for the base), or from a
    graph's threshold (GraphThreshold, which grafanalib's Graph also writes here), coloured as Grafana colours it."""
    if not isinstance(step, dict):
        return step
    value = step.get("value")
    if value == "null" or step.get("index") == 0:
        value = None
    color = step.get("color") if "color" in step else graph_threshold_color(step)
    return {"color": color, "value": value}


def graph_threshold_color(threshold: dict[str, Any]) -> Any:
    """The colour of an old graph panel's threshold line or area: red when critical, orange when a warning, its
    own colour when custom, red otherwise, as Grafana's migration to the time series panel has it."""
    mode = threshold.get("colorMode")
    if mode == "warning":
        return "orange"
    if mode == "custom":
        return threshold.get("fillColor") or threshold.get("lineColor") or "red"
    return "red"


def _options(panel: dict[str, Any], path: str) -> dict[str, Any]:
    """The panel's options, made if there are none; a NormaliseError naming their path if they are no object.
    (grafanalib's Heatmap writes an empty list when none are set.)"""
    if panel.get("options") == []:
        del panel["options"]
    options = _member(panel, "options", dict, path)
    if options is None:
        options = panel["options"] = {}
    return options  # type: ignore[no-any-return]


def _defaults(panel: dict[str, Any]) -> dict[str, Any]:
    """The panel's fieldConfig.defaults (which _field_config has checked), made if there is none."""
    config = panel.setdefault("fieldConfig", {"defaults": {}, "overrides": []})
    return config.setdefault("defaults", {})  # type: ignore[no-any-return]


def _option(options: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    """The object options[key], made if there is none; a NormaliseError naming its path if it is no object."""
    found = _member(options, key, dict, _at(path, "options"))
    if found is None:
        found = options[key] = {}
    return found  # type: ignore[no-any-return]


def _reduce_options(options: dict[str, Any], path: str) -> dict[str, Any]:
    reduce = _option(options, "reduceOptions", path)
    reduce.setdefault("calcs", ["lastNotNull"])
    reduce.setdefault("fields", "")
    reduce.setdefault("values", False)
    return reduce


def _legend(options: dict[str, Any], show: bool, path: str) -> None:
    legend = _option(options, "legend", path)
    if legend.get("displayMode") == "hidden":
        legend["displayMode"] = "list"
        show = False
    legend.setdefault("displayMode", "list")
    legend.setdefault("placement", "bottom")
    legend.setdefault("showLegend", show)
    legend.setdefault("calcs", [])


def _shown_legend(panel: dict[str, Any]) -> None:
    """A legend as Grafana's schemaVersion 37 migration leaves it, which loading the dashboard no longer runs once
    it says schemaVersion 39: `showLegend` says whether it shows, never a `hidden` display mode or a bare
    true or false. (A panel type this module migrates on its own, or whose legend has another shape, such as
    the heatmap's, is left to that migration.)"""
    options = panel.get("options")
    legend = options.get("legend") if isinstance(options, dict) else None
    if isinstance(legend, bool):
        options["legend"] = {"displayMode": "list", "showLegend": legend}  # type: ignore[index]
    elif isinstance(legend, dict):
        if legend.get("displayMode") == "hidden" or legend.get("showLegend") is False:
            if legend.get("displayMode") == "hidden":
                legend["displayMode"] = "list"
            legend["showLegend"] = False
        else:
            legend.setdefault("showLegend", True)


def _tooltip_options(panel: dict[str, Any], path: str) -> None:
    """The Grafana 7 time series' and XY chart's `options.tooltipOptions` as `options.tooltip`, where Grafana's
    schemaVersion 30 migration moves it (and which loading the dashboard no longer runs once it says 39)."""
    options = panel.get("options")
    if not isinstance(options, dict) or "tooltipOptions" not in options:
        return
    old = options["tooltipOptions"]
    if options.get("tooltip", old) != old:
        raise NormaliseError(
            f"{_at(path, 'options.tooltipOptions')} ({_kind_of(old)}) and {_at(path, 'options.tooltip')} "
            f"({_kind_of(options['tooltip'])}) are the old and the new place of one setting: keep only "
            "options.tooltip")
    options["tooltip"] = options.pop("tooltipOptions")


def _timeseries(panel: dict[str, Any], path: str) -> None:
    _tooltip_options(panel, path)
    options = _options(panel, path)
    _legend(options, show=True, path=path)
    tooltip = options.setdefault("tooltip", {"mode": "single", "sort": "none"})
    if isinstance(tooltip, dict):
        tooltip.setdefault("sort", "none")  # Grafana 7's tooltip had none; its schema now wants one
    custom = _defaults(panel).get("custom")
    if isinstance(custom, dict):
        scale = custom.get("scaleDistribution")
        if isinstance(scale, dict) and scale.get("type") == "linear":
            scale.pop("log", None)
        if custom.get("stacking") == {}:
            custom["stacking"] = {"mode": "none", "group": "A"}


def _stat(panel: dict[str, Any], path: str) -> None:
    options = _options(panel, path)
    for key, value in (("graphMode", "area"), ("colorMode", "value"), ("justifyMode", "auto"),
                       ("textMode", "auto"), ("wideLayout", True), ("showPercentChange", False),
                       ("percentChangeColorMode", "standard"), ("orientation", "auto")):
        options.setdefault(key, value)
    _reduce_options(options, path)


_GAUGE_REDUCE = {"calcs": "calcs", "values": "values", "limit": "limit"}


def _gauge(panel: dict[str, Any], path: str) -> None:
    options = _options(panel, path)
    defaults = _defaults(panel)
    config = panel["fieldConfig"]
    # grafanalib's GaugePanel writes the Grafana 6 layout: reduce options and labels among the field defaults.
    reduce = _option(options, "reduceOptions", path)
    for legacy, key in _GAUGE_REDUCE.items():
        if legacy in defaults:
            reduce[key] = defaults.pop(legacy)
    defaults.pop("override", None)
    if "title" in defaults:
        defaults["displayName"] = defaults.pop("title")
    if defaults.get("links") == []:
        del defaults["links"]
    for key in ("showThresholdLabels", "showThresholdMarkers"):
        if key in config:
            options[key] = config.pop(key)
    for key, value in (("showThresholdLabels", False), ("showThresholdMarkers", True), ("sizing", "auto"),
                       ("minVizWidth", 75), ("minVizHeight", 75), ("orientation", "auto")):
        options.setdefault(key, value)
    _reduce_options(options, path)


def _bargauge(panel: dict[str, Any], path: str) -> None:
    options = _options(panel, path)
    defaults = _defaults(panel)
    legacy = options.pop("fieldOptions", None)
    if isinstance(legacy, dict):
        # grafanalib's BarGauge writes the Grafana 6 `fieldOptions` block.
        where = _at(_at(path, "options"), "fieldOptions")
        reduce = _option(options, "reduceOptions", path)
        for key in ("calcs", "values", "limit"):
            if key in legacy:
                reduce[key] = legacy[key]
        for key, value in (_member(legacy, "defaults", dict, where) or {}).items():
            if key == "title":
                defaults["displayName"] = value
            elif key != "links" or value:
                defaults[key] = value
        if legacy.get("mappings"):
            defaults["mappings"] = legacy["mappings"]
        if legacy.get("thresholds"):
            defaults["thresholds"] = {"mode": "absolute", "steps": [
                _threshold_step(s) for s in _expect(legacy["thresholds"], list, _at(where, "thresholds"))]}
    for key in ("showThresholdLabels", "showThresholdMarkers"):
        options.pop(key, None)
    for key, value in (("displayMode", "gradient"), ("valueMode", "color"), ("namePlacement", "auto"),
                       ("showUnfilled", True), ("sizing", "auto"), ("minVizWidth", 8), ("minVizHeight", 16),
                       ("maxVizHeight", 300), ("orientation", "auto")):
        options.setdefault(key, value)
    _legend(options, show=False, path=path)
    _reduce_options(options, path)


_HEATMAP_LEGACY = ("cards", "color", "dataFormat", "heatmap", "hideZeroBuckets", "highlightCards", "legend",
                   "reverseYBuckets", "tooltip", "xAxis", "xBucketNumber", "xBucketSize", "yAxis",
                   "yBucketBound", "yBucketNumber", "yBucketSize")
_BUCKET_BOUND = {"upper": "le", "lower": "ge", "middle": "unknown", "auto": "auto"}


_HEATMAP_COLOR = {"mode": "scheme", "scheme": "Oranges", "fill": "dark-orange", "scale": "exponential",
                  "exponent": 0.5, "steps": 64, "reverse": False}
# grafanalib's HeatmapColor defaults: a legacy `color` that holds them asks for nothing beyond the modern default.
_LEGACY_COLOR = {"mode": "spectrum", "cardColor": "#b4ff00", "colorScale": "sqrt", "colorScheme": "interpolateOranges",
                 "exponent": 0.5}
_Y_AXIS = {"decimals": "decimals", "min": "min", "max": "max", "label": "axisLabel"}
_BUCKETS = (("xBucketSize", "xBuckets", "size"), ("xBucketNumber", "xBuckets", "count"),
            ("yBucketSize", "yBuckets", "size"), ("yBucketNumber", "yBuckets", "count"))


def _heatmap(panel: dict[str, Any], path: str) -> None:
    legacy = {key: panel.pop(key) for key in _HEATMAP_LEGACY if key in panel}
    options = _options(panel, path)
    if legacy:
        _legacy_heatmap(legacy, options, path)
    options.setdefault("calculate", False)
    options.setdefault("color", dict(_HEATMAP_COLOR))
    options.setdefault("showValue", "auto")
    options.setdefault("cellGap", 1)
    options.setdefault("yAxis", {"axisPlacement": "left"})
    options.setdefault("legend", {"show": True})
    options.setdefault("tooltip", {"mode": "single", "yHistogram": False})
    options.setdefault("exemplars", {"color": "rgba(255,0,255,0.7)"})


def _legacy_heatmap(legacy: dict[str, Any], options: dict[str, Any], path: str) -> None:
    """The Grafana 7 heatmap's settings (what grafanalib's Heatmap writes) in the modern options, as Grafana
    migrates them on load; a setting with no modern equivalent is a NormaliseError, never dropped."""
    # `dataFormat: tsbuckets` means the buckets come precomputed.
    if "dataFormat" in legacy:
        options.setdefault("calculate", legacy["dataFormat"] != "tsbuckets")
    y_axis = _member(legacy, "yAxis", dict, path) or {}
    axis = options.setdefault("yAxis", {"axisPlacement": "left"})
    _expect(axis, dict, _at(_at(path, "options"), "yAxis"))
    if y_axis.get("format") and y_axis["format"] != "short":
        axis.setdefault("unit", y_axis["format"])
    for key, modern in _Y_AXIS.items():
        if y_axis.get(key) is not None:
            axis.setdefault(modern, y_axis[key])
    if y_axis.get("show") is False:
        axis["axisPlacement"] = "hidden"
    if legacy.get("reverseYBuckets"):
        axis["reverse"] = True
    if "show" in (_member(legacy, "legend", dict, path) or {}):
        options.setdefault("legend", {"show": bool(legacy["legend"]["show"])})
    if isinstance(legacy.get("yBucketBound"), str) and legacy["yBucketBound"] in _BUCKET_BOUND:
        options.setdefault("rowsFrame", {"layout": _BUCKET_BOUND[legacy["yBucketBound"]]})
    color = _member(legacy, "color", dict, path)
    if color:
        _legacy_color(color, options)
    if legacy.get("hideZeroBuckets"):
        options.setdefault("filterValues", {"le": 1e-9})
    cards = _member(legacy, "cards", dict, path) or {}
    if cards.get("cardPadding") is not None:
        options.setdefault("cellGap", cards["cardPadding"])
    if cards.get("cardRound") is not None:
        options.setdefault("cellRadius", cards["cardRound"])
    tooltip = _member(legacy, "tooltip", dict, path) or {}
    if tooltip.get("show") is False or tooltip.get("showHistogram"):
        options.setdefault("tooltip", {"mode": "single" if tooltip.get("show", True) else "none",
                                       "yHistogram": bool(tooltip.get("showHistogram"))})
    _legacy_buckets(legacy, y_axis, options, path)
    for key, default in (("highlightCards", True), ("xAxis", None)):
        value = legacy.get(key)
        if value is not None and value != default and not (key == "xAxis" and (
                not isinstance(value, dict) or value.get("show", True) is not False)):
            raise NormaliseError(f"{_at(path, key)} ({_kind_of(value)}) has no modern heatmap equivalent: "
                                 "leave it unset")


def _legacy_color(color: dict[str, Any], options: dict[str, Any]) -> None:
    """The Grafana 7 heatmap `color` in the modern `options.color`, when it asks for more than the default."""
    if all(color.get(key, value) == value for key, value in _LEGACY_COLOR.items()) and \
            color.get("min") is None and color.get("max") is None:
        return
    modern = dict(_HEATMAP_COLOR)
    if color.get("mode") == "opacity":
        modern.update(mode="opacity", fill=color.get("cardColor", "#b4ff00"),
                      scale="exponential" if color.get("colorScale", "sqrt") == "sqrt" else "linear")
    elif isinstance(color.get("colorScheme"), str):
        modern["scheme"] = color["colorScheme"].removeprefix("interpolate")
    for key in ("exponent", "min", "max"):
        if color.get(key) is not None:
            modern[key] = color[key]
    options.setdefault("color", modern)


def _legacy_buckets(legacy: dict[str, Any], y_axis: dict[str, Any], options: dict[str, Any], path: str) -> None:
    """Bucket sizes and counts, and a logarithmic y axis: settings of the heatmap's own calculation."""
    wanted: dict[str, dict[str, Any]] = {}
    for key, axis, mode in _BUCKETS:
        if legacy.get(key) is not None:
            wanted.setdefault(axis, {}).update(mode=mode, value=str(legacy[key]))
    log = y_axis.get("logBase")
    if log is not None and log != 1:
        wanted.setdefault("yBuckets", {})["scale"] = {"type": "log", "log": log}
    if not wanted:
        return
    if options.get("calculate") is not True:
        raise NormaliseError(f"{path}: bucket sizes, counts and a log y axis apply only to buckets the heatmap "
                             "calculates: set dataFormat 'timeseries' or remove them")
    calculation = _option(options, "calculation", path)
    for axis, settings in wanted.items():
        calculation.setdefault(axis, settings)


def _table(panel: dict[str, Any], path: str) -> None:
    color = panel.pop("color", None)
    # grafanalib's Table writes its colorMode at panel level; "thresholds" is the modern table's own default.
    if isinstance(color, dict) and color.get("mode") not in (None, "thresholds"):
        _defaults(panel).setdefault("color", color)
    for key, default in (("columns", []), ("fontSize", "100%")):
        value = panel.pop(key, default)
        if value != default:  # the Grafana 6 table's; the modern table has none to put them in
            raise NormaliseError(f"{_at(path, key)} ({_kind_of(value)}) has no modern table equivalent: "
                                 + ("use a reduce or organize transformation" if key == "columns" else
                                    "leave it unset"))
    options = _options(panel, path)
    options.setdefault("showHeader", True)
    options.setdefault("frameIndex", 0)
    if options.get("sortBy") == []:
        del options["sortBy"]
    footer = options.get("footer")
    if isinstance(footer, dict) and footer.get("fields") == "":
        del footer["fields"]  # Grafana 8's way of saying every field, which the schema now wants as a list
    defaults = _defaults(panel)
    custom = _member(defaults, "custom", dict, _at(path, "fieldConfig.defaults"))
    if custom is None:
        custom = defaults["custom"] = {}
    # `displayMode` is deprecated but valid; Grafana turns it into cellOptions on load. The published
    # schema cannot tell cellOptions types apart (every variant accepts {"type": ...}), so leave it be.
    if custom.get("displayMode") == "auto":
        del custom["displayMode"]
    if custom.get("cellOptions") == {"type": "auto"}:
        del custom["cellOptions"]
    custom.setdefault("align", "auto")
    custom.setdefault("inspect", False)


_TEXT_MODES = {"text": "markdown"}


def _text(panel: dict[str, Any], path: str) -> None:
    panel.pop("datasource", None)
    options = _options(panel, path)
    _list_panel(panel, path)  # Grafana 6's content and mode: into the options
    mode = _member(options, "mode", str, _at(path, "options"))
    mode = "markdown" if mode is None else mode
    options["mode"] = _TEXT_MODES.get(mode, mode)
    options.setdefault("content", "")
    fields = panel.get("fieldConfig", {})
    if fields.get("defaults") == {} and fields.get("overrides") == []:
        del panel["fieldConfig"]


def _news(panel: dict[str, Any], path: str) -> None:
    """grafanalib's News writes `useProxy`, an option of the Grafana 7 news panel that current Grafana has no
    more (nor any migration of): false asked for nothing, true is refused rather than ignored."""
    options = _member(panel, "options", dict, path)
    if options is not None and "useProxy" in options:
        value = options.pop("useProxy")
        if value is not False:
            raise NormaliseError(f"{_at(_at(path, 'options'), 'useProxy')} ({_kind_of(value)}) has no modern news "
                                 "panel equivalent: leave it unset")


# Grafana's own migrations of the dashboard list's and the alert list's old settings, which lived at the panel's
# top level (where grafanalib's DashboardList and AlertList still write them): each old key, the option Grafana
# moves it to when it loads the panel (its dashlist and alertlist migration handlers), and that option's default.
_DASHLIST_LEGACY: dict[str, tuple[str, Any]] = {
    "starred": ("showStarred", True), "recent": ("showRecentlyViewed", False), "search": ("showSearch", False),
    "headings": ("showHeadings", True), "limit": ("maxItems", 10), "query": ("query", ""),
    "folderId": ("folderId", None), "tags": ("tags", [])}
_ALERTLIST_LEGACY: dict[str, tuple[str, Any]] = {
    "show": ("showOptions", "current"), "limit": ("maxItems", 10), "sortOrder": ("sortOrder", 1),
    "onlyAlertsOnDashboard": ("dashboardAlerts", False), "nameFilter": ("alertName", ""),
    "dashboardFilter": ("dashboardTitle", ""), "folderId": ("folderId", None), "dashboardTags": ("tags", []),
    "stateFilter": ("stateFilter", {})}


# A text panel's Grafana 6 settings, which its migration moves into its options.
_TEXT_LEGACY = {"content": ("content", ""), "mode": ("mode", "markdown")}
_LEGACY_PANEL_SETTINGS = {"dashlist": _DASHLIST_LEGACY, "alertlist": _ALERTLIST_LEGACY, "text": _TEXT_LEGACY}


def _list_panel(panel: dict[str, Any], path: str) -> None:
    """A dashboard or alert list (or a text panel) with its old settings in `options`; a NormaliseError for an
    old setting whose option is set to another value, as no choice would keep both (Grafana would keep the
    option)."""
    _member(panel, "options", dict, path)
    states = panel.get("stateFilter")
    if panel.get("type") == "alertlist" and isinstance(states, list):
        for index, state in enumerate(states):
            _expect(state, str, _at(_at(path, "stateFilter"), index))
    for legacy in move_legacy_panel_settings(panel):
        key = _LEGACY_PANEL_SETTINGS[panel["type"]][legacy][0]
        raise NormaliseError(
            f"{_at(path, legacy)} ({_kind_of(panel[legacy])}) and {_at(_at(path, 'options'), key)} "
            f"({_kind_of(panel['options'][key])}) are the old and the new place of one setting: keep only "
            f"options.{key}")


def move_legacy_panel_settings(panel: dict[str, Any]) -> list[str]:
    """Move a dashboard or alert list's, or a text panel's, old panel-level settings into `options`, where
    Grafana's migrations put them; return the old keys it left in place because their option is already set to
    another value.

    An option already set wins over an old key at its default, and yields to one where it holds its own default.
    """
    kind = panel.get("type")
    moves = _LEGACY_PANEL_SETTINGS.get(kind) if isinstance(kind, str) else None
    found = [legacy for legacy in moves or () if legacy in panel]
    if not found or not isinstance(panel.setdefault("options", {}), dict):
        return found
    options = panel["options"]
    states = panel.get("stateFilter")
    if panel["type"] == "alertlist" and isinstance(states, list) and all(isinstance(s, str) for s in states):
        # The old list of states is, in the options, an object with each state listed set to true.
        panel["stateFilter"] = dict.fromkeys(states, True)
    conflicts = []
    for legacy in found:
        key, default = moves[legacy]  # type: ignore[index]
        value, current = panel[legacy], options.get(key, default)
        if key in options and current != default and value not in (default, current):
            conflicts.append(legacy)
            continue
        del panel[legacy]
        if key not in options or current == default:
            options[key] = value
    return conflicts


_MIGRATIONS = {
    "timeseries": _timeseries,
    "stat": _stat,
    "gauge": _gauge,
    "bargauge": _bargauge,
    "heatmap": _heatmap,
    "table": _table,
    "text": _text,
    "news": _news,
    "dashlist": _list_panel,
    "alertlist": _list_panel,
    "xychart": _tooltip_options,
}
