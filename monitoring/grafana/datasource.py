"""The Prometheus data source every generated panel and query refers to: the dashboard's `datasource` variable."""

from __future__ import annotations

from typing import Any

DATASOURCE_VARIABLE = "datasource"
PROMETHEUS = "prometheus"


def datasource_ref(uid: str = "${" + DATASOURCE_VARIABLE + "}") -> dict[str, str]:
    """A panel's or query's `datasource`: an object {type, uid}, by default the `datasource` variable."""
    return {"type": PROMETHEUS, "uid": uid}


def datasource_variable() -> dict[str, Any]:
    """The `datasource` template variable: any Prometheus data source, chosen on the dashboard."""
    return {"name": DATASOURCE_VARIABLE, "label": "Data source", "type": "datasource", "query": PROMETHEUS,
            "refresh": 1, "hide": 0}
