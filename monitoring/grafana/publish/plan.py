"""Planning, pure: desired state + live state -> what to create, update, leave, keep (drift) and prune.

Drift protection. Every dashboard this tool saves carries the tag `managed-by-monitoring` and, at the top
level of its JSON, `monitoringContentHash`: the SHA-256 of the normalised dashboard it saved (without id,
version and the hash itself) together with its folder uid. On the next run the live dashboard is hashed the same
way. If the live hash equals the stored one, Grafana still holds exactly what we published, so it is safe to
replace. If it differs, or the stored hash is gone (Grafana's UI drops keys it does not know when it saves),
someone changed the dashboard in Grafana since: that is drift, reported and kept unless --force.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from monitoring.grafana.publish.desired import Desired, DesiredDashboard, DesiredFolder

MANAGED_TAG = "managed-by-monitoring"
HASH_KEY = "monitoringContentHash"
VOLATILE_KEYS = ("id", "version", HASH_KEY)  # set by Grafana on save, or by us: never part of the content


class Action(StrEnum):
    """What publishing does with one dashboard, judged from out/ and what Grafana holds."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DRIFT = "drift"
    PRUNE = "prune"


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def published_body(model: dict[str, Any]) -> dict[str, Any]:
    """The normalised dashboard we publish for a generated model: managed tag added, volatile keys dropped."""
    body = {k: copy.deepcopy(v) for k, v in model.items() if k not in VOLATILE_KEYS}
    tags = list(body.get("tags") or [])
    if MANAGED_TAG not in tags:
        tags.append(MANAGED_TAG)
    body["tags"] = tags
    return body


