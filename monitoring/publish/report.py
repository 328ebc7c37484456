"""What publish prints: the plan with its diffs, and the summary. Colour only on a terminal."""

from __future__ import annotations

import os
from typing import TextIO

from monitoring.publish.apply import Outcome
from monitoring.publish.plan import Action, DashboardChange, Plan, dashboard_diff


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)


def style_for(stream: TextIO) -> Style:
    """Colour when the stream is a terminal and NO_COLOR is not set (https://no-color.org)."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return Style(tty and not os.environ.get("NO_COLOR"))


def colour_diff(lines: list[str], style: Style) -> list[str]:
    out = []
    for line in lines:
        if line.startswith(("---", "+++", "folder:")):
            out.append(style.bold(line))
        elif line.startswith("@@"):
            out.append(style.cyan(line))
        elif line.startswith("+"):
            out.append(style.green(line))
        elif line.startswith("-"):
            out.append(style.red(line))
        else:
            out.append(line)
    return out


def _counts_line(plan: Plan) -> str:
    counts, folders = plan.counts(), plan.folder_counts()
    dashboards = ", ".join(f"{counts[a]} {a}" for a in Action)
    folder_part = ", ".join(f"{folders[a]} {a}" for a in (Action.CREATE, Action.UPDATE, Action.PRUNE))
    failed = f"; {len(plan.failures)} unreadable" if plan.failures else ""
    return f"plan: dashboards: {dashboards}; folders: {folder_part}{failed}"


def _item_line(change: DashboardChange, style: Style) -> str:
    where = f" in folder {change.folder_uid}" if change.action != Action.PRUNE else ""
    if change.live_folder is not None and change.body is not None and change.live_folder != change.folder_uid:
        where = f", moving from folder {change.live_folder or 'General'} to {change.folder_uid}"
    label = f"{change.action.value:<9} dashboard {change.uid} ({change.title!r}){where}"
    if change.action == Action.DRIFT:
        return style.yellow(f"{label}: {change.reason}; kept (--force overwrites it)")
    if change.forced:
        return style.yellow(f"{label}: {change.reason}; overwritten because of --force")
    return label


def plan_lines(plan: Plan, style: Style, diffs: bool) -> list[str]:
    """The counts, one line per change, and with `diffs` the unified diff of each update, drift and prune."""
    lines = [style.bold(_counts_line(plan))]
    for folder in [*plan.folders, *plan.prune_folders]:
        if folder.action == Action.UPDATE:
            lines.append(f"{'update':<9} folder {folder.uid}: title {folder.live_title!r} -> {folder.title!r}")
        elif folder.action != Action.UNCHANGED:
            lines.append(f"{folder.action.value:<9} folder {folder.uid} ({folder.title!r})")
    for change in plan.dashboards:
        if change.action == Action.UNCHANGED:
            continue
        lines.append(_item_line(change, style))
        if diffs and change.action != Action.CREATE:
            lines.extend(colour_diff(dashboard_diff(change), style))
    lines += [f"note: {note}" for note in plan.notes]
    lines += [style.red(f"cannot read {_named(what, why)}") for what, why in plan.failures]
    return lines


def summary_lines(plan: Plan, outcome: Outcome, style: Style) -> list[str]:
    counts, done = plan.counts(), outcome.done
    failed = len(outcome.failures) + len(plan.failures)
    line = (f"published: {done['created']} created, {done['updated']} updated, {counts[Action.UNCHANGED]} unchanged, "
            f"{counts[Action.DRIFT]} drift kept, {done['pruned']} pruned, {failed} failed; folders: "
            f"{done['folder created']} created, {done['folder updated']} updated, {done['folder pruned']} pruned")
    lines = [style.bold(line)]
    for change in plan.dashboards:
        if change.action == Action.DRIFT:
            lines.append(style.yellow(f"DRIFT  {change.what}: {change.reason}; kept: publish --force overwrites it"))
    lines += [f"note: {note}" for note in outcome.notes]
    for what, why in [*plan.failures, *outcome.failures]:
        lines.append(style.red(f"FAILED {_named(what, why)}"))
    if failed:
        lines.append("what succeeded stays; re-run publish to finish the rest")
    return lines


def _named(what: str, why: str) -> str:
    """'dashboard x: why', without naming the item twice when the message already starts with it."""
    return why if why.startswith(f"{what}:") else f"{what}: {why}"
