import pytest

from monitoring.checks.lint import dashboard_panel_type
from monitoring.grafana.schemas import MODERN_PANEL_TYPES, OTHER_CORE_PANEL_TYPES
from tests.lint_cases import dashboard, messages, panel, row

PLUGIN = "is not a core Grafana panel type: a plugin's panel, whose options cannot be checked here"
CASES = [
    ("modern types", dashboard(row(1), panel(2, y=1), panel(3, "S", "stat", x=12, y=1), panel(4, "T", "text", y=9)),
     []),
    # Grafana's other core visualizations (what grafanalib's BarChart, Histogram, Logs, StateTimeline, PieChartv2,
    # News, DashboardList and AlertList write among them): accepted, with only their dashboard-level fields checked.
    ("other core types",
     dashboard(*(panel(i + 1, kind=kind, y=8 * i) for i, kind in enumerate(OTHER_CORE_PANEL_TYPES))), []),
    ("graph", dashboard(panel(1, kind="graph")),
     ["d.json: panel 1 'Requests', field type: 'graph' is a deprecated panel type, which Grafana migrates with "
      "losses (use timeseries)"]),
    ("singlestat inside a collapsed row", dashboard(row(1, collapsed=True, panels=[panel(2, "Up", "singlestat")])),
     ["d.json: panel 2 'Up', field type: 'singlestat' is a deprecated panel type, which Grafana migrates with "
      "losses (use stat)"]),
    ("the old singlestat plugin", dashboard(panel(1, kind="grafana-singlestat-panel")),
     ["d.json: panel 1 'Requests', field type: 'grafana-singlestat-panel' is a deprecated panel type, which "
      "Grafana migrates with losses (use stat)"]),
    ("the old table", dashboard(panel(1, kind="table-old")),
     ["d.json: panel 1 'Requests', field type: 'table-old' is a deprecated panel type, which Grafana migrates "
      "with losses (use table)"]),
    ("plugin panel", dashboard(panel(1, kind="grafana-worldmap-panel")),
     [f"d.json: panel 1 'Requests', field type: 'grafana-worldmap-panel' {PLUGIN}"]),
    ("plugin panel in a collapsed row", dashboard(row(1, collapsed=True, panels=[
        panel(2, "Status", "flant-statusmap-panel")])),
     [f"d.json: panel 2 'Status', field type: 'flant-statusmap-panel' {PLUGIN}"]),
    ("a misspelt core type", dashboard(panel(1, kind="timeserie")),
     ["d.json: panel 1 'Requests', field type: 'timeserie' is not a core Grafana panel type (did you mean "
      "'timeseries'?): a plugin's panel, whose options cannot be checked here"]),
    ("no type", dashboard(panel(1, kind="x") | {"type": None}),
     ["d.json: panel 1 'Requests', field type: must be a core Grafana panel type, found None"]),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_panel_type(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_panel_type.CHECK, data) == expected


def test_every_old_type_is_named_with_what_grafana_migrates_it_to() -> None:
    """One map of Grafana's migrations: the lint's advice, and what the importers migrate to, come from it."""
    from monitoring.grafana import legacy_dashboard
    from monitoring.grafana.schemas import MIGRATED_PANEL_TYPES
    from monitoring.imports import dashboards

    for old, new in MIGRATED_PANEL_TYPES.items():
        assert new in MODERN_PANEL_TYPES and old not in MODERN_PANEL_TYPES
        assert messages(dashboard_panel_type.CHECK, dashboard(panel(1, kind=old)))[0].endswith(f"(use {new})")
    assert dashboards._MIGRATED.items() <= MIGRATED_PANEL_TYPES.items()
    assert legacy_dashboard.MIGRATED_PANEL_TYPES is MIGRATED_PANEL_TYPES


def test_every_grafanalib_panel_for_a_core_visualization_has_a_core_type() -> None:
    """grafanalib's panel classes: those for Grafana's own visualizations write a type the check accepts, those
    for plugins (and the deprecated ones) a type it refuses."""
    import inspect

    from grafanalib import core as g

    kinds = {}
    for name, cls in inspect.getmembers(g, inspect.isclass):
        if (issubclass(cls, g.Panel) and cls is not g.Panel) or cls is g.AlertList:
            data = cls(title=name).to_json_data()
            kinds[name] = data["type"]
    accepted = {name for name, kind in kinds.items() if kind in MODERN_PANEL_TYPES}
    assert accepted == {"AlertList", "BarChart", "BarGauge", "DashboardList", "GaugePanel", "Heatmap", "Histogram",
                        "Logs", "News", "PieChartv2", "RowPanel", "Stat", "StateTimeline", "Table", "Text",
                        "TimeSeries"}