def normalise_live(dashboard: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """(the live dashboard without volatile keys, the content hash it was published with, if any)."""
    stored = dashboard.get(HASH_KEY)
    body = {k: v for k, v in dashboard.items() if k not in VOLATILE_KEYS}
    return body, stored if isinstance(stored, str) else None


def content_hash(body: dict[str, Any], folder_uid: str) -> str:
    digest = hashlib.sha256(canonical({"dashboard": body, "folderUid": folder_uid}).encode()).hexdigest()
    return f"sha256:{digest}"


def save_payload(body: dict[str, Any], folder_uid: str, version: int | None) -> dict[str, Any]:
    """The dashboard to POST: the body, its content hash, and the live version when it replaces one."""
    dashboard = dict(body)
    dashboard[HASH_KEY] = content_hash(body, folder_uid)
    if version is not None:
        dashboard["version"] = version
    return dashboard


def live_matches(live: dict[str, Any] | None, body: dict[str, Any], folder_uid: str) -> bool:
    """Whether a GET /api/dashboards/uid response shows exactly `body` in `folder_uid`."""
    if live is None:
        return False
    live_body, _ = normalise_live(live["dashboard"])
    return live_body == body and (live.get("meta", {}).get("folderUid") or "") == folder_uid


@dataclass
class DashboardChange:
    action: Action
    uid: str
    title: str
    folder_uid: str  # where it should be (for prune: where it is)
    body: dict[str, Any] | None = field(default=None, repr=False)  # what we publish; None for prune
    live: dict[str, Any] | None = field(default=None, repr=False)  # the live dashboard, normalised
    live_folder: str | None = None
    live_version: int | None = None
    reason: str = ""
    path: str = ""
    forced: bool = False

    @property
    def what(self) -> str:
        return f"dashboard {self.uid}"


@dataclass
class FolderChange:
    action: Action
    uid: str
    title: str
    live_title: str | None = None
    live_version: int | None = None

    @property
    def what(self) -> str:
        return f"folder {self.uid}"


@dataclass
class Plan:
    folders: list[FolderChange] = field(default_factory=list)
    dashboards: list[DashboardChange] = field(default_factory=list)
    prune_folders: list[FolderChange] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (item, why): reads that failed
    notes: list[str] = field(default_factory=list)
    unread_folders: set[str] = field(default_factory=set)  # generated folders whose state is unknown

    def counts(self) -> Counter[Action]:
        return Counter(change.action for change in self.dashboards)

    def folder_counts(self) -> Counter[Action]:
        return Counter(change.action for change in [*self.folders, *self.prune_folders])

    @property
    def writes(self) -> int:
        """How many changes applying this plan would make."""
        dashboards = sum(1 for c in self.dashboards if c.action in (Action.CREATE, Action.UPDATE, Action.PRUNE))
        folders = sum(1 for c in [*self.folders, *self.prune_folders] if c.action != Action.UNCHANGED)
        return dashboards + folders

    @property
    def clean(self) -> bool:
        """Nothing to change, no drift, nothing failed: what `diff` exits 0 on."""
        return self.writes == 0 and not self.counts()[Action.DRIFT] and not self.failures


def classify_dashboard(desired: DesiredDashboard, live: dict[str, Any] | None, force: bool) -> DashboardChange:
    body = published_body(desired.model)
    base = {"uid": desired.uid, "title": desired.title, "folder_uid": desired.folder_uid, "body": body,
            "path": desired.path}
    if live is None:
        return DashboardChange(Action.CREATE, **base)
    live_body, stored = normalise_live(live["dashboard"])
    meta = live.get("meta", {})
    live_folder = meta.get("folderUid") or ""
    version = live["dashboard"].get("version", meta.get("version"))
    base.update(live=live_body, live_folder=live_folder, live_version=version)
    if live_body == body and live_folder == desired.folder_uid:
        return DashboardChange(Action.UNCHANGED, **base)
    if stored is None and MANAGED_TAG not in (live_body.get("tags") or []):
        reason = "exists in Grafana but was not published by this tool"
    elif stored is None:
        reason = f"edited in Grafana since it was last published (version {version}; the publish hash is gone)"
    elif stored != content_hash(live_body, live_folder):
        reason = f"edited in Grafana since it was last published (version {version})"
    else:
        return DashboardChange(Action.UPDATE, **base)
    if force:
        return DashboardChange(Action.UPDATE, reason=reason, forced=True, **base)
    return DashboardChange(Action.DRIFT, reason=reason, **base)


def classify_prune(uid: str, live: dict[str, Any], force: bool) -> DashboardChange:
    """A managed dashboard that is no longer generated: prune it, unless it was edited in Grafana since."""
    live_body, stored = normalise_live(live["dashboard"])
    live_folder = live.get("meta", {}).get("folderUid") or ""
    change = DashboardChange(Action.PRUNE, uid, str(live_body.get("title", "")), live_folder, live=live_body,
                             live_folder=live_folder, live_version=live["dashboard"].get("version"))
    if stored != content_hash(live_body, live_folder):
        change.reason = "no longer generated, but edited in Grafana since it was last published"
        if force:
            change.forced = True
        else:
            change.action = Action.DRIFT
    return change


def classify_folder(desired: DesiredFolder, live: dict[str, Any] | None) -> FolderChange:
    if live is None:
        return FolderChange(Action.CREATE, desired.uid, desired.title)
    title, version = live.get("title"), live.get("version")
    action = Action.UNCHANGED if title == desired.title else Action.UPDATE
    return FolderChange(action, desired.uid, desired.title, live_title=title, live_version=version)


def classify_prune_folder(uid: str, title: str, contents: list[dict[str, Any]],
                          pruned: set[str]) -> tuple[FolderChange | None, str]:
    """A folder that is no longer generated goes only if everything in it is a dashboard being pruned."""
    others = [hit for hit in contents if hit.get("uid") not in pruned]
    if others:
        return None, (f"folder {uid} ({title!r}) is no longer generated but is kept: it holds {len(others)} "
                      f"dashboard(s) not being pruned")
    return FolderChange(Action.PRUNE, uid, title), ""


def pretty(data: Any) -> list[str]:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def dashboard_diff(change: DashboardChange) -> list[str]:
    """A unified diff of the normalised JSON, live -> generated (for prune: live -> nothing)."""
    live = pretty(change.live) if change.live is not None else []
    wanted = pretty(change.body) if change.body is not None else []
    folder = change.live_folder if change.live_folder is not None else change.folder_uid
    live_name = f"grafana:{folder or 'General'}/{change.uid}" + (
        f" (version {change.live_version})" if change.live_version is not None else "")
    wanted_name = change.path or "(not generated)"
    lines = list(difflib.unified_diff(live, wanted, live_name, wanted_name, n=3, lineterm=""))
    if change.live_folder is not None and change.body is not None and change.live_folder != change.folder_uid:
        lines.insert(0, f"folder: {change.live_folder or 'General'} -> {change.folder_uid}")
    return lines


@dataclass
class LiveState:
    """What was read from Grafana. A uid missing from `dashboards` or `folders` could not be read (see failures)."""

    dashboards: dict[str, dict[str, Any] | None] = field(default_factory=dict)  # None: not in Grafana
    folders: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    prune: dict[str, dict[str, Any]] = field(default_factory=dict)  # managed, no longer generated
    folder_contents: dict[str, tuple[str, list[dict[str, Any]]]] = field(default_factory=dict)  # uid: (title, hits)
    failures: list[tuple[str, str]] = field(default_factory=list)


def build_plan(desired: Desired, live: LiveState, force: bool) -> Plan:
    plan = Plan(failures=list(live.failures))
    plan.unread_folders = {f.uid for f in desired.folders if f.uid not in live.folders}
    plan.folders = [classify_folder(f, live.folders[f.uid]) for f in desired.folders if f.uid in live.folders]
    plan.dashboards = [classify_dashboard(d, live.dashboards[d.uid], force)
                       for d in desired.dashboards if d.uid in live.dashboards]
    pruned: set[str] = set()
    for uid, response in sorted(live.prune.items()):
        change = classify_prune(uid, response, force)
        plan.dashboards.append(change)
        if change.action == Action.PRUNE:
            pruned.add(uid)
    for uid, (title, contents) in sorted(live.folder_contents.items()):
        folder_change, note = classify_prune_folder(uid, title, contents, pruned)
        if folder_change is not None:
            plan.prune_folders.append(folder_change)
        else:
            plan.notes.append(note)
    return plan
