import pytest

from monitoring.checks.lint import dashboard_panel_schema
from tests.lint_cases import OPTIONS, dashboard, messages, panel

HIDDEN_LEGEND = {**OPTIONS["timeseries"], "legend": {"displayMode": "hidden", "placement": "bottom", "calcs": []}}

TABLE_OPTIONS = {"showHeader": True, "cellHeight": "sm", "frameIndex": 0,
                 "footer": {"show": False, "reducer": ["sum"], "countRows": False, "fields": []}}


def _table(cell_options: dict) -> dict:
    return dashboard(panel(1, kind="table", options=TABLE_OPTIONS, fieldConfig={
        "defaults": {"custom": {"align": "auto", "inspect": False, "cellOptions": cell_options}}, "overrides": []}))


CASES = [
    ("modern options", dashboard(panel(1), panel(2, "S", "stat", x=12), panel(3, "T", "text", y=8)), []),
    ("time series custom field config", dashboard(panel(1, fieldConfig={
        "defaults": {"custom": {"drawStyle": "bars", "fillOpacity": 50}}, "overrides": []})), []),
    ("grafanalib's hidden legend", dashboard(panel(1, options=HIDDEN_LEGEND)),
     ["d.json: panel 1 'Requests', field options.legend: 'showLegend' is a required property"]),
    ("stat without its required options", dashboard(panel(1, kind="stat", options={"graphMode": "area"})),
     ["d.json: panel 1 'Requests', field options: 'colorMode' is a required property",
      "d.json: panel 1 'Requests', field options: 'justifyMode' is a required property",
      "d.json: panel 1 'Requests', field options: 'orientation' is a required property",
      "d.json: panel 1 'Requests', field options: 'percentChangeColorMode' is a required property",
      "d.json: panel 1 'Requests', field options: 'reduceOptions' is a required property",
      "d.json: panel 1 'Requests', field options: 'showPercentChange' is a required property",
      "d.json: panel 1 'Requests', field options: 'textMode' is a required property",
      "d.json: panel 1 'Requests', field options: 'wideLayout' is a required property"]),
    ("unknown custom field", dashboard(panel(1, fieldConfig={"defaults": {"custom": {"lineWidht": 2}},
                                                             "overrides": []})),
     ["d.json: panel 1 'Requests', field fieldConfig.defaults.custom: Additional properties are not allowed "
      "('lineWidht' was unexpected)"]),
    ("custom field config on a stat", dashboard(panel(1, kind="stat", fieldConfig={
        "defaults": {"custom": {"align": "auto"}}, "overrides": []})),
     ["d.json: panel 1 'Requests', field fieldConfig.defaults.custom: a stat panel has no "
      "fieldConfig.defaults.custom settings, found {'align': 'auto'}"]),
    ("text mode of Grafana 6", dashboard(panel(1, kind="text", options={"mode": "text", "content": "x"})),
     ["d.json: panel 1 'Requests', field options.mode: 'text' is not one of ['html', 'markdown', 'code']"]),
    # The schema's unions overlap (each cellOptions variant takes {"type": ...}): valid under several is valid.
    ("table cell coloured by background", _table({"type": "color-background", "mode": "gradient"}), []),
    ("table cell as a gauge", _table({"type": "gauge", "mode": "lcd"}), []),
    ("table cell of no variant", _table({"type": "color-background", "mode": "sideways"}),
     ["d.json: panel 1 'Requests', field fieldConfig.defaults.custom.cellOptions: {'type': 'color-background', "
      "'mode': 'sideways'} is not valid under any of the given schemas"]),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_panel_schema(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_panel_schema.CHECK, data) == expected
