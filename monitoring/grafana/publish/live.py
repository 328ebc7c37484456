"""Read what Grafana holds now, with as few requests as possible.

One GET per generated dashboard, which also tells the folder each one is in and that folder's title; a folder
is read on its own only when no dashboard vouched for it. So a publish with nothing to do costs one read per
dashboard. --prune adds one search for the managed tag, and one read per dashboard it would remove.
"""

from __future__ import annotations

from monitoring.grafana.publish.client import STOPPING, GrafanaClient, GrafanaError
from monitoring.grafana.publish.desired import Desired, DesiredFolder
from monitoring.grafana.publish.plan import MANAGED_TAG, LiveState
from monitoring.grafana.publish.pool import Progress, run_all


def read_live(client: GrafanaClient, desired: Desired, *, prune: bool, concurrency: int,
              progress: Progress | None = None) -> LiveState:
    live = LiveState()
    uids = [d.uid for d in desired.dashboards]
    for result in run_all(uids, client.get_dashboard, concurrency, "reading dashboards", progress,
                          describe=lambda uid: f"dashboard {uid}"):
        if result.error is not None:
            live.failures.append((f"dashboard {result.item}", str(result.error)))
        else:
            live.dashboards[result.item] = result.value

    vouched: dict[str, str] = {}  # folder uid -> title, as the dashboards' meta shows it
    for response in live.dashboards.values():
        if response is not None:
            meta = response.get("meta", {})
            if meta.get("folderUid"):
                vouched[meta["folderUid"]] = meta.get("folderTitle", "")
    unknown = []
    for folder in desired.folders:
        if vouched.get(folder.uid) == folder.title:
            live.folders[folder.uid] = {"uid": folder.uid, "title": folder.title}
        else:
            unknown.append(folder)

    def read_folder(folder: DesiredFolder) -> dict | None:
        return client.get_folder(folder.uid)

    for folder_result in run_all(unknown, read_folder, concurrency, "reading folders", progress,
                                 describe=lambda f: f"folder {f.uid}"):
        if folder_result.error is not None:
            live.failures.append((f"folder {folder_result.item.uid}", str(folder_result.error)))
        else:
            live.folders[folder_result.item.uid] = folder_result.value

    if prune:
        _read_prune(client, desired, live, concurrency, progress)
    return live


def _read_prune(client: GrafanaClient, desired: Desired, live: LiveState, concurrency: int,
                progress: Progress | None) -> None:
    try:
        hits = client.search(tags=(MANAGED_TAG,), kind="dash-db")
    except STOPPING:
        raise
    except GrafanaError as exc:
        live.failures.append(("prune", f"not pruning: {exc}"))
        return
    generated = {d.uid for d in desired.dashboards}
    candidates = sorted({hit["uid"] for hit in hits} - generated)
    for result in run_all(candidates, client.get_dashboard, concurrency, "reading prune candidates", progress,
                          describe=lambda uid: f"dashboard {uid}"):
        if result.error is not None:
            live.failures.append((f"dashboard {result.item}", f"not pruned: {result.error}"))
        elif result.value is not None:  # None: deleted since the search
            live.prune[result.item] = result.value
    desired_folders = {f.uid for f in desired.folders}
    folders = {}
    for response in live.prune.values():
        meta = response.get("meta", {})
        uid = meta.get("folderUid") or ""
        if uid and uid not in desired_folders:
            folders[uid] = meta.get("folderTitle", "")
    for uid, title in sorted(folders.items()):
        try:
            live.folder_contents[uid] = (title, client.search(folder_uids=(uid,)))
        except STOPPING:
            raise
        except GrafanaError as exc:
            live.failures.append((f"folder {uid}", f"not pruned: {exc}"))
