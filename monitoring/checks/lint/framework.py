"""What every lint check shares: its metadata, the document it reads, and the problems it reports."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """A diagnostic in two parts: a short summary, and a sentence naming the file, object and field."""

    check: str
    summary: str
    message: str
    severity: Severity = "error"

    def line(self) -> str:
        return f"{self.check}: {self.message}"


@dataclass(frozen=True)
class DashboardDocument:
    """One dashboard's JSON, and where it came from (the file named in every message)."""

    source: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class LintContext:
    """What checks may know besides the document: series names the stack defines (None: unknown)."""

    known_series: frozenset[str] | None = None


@dataclass(frozen=True)
class Check:
    """A check's metadata, in the spirit of pint's CheckMeta: id, severity, and whether it needs a server."""

    id: str
    summary: str
    run: Callable[[DashboardDocument, LintContext], list[Problem]]
    severity: Severity = "error"
    online: bool = False
    applies_to: Literal["dashboard"] = "dashboard"

    @property
    def module(self) -> str:
        """The module that holds the check: 'dashboard/panel-ids' -> 'dashboard_panel_ids'."""
        return self.id.replace("/", "_").replace("-", "_")

    @property
    def doc(self) -> str:
        """The doc page, relative to the repository root."""
        return f"docs/checks/{self.id}.md"

    def problem(self, summary: str, message: str) -> Problem:
        return Problem(self.id, summary, message, self.severity)


@dataclass(frozen=True)
class PanelRef:
    """A panel and its place in the dashboard: `panels[3]` or `panels[2].panels[0]` for collapsed rows."""

    path: str
    panel: Mapping[str, Any]
    parent: Mapping[str, Any] | None = field(default=None)

    def label(self) -> str:
        title = self.panel.get("title")
        ident = self.panel.get("id")
        name = f"panel {ident}" if isinstance(ident, int) else f"panel at {self.path}"
        return f"{name} {title!r}" if isinstance(title, str) and title else name


def iter_panels(data: Mapping[str, Any]) -> Iterator[PanelRef]:
    """Every panel, rows first and then the panels a collapsed row holds."""
    panels = data.get("panels")
    if not isinstance(panels, list):
        return
    for i, panel in enumerate(panels):
        if not isinstance(panel, dict):
            continue
        yield PanelRef(f"panels[{i}]", panel)
        nested = panel.get("panels")
        if panel.get("type") == "row" and isinstance(nested, list):
            for j, child in enumerate(nested):
                if isinstance(child, dict):
                    yield PanelRef(f"panels[{i}].panels[{j}]", child, panel)


def targets(ref: PanelRef) -> Iterator[tuple[int, Mapping[str, Any]]]:
    items = ref.panel.get("targets")
    if isinstance(items, list):
        for i, target in enumerate(items):
            if isinstance(target, dict):
                yield i, target


def field_path(parts: Sequence[str | int]) -> str:
    """'fieldConfig.defaults.custom.lineWidth' or 'targets[0].expr' from a sequence of keys and indexes."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def at_panel(doc: DashboardDocument, ref: PanelRef, field_name: str) -> str:
    """'<file>: panel 3 'Latency', field targets[0].expr' for a message."""
    return f"{doc.source}: {ref.label()}, field {field_name}"


def at_dashboard(doc: DashboardDocument, field_name: str) -> str:
    return f"{doc.source}: dashboard {doc.data.get('title', '')!r}, field {field_name}"
