"""Grafana dashboards: the model's dashboards emitted as Grafana's current-schema JSON, users' hand-written
grafanalib dashboards normalised to the same form, template variables, and Grafana's published schemas.

- `dashboards`: every dashboard of a stack, as JSON data (declared, per service, per service's SLOs);
- `service_dashboard`, `slo_dashboard`: the generated dashboards, as model objects;
- `hand_written`: `dashboards/*.dashboard.py`, the only dashboards that go through `normalise`;
- `variables`: Grafana's template variables in query text;
- `schemas`: the schema version, the modern panel types and the JSON Schemas the checks validate against.

Importing this package loads neither grafanalib nor the model.
"""
