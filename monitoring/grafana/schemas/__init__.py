"""Grafana's current dashboard schema: its version, the modern panel types, and the published JSON Schemas
beside this file (dashboard, panels, Prometheus query), unchanged (Apache-2.0, see NOTICE.md)."""

SCHEMA_VERSION = 39
# The panels a dashboard shows data or text in; each has a schema for its options here. Then a row groups them.
PANEL_TYPES = ("timeseries", "stat", "gauge", "table", "heatmap", "bargauge", "text")
MODERN_PANEL_TYPES = (*PANEL_TYPES, "row")
