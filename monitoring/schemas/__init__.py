"""Data files: Grafana's published JSON Schemas (see grafana/NOTICE.md)."""
