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


def _overlaps(boxes: list[tuple[int, int, int, int]]) -> dict[int, list[int]]:
    """For each box, the earlier boxes (by index) it overlaps. A sweep from the top: a box is compared only
    with the boxes still open at its first row, at most one per column unless they overlap each other, so a
    dashboard of n panels costs n checks, not n squared."""
    found: dict[int, list[int]] = {}
    open_boxes: list[int] = []
    for index in sorted(range(len(boxes)), key=lambda i: boxes[i][1]):
        box = boxes[index]
        open_boxes = [i for i in open_boxes if boxes[i][1] + boxes[i][3] > box[1]]
        for other in open_boxes:
            if _overlap(box, boxes[other]):
                later, earlier = max(index, other), min(index, other)
                found.setdefault(later, []).append(earlier)
        open_boxes.append(index)
    return {later: sorted(earlier) for later, earlier in found.items()}


def run(doc: DashboardDocument, ctx: LintContext) -> list[Problem]:
    # In panel order: each panel's own problem, or the earlier panels it overlaps.
    found: list[list[Problem] | tuple[int, int]] = []
    # Panels share the grid with their siblings only: a collapsed row's panels are laid out when it opens.
    layers: dict[int, list[tuple[PanelRef, tuple[int, int, int, int]]]] = {}
    for ref in iter_panels(doc.data):
        grid = ref.panel.get("gridPos")
        box = _box(grid)
        where = at_panel(doc, ref, "gridPos")
        if box is None:
            found.append([CHECK.problem("panel without a position",
                                        f"{where}: needs integer x, y, w and h, found {grid!r}")])
            continue
        x, y, w, h = box
        if w < 1 or h < 1 or x < 0 or y < 0:
            found.append([CHECK.problem("panel size out of range",
                                        f"{where}: x and y must be >= 0, w and h >= 1, found {dict(grid)!r}")])
            continue
        if x + w > COLUMNS:
            found.append([CHECK.problem(
                "panel wider than the grid",
                f"{where}: x + w = {x} + {w} = {x + w} exceeds the {COLUMNS} columns of the grid")])
            continue
        layer = layers.setdefault(id(ref.parent) if ref.parent is not None else 0, [])
        found.append((id(ref.parent) if ref.parent is not None else 0, len(layer)))
        layer.append((ref, box))
    overlaps = {key: _overlaps([box for _, box in layer]) for key, layer in layers.items()}
    problems: list[Problem] = []
    for entry in found:
        if isinstance(entry, list):
            problems.extend(entry)
            continue
        key, index = entry
        ref, _ = layers[key][index]
        where = at_panel(doc, ref, "gridPos")
        for earlier in overlaps[key].get(index, ()):
            other = layers[key][earlier][0]
            problems.append(CHECK.problem(
                "panels overlap",
                f"{where}: {dict(ref.panel['gridPos'])!r} overlaps {other.label()} at "
                f"{dict(other.panel['gridPos'])!r}"))
    return problems


CHECK = Check(
    id="dashboard/grid",
    summary="Every panel's gridPos lies within the 24 columns of the grid, and no two panels overlap.",
    run=run,
)
