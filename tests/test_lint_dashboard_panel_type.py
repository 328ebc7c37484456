import pytest

from monitoring.checks.lint import dashboard_panel_type
from tests.lint_cases import dashboard, messages, panel, row

CASES = [
    ("modern types", dashboard(row(1), panel(2, y=1), panel(3, "S", "stat", x=12, y=1), panel(4, "T", "text", y=9)),
     []),
    ("graph", dashboard(panel(1, kind="graph")),
     ["d.json: panel 1 'Requests', field type: 'graph' is not one of timeseries, stat, gauge, table, heatmap, "
      "bargauge, piechart, text, row (use timeseries)"]),
    ("singlestat inside a collapsed row", dashboard(row(1, collapsed=True, panels=[panel(2, "Up", "singlestat")])),
     ["d.json: panel 2 'Up', field type: 'singlestat' is not one of timeseries, stat, gauge, table, heatmap, "
      "bargauge, piechart, text, row (use stat)"]),
    ("the old singlestat plugin", dashboard(panel(1, kind="grafana-singlestat-panel")),
     ["d.json: panel 1 'Requests', field type: 'grafana-singlestat-panel' is not one of timeseries, stat, gauge, "
      "table, heatmap, bargauge, piechart, text, row (use stat)"]),
    ("plugin panel", dashboard(panel(1, kind="grafana-worldmap-panel")),
     ["d.json: panel 1 'Requests', field type: 'grafana-worldmap-panel' is not one of timeseries, stat, gauge, "
      "table, heatmap, bargauge, piechart, text, row"]),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_panel_type(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_panel_type.CHECK, data) == expected


def test_every_old_type_is_named_with_what_grafana_migrates_it_to() -> None:
    """One map of Grafana's migrations: the lint's advice, and what the importers migrate to, come from it."""
    from monitoring.grafana.schemas import MIGRATED_PANEL_TYPES, MODERN_PANEL_TYPES
    from monitoring.imports import dashboards, legacy_dashboard

    for old, new in MIGRATED_PANEL_TYPES.items():
        assert new in MODERN_PANEL_TYPES and old not in MODERN_PANEL_TYPES
        assert messages(dashboard_panel_type.CHECK, dashboard(panel(1, kind=old)))[0].endswith(f"(use {new})")
    assert dashboards._MIGRATED.items() <= MIGRATED_PANEL_TYPES.items()
    assert legacy_dashboard.MIGRATED_PANEL_TYPES is MIGRATED_PANEL_TYPES
