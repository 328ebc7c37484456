"""Grafana's dashboard, panel and Prometheus query schemas, unchanged (Apache-2.0, see NOTICE.md)."""
