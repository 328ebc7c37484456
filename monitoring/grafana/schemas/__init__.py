"""Grafana's current dashboard schema: its version, the modern panel types, and the published JSON Schemas
beside this file (dashboard, panels, Prometheus query), unchanged (Apache-2.0, see NOTICE.md)."""

SCHEMA_VERSION = 39
MODERN_PANEL_TYPES = ("timeseries", "stat", "gauge", "table", "heatmap", "bargauge", "text", "row")
