"""Publishing to Grafana over its HTTP API: read the live state, plan, show the diff, apply.

Layers: config (where and who), client (HTTP with retries), desired (out/grafana), live (reads), plan (pure
decisions and diffs), apply (writes), report (text), command (the CLI entry point with its gate).
"""
