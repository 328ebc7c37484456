"""Grafana's current dashboard schema: its version, the modern panel types, and the published JSON Schemas
beside this file (dashboard, panels, Prometheus query), unchanged (Apache-2.0, see NOTICE.md)."""

SCHEMA_VERSION = 39
# The panels a dashboard shows data or text in; each has a schema for its options here. Then a row groups them.
PANEL_TYPES = ("timeseries", "stat", "gauge", "table", "heatmap", "bargauge", "text")
# piechart is core since Grafana 8 (what the old piechart plugin migrates to); no schema for its options is
# shipped here, so only the dashboard-level fields of such a panel are checked.
MODERN_PANEL_TYPES = (*PANEL_TYPES[:-1], "piechart", PANEL_TYPES[-1], "row")
# Grafana's own migrations of old panel types, as it makes them when it opens an old dashboard.
MIGRATED_PANEL_TYPES = {"graph": "timeseries", "singlestat": "stat", "grafana-singlestat-panel": "stat",
                        "grafana-piechart-panel": "piechart", "table-old": "table"}
