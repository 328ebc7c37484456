import pytest

from monitoring.checks.lint import dashboard_grid
from tests.lint_cases import dashboard, messages, panel, row

CASES = [
    ("two panels side by side", dashboard(panel(1), panel(2, "B", x=12)), []),
    ("a full-width row and panels below it", dashboard(row(1), panel(2, y=1), panel(3, "B", x=12, y=1)), []),
    ("collapsed row panels share no space with the top level",
     dashboard(row(1, collapsed=True, panels=[panel(2, y=1)]), panel(3, "B", y=1)), []),
    ("wider than the grid", dashboard(panel(1, x=16, w=12)),
     ["d.json: panel 1 'Requests', field gridPos: x + w = 16 + 12 = 28 exceeds the 24 columns of the grid"]),
    ("overlapping panels", dashboard(panel(1), panel(2, "B", x=6)),
     ["d.json: panel 2 'B', field gridPos: {'x': 6, 'y': 0, 'w': 12, 'h': 8} overlaps panel 1 'Requests' at "
      "{'x': 0, 'y': 0, 'w': 12, 'h': 8}"]),
    ("overlap inside a collapsed row",
     dashboard(row(1, collapsed=True, panels=[panel(2, y=1), panel(3, "B", y=4)])),
     ["d.json: panel 3 'B', field gridPos: {'x': 0, 'y': 4, 'w': 12, 'h': 8} overlaps panel 2 'Requests' at "
      "{'x': 0, 'y': 1, 'w': 12, 'h': 8}"]),
    ("no gridPos", dashboard(panel(1, gridPos=None)),
     ["d.json: panel 1 'Requests', field gridPos: needs integer x, y, w and h, found None"]),
    ("zero height", dashboard(panel(1, h=0)),
     ["d.json: panel 1 'Requests', field gridPos: x and y must be >= 0, w and h >= 1, found "
      "{'x': 0, 'y': 0, 'w': 12, 'h': 0}"]),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_grid(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_grid.CHECK, data) == expected


def test_panels_without_a_position_are_laid_out_as_grafana_shows_them() -> None:
    """Grafana's schema gives a panel without a gridPos its default size (12 x 9, a row 24 x 1) and its grid moves
    it down past the panels before it; normalised so, a JSON dashboard without positions passes the check."""
    from monitoring.grafana.normalise import normalise

    data = normalise({"title": "t", "panels": [
        {"type": "stat", "title": "A", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 4}}, {"type": "stat", "title": "B"},
        {"type": "row", "title": "R", "collapsed": True, "panels": [{"type": "stat", "title": "C"},
                                                                     {"type": "stat", "title": "D"}]},
        {"type": "stat", "title": "E"}]})
    assert [p["gridPos"] for p in data["panels"]] == [
        {"x": 0, "y": 0, "w": 24, "h": 4}, {"x": 0, "y": 4, "w": 12, "h": 9}, {"x": 0, "y": 13, "w": 24, "h": 1},
        {"x": 0, "y": 14, "w": 12, "h": 9}]
    assert [p["gridPos"]["y"] for p in data["panels"][2]["panels"]] == [14, 23]
    assert messages(dashboard_grid.CHECK, data) == []
