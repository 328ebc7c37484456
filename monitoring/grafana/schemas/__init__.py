"""Grafana's current dashboard schema: its version, the modern panel types, and the published JSON Schemas
beside this file (dashboard, panels, Prometheus query), unchanged (Apache-2.0, see NOTICE.md)."""

SCHEMA_VERSION = 39
# The panels a dashboard shows data or text in; each has a schema for its options here. Then a row groups them.
PANEL_TYPES = ("timeseries", "stat", "gauge", "table", "heatmap", "bargauge", "text")
# Grafana's other core panels: the visualizations built into current Grafana (its plugins with an "internal"
# signature, by their plugin ids), less the deprecated ones below and the home page's hidden ones. No schema
# for their options is shipped here, so only the dashboard-level fields of such a panel are checked.
OTHER_CORE_PANEL_TYPES = ("piechart", "barchart", "histogram", "state-timeline", "status-history", "trend",
                          "xychart", "candlestick", "logs", "nodeGraph", "traces", "flamegraph", "canvas",
                          "geomap", "datagrid", "dashlist", "alertlist", "annolist", "news")
# Every panel type a dashboard may use: Grafana's core panels, then the row that groups them.
MODERN_PANEL_TYPES = (*PANEL_TYPES, *OTHER_CORE_PANEL_TYPES, "row")
# Grafana's own migrations of old panel types, as it makes them when it opens an old dashboard.
MIGRATED_PANEL_TYPES = {"graph": "timeseries", "singlestat": "stat", "grafana-singlestat-panel": "stat",
                        "grafana-piechart-panel": "piechart", "table-old": "table"}
