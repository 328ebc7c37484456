"""Carry out a plan: folders first, then dashboards, then pruning; each item on its own.

An item that fails is reported and the others go on: what succeeded stays, and the next run plans only what is
left. A write that meets 412 or 409 reads the live state again: if it already shows what we meant to write (an
earlier attempt landed although its answer was lost), the item succeeded; otherwise it is a conflict, and
nothing is overwritten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from monitoring.grafana.publish.client import STOPPING, GrafanaClient, GrafanaError
from monitoring.grafana.publish.plan import Action, DashboardChange, FolderChange, Plan, live_matches, save_payload
from monitoring.grafana.publish.pool import Progress, Result, run_all


@dataclass
class Outcome:
    done: Counter[str] = field(default_factory=Counter)  # "created", "updated", "pruned", "folder created" ...
    failures: list[tuple[str, str]] = field(default_factory=list)  # (item, why)
    notes: list[str] = field(default_factory=list)


def ensure_folder(client: GrafanaClient, change: FolderChange) -> str:
    if change.action == Action.CREATE:
        try:
            client.create_folder(change.uid, change.title)
            return "folder created"
        except GrafanaError as exc:
            if exc.status != 409:
                raise
        live = client.get_folder(change.uid)  # 409: it exists (perhaps our own lost attempt): re-read
        if live is None:
            raise GrafanaError(f"folder {change.uid}: Grafana answered 409 but has no folder with this uid: another "
                               f"folder is probably titled {change.title!r} already (rename one of them)", 409)
        if live.get("title") == change.title:
            return "folder created"
        change = FolderChange(Action.UPDATE, change.uid, change.title, live.get("title"), live.get("version"))
    try:
        client.update_folder(change.uid, change.title, change.live_version or 0)
    except GrafanaError as exc:
        if exc.status == 404:  # deleted since it was read: it is missing, so create it
            return ensure_folder(client, FolderChange(Action.CREATE, change.uid, change.title))
        if exc.status != 412:
            raise
        live = client.get_folder(change.uid)
        if live is None or live.get("title") != change.title:
            raise GrafanaError(f"folder {change.uid}: changed in Grafana after it was read (412 version-mismatch); "
                               f"not renamed: re-run publish", 412, "version-mismatch") from None
    return "folder updated"


def save_dashboard(client: GrafanaClient, change: DashboardChange, message: str) -> str:
    assert change.body is not None
    creating = change.action == Action.CREATE
    payload = save_payload(change.body, change.folder_uid, None if creating else change.live_version)
    done = "created" if creating else "updated"
    try:
        client.save_dashboard(payload, change.folder_uid, message)
        return done
    except GrafanaError as exc:
        if exc.status != 412:
            raise
        failure = exc
    live = client.get_dashboard(change.uid)
    if live_matches(live, change.body, change.folder_uid):
        return done  # an earlier attempt landed; its answer was lost on the way
    if failure.reason == "version-mismatch" or (creating and live is not None):
        now = f" (now version {live['dashboard'].get('version')})" if live else ""
        raise GrafanaError(f"{change.what}: changed in Grafana by someone else during publish{now}: not "
                           f"overwritten; re-run publish to see the difference", 412, failure.reason) from None
    if failure.reason == "name-exists":
        raise GrafanaError(f"{change.what}: another dashboard titled {change.title!r} already exists in folder "
                           f"{change.folder_uid!r} (412 name-exists): rename one of them", 412,
                           failure.reason) from None
    raise failure


def delete_dashboard(client: GrafanaClient, change: DashboardChange) -> str:
    client.delete_dashboard(change.uid)  # False when already gone: the goal is met either way
    return "pruned"


def apply_plan(client: GrafanaClient, plan: Plan, message: str, concurrency: int = 8,
               progress: Progress | None = None) -> Outcome:
    outcome = Outcome()

    def record(results: list[Result], what: Callable[[Any], str]) -> None:
        for result in results:
            if result.error is not None:
                outcome.failures.append((what(result.item), str(result.error)))
            else:
                outcome.done[result.value] += 1

    folder_work = [c for c in plan.folders if c.action in (Action.CREATE, Action.UPDATE)]
    folder_results = run_all(folder_work, lambda c: ensure_folder(client, c), concurrency, "folders", progress,
                             describe=lambda c: c.what)
    record(folder_results, lambda c: c.what)
    missing = {r.item.uid for r in folder_results if r.error is not None and r.item.action == Action.CREATE}

    saves = []
    for change in plan.dashboards:
        if change.action not in (Action.CREATE, Action.UPDATE):
            continue
        if change.folder_uid in missing | plan.unread_folders:
            outcome.failures.append((change.what, f"not saved: its folder {change.folder_uid!r} is not in Grafana "
                                                  f"(see the folder's failure)"))
        else:
            saves.append(change)
    record(run_all(saves, lambda c: save_dashboard(client, c, message), concurrency, "publishing", progress,
                   describe=lambda c: c.what), lambda c: c.what)

    prunes = [c for c in plan.dashboards if c.action == Action.PRUNE]
    prune_results = run_all(prunes, lambda c: delete_dashboard(client, c), concurrency, "pruning", progress,
                            describe=lambda c: c.what)
    record(prune_results, lambda c: c.what)
    for folder in plan.prune_folders:
        _prune_folder(client, folder, outcome)
    return outcome


def _prune_folder(client: GrafanaClient, folder: FolderChange, outcome: Outcome) -> None:
    """Delete a folder only if it is empty now: deleting a folder deletes everything in it."""
    try:
        left = client.search(folder_uids=(folder.uid,))
        if left:
            outcome.notes.append(f"folder {folder.uid} kept: it still holds {len(left)} item(s)")
            return
        client.delete_folder(folder.uid)
        outcome.done["folder pruned"] += 1
    except STOPPING:
        raise
    except GrafanaError as exc:
        outcome.failures.append((folder.what, str(exc)))
