"""A demo MCP server exporter: the pack's metric catalog, synthetic traffic, and faults on demand.

Run it with `python -m monitoring.demo --port 9464`; it needs prometheus_client (the `test` extra).
GET /metrics is the scrape endpoint; GET /control shows the fault knobs and POST /control (a JSON
object) changes them, e.g. `{"error_ratio": 0.5}`, `{"latency_shift": 2}` or `{"serving": false}`.
"""
