"""Publishing to Grafana over its HTTP API: read the live state, plan, show the diff, apply.

Layers: config (where and who), client (HTTP with retries), desired (out/grafana), live (reads), plan (pure
decisions and diffs), apply (writes), run (the gate and the run, returning a PublishReport). Nothing here
prints: the command line turns the report into text.

The library's verb is `monitoring.publish` (monitoring.api.publish), which calls `run.publish_out`. Importing
this package loads neither grafanalib nor the model: it reads out/ alone.
"""
