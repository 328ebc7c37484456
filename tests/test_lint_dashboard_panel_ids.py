import pytest

from monitoring.checks.lint import dashboard_panel_ids
from tests.lint_cases import dashboard, messages, panel, row

CASES = [
    ("distinct ids", dashboard(panel(1), panel(2, "B", x=12)), []),
    ("distinct ids across a collapsed row", dashboard(row(1, collapsed=True, panels=[panel(2)]), panel(3)), []),
    ("duplicate id", dashboard(panel(1), panel(1, "B", x=12)),
     ["d.json: panel 1 'B', field id: 1 is already the id of the panel at panels[0]"]),
    ("duplicate id inside a collapsed row", dashboard(row(1, collapsed=True, panels=[panel(1, "Inner")])),
     ["d.json: panel 1 'Inner', field id: 1 is already the id of the panel at panels[0]"]),
    ("missing id", dashboard(panel(1, id=None)),
     ["d.json: panel at panels[0] 'Requests', field id: must be an integer, found None"]),
    ("string id", dashboard(panel(1, id="1")),
     ["d.json: panel at panels[0] 'Requests', field id: must be an integer, found '1'"]),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_panel_ids(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_panel_ids.CHECK, data) == expected
