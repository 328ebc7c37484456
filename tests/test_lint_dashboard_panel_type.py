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
    ("plugin panel", dashboard(panel(1, kind="grafana-worldmap-panel")),
     ["d.json: panel 1 'Requests', field type: 'grafana-worldmap-panel' is not one of timeseries, stat, gauge, "
      "table, heatmap, bargauge, piechart, text, row"]),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_panel_type(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_panel_type.CHECK, data) == expected
