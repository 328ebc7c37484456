"""Where a dashboard's panels are: for each, the list that holds it, its index there, its JSON path and the row
it sits in. Rows come first, then the panels a row holds (Grafana keeps a collapsed row's panels in the row).

    for panels, index, path, row in panel_places(dashboard):
        panels[index]   # the panel; path 'panels[3]' or 'panels[2].panels[0]'; row None at the top level
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def panel_places(data: Mapping[str, Any]) -> Iterator[tuple[list[Any], int, str, Mapping[str, Any] | None]]:
    """(the list that holds it, its index there, its JSON path, its row or None) for every panel that is an
    object."""
    panels = data.get("panels")
    if not isinstance(panels, list):
        return
    for i, panel in enumerate(panels):
        if not isinstance(panel, dict):
            continue
        yield panels, i, f"panels[{i}]", None
        nested = panel.get("panels")
        if panel.get("type") == "row" and isinstance(nested, list):
            for j, child in enumerate(nested):
                if isinstance(child, dict):
                    yield nested, j, f"panels[{i}].panels[{j}]", panel
