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
    applied: list[tuple[str, str]] = field(default_factory=list)  # (item, what was done), in the order done

    def record(self, what: str, done: str) -> None:
        self.done[done] += 1
        self.applied.append((what, done))


def planned_work(plan: Plan) -> list[str]:
    """Every item that applying plan writes (or deletes), named as the outcome names them."""
    folders = [c.what for c in plan.folders if c.action in (Action.CREATE, Action.UPDATE)]
    dashboards = [c.what for c in plan.dashboards if c.action in (Action.CREATE, Action.UPDATE, Action.PRUNE)]
    return [*folders, *dashboards, *(f.what for f in plan.prune_folders)]


def unapplied(plan: Plan, outcome: Outcome) -> list[str]:
    """The planned items that neither were applied nor failed: what a run that stopped part-way left undone."""
    settled = {what for what, _ in outcome.applied} | {what for what, _ in outcome.failures}
    return [what for what in planned_work(plan) if what not in settled]


def stop_summary(plan: Plan, outcome: Outcome, unsure: bool = False) -> str:
    """What a run that stopped part-way applied, and what it did not: every item named. unsure: requests were
    abandoned in flight (an interrupt), so an item not confirmed may still have landed."""
    applied = ", ".join(f"{what} {done.removeprefix('folder ')}" for what, done in outcome.applied) or "nothing"
    left = unapplied(plan, outcome)
    failed = [what for what, _ in outcome.failures]
    failed_part = f"failed {len(failed)}: {', '.join(failed)}; " if failed else ""
    not_done = "not applied or not confirmed" if unsure else "not applied"
    return (f"stopped part-way: applied {len(outcome.applied)}: {applied}; {failed_part}{not_done} {len(left)}: "
            f"{', '.join(left) or 'nothing'}; re-run publish to finish the rest")


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
               progress: Progress | None = None, outcome: Outcome | None = None) -> Outcome:
    """Apply plan, recording into outcome (a new one if not given) as each item ends: a caller that passed its
    own still knows what was applied when an AuthError, an UnreachableError or an interrupt stops the run."""
    outcome = outcome if outcome is not None else Outcome()

    def recorder(what: Callable[[Any], str]) -> Callable[[Result], None]:
        def record(result: Result) -> None:
            if result.error is not None:
                outcome.failures.append((what(result.item), str(result.error)))
            elif result.started:
                outcome.record(what(result.item), result.value)
        return record

    def name(change: Any) -> str:
        return str(change.what)

    folder_work = [c for c in plan.folders if c.action in (Action.CREATE, Action.UPDATE)]
    folder_results = run_all(folder_work, lambda c: ensure_folder(client, c), concurrency, "folders", progress,
                             describe=name, on_result=recorder(name))
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
    run_all(saves, lambda c: save_dashboard(client, c, message), concurrency, "publishing", progress,
            describe=name, on_result=recorder(name))

    prunes = [c for c in plan.dashboards if c.action == Action.PRUNE]
    run_all(prunes, lambda c: delete_dashboard(client, c), concurrency, "pruning", progress, describe=name,
            on_result=recorder(name))
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
        outcome.record(folder.what, "folder pruned")
    except STOPPING:
        raise
    except GrafanaError as exc:
        outcome.failures.append((folder.what, str(exc)))
