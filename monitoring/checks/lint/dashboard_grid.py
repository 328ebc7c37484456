"""dashboard/grid: every panel has a gridPos inside Grafana's 24 columns, and no two panels overlap."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitoring.checks.lint.framework import (
    Check,
    DashboardDocument,
    LintContext,
    PanelRef,
    Problem,
    at_panel,
    iter_panels,
)

COLUMNS = 24


def _box(grid: Any) -> tuple[int, int, int, int] | None:
    if not isinstance(grid, Mapping):
        return None
    values = [grid.get(k) for k in ("x", "y", "w", "h")]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return None
    x, y, w, h = values
    return x, y, w, h


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    problems: list[Problem] = []
    # Panels share the grid with their siblings only: a collapsed row's panels are laid out when it opens.
    layers: dict[int, list[tuple[PanelRef, tuple[int, int, int, int]]]] = {}
    for ref in iter_panels(doc.data):
        grid = ref.panel.get("gridPos")
        box = _box(grid)
        where = at_panel(doc, ref, "gridPos")
        if box is None:
            problems.append(CHECK.problem("panel without a position",
                                          f"{where}: needs integer x, y, w and h, found {grid!r}"))
            continue
        x, y, w, h = box
        if w < 1 or h < 1 or x < 0 or y < 0:
            problems.append(CHECK.problem("panel size out of range",
                                          f"{where}: x and y must be >= 0, w and h >= 1, found {dict(grid)!r}"))
            continue
        if x + w > COLUMNS:
            problems.append(CHECK.problem(
                "panel wider than the grid",
                f"{where}: x + w = {x} + {w} = {x + w} exceeds the {COLUMNS} columns of the grid"))
            continue
        layer = layers.setdefault(id(ref.parent) if ref.parent is not None else 0, [])
        for other, other_box in layer:
            if _overlap(box, other_box):
                problems.append(CHECK.problem(
                    "panels overlap",
                    f"{where}: {dict(grid)!r} overlaps {other.label()} at {dict(other.panel['gridPos'])!r}"))
        layer.append((ref, box))
    return problems


CHECK = Check(
    id="dashboard/grid",
    summary="Every panel's gridPos lies within the 24 columns of the grid, and no two panels overlap.",
    run=run,
)
