"""What should be in Grafana: the folders and dashboards that `generate` wrote under out/grafana/.

Layout: grafana/folders.json is a list of {"uid", "title"}; each dashboard is
grafana/dashboards/<folder-uid>/<dashboard-uid>.json, the dashboard model only (no id, no version).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitoring import conventions
from monitoring.errors import PublishInputError
from monitoring.output.manifest import read_json

FOLDERS_FILE = conventions.GRAFANA_FOLDERS_FILE
DASHBOARDS_DIR = conventions.GRAFANA_DASHBOARDS_DIR


@dataclass(frozen=True)
class DesiredFolder:
    uid: str
    title: str


@dataclass(frozen=True)
class DesiredDashboard:
    uid: str
    title: str
    folder_uid: str
    model: dict[str, Any] = field(compare=False, repr=False)
    path: str = ""  # relative to the output directory, for messages and diff headers


@dataclass(frozen=True)
class Desired:
    folders: tuple[DesiredFolder, ...] = ()
    dashboards: tuple[DesiredDashboard, ...] = ()

    def folder(self, uid: str) -> DesiredFolder:
        return next(f for f in self.folders if f.uid == uid)


def _read_json(path: Path, relative: str) -> Any:
    """The file's JSON as Grafana reads it: what Grafana refuses (NaN, Infinity) is refused here, naming the
    file and where, not met as a failed request once publishing has begun."""
    try:
        return read_json(path)
    except (OSError, ValueError, RecursionError) as exc:  # UnicodeDecodeError and json's errors are ValueErrors
        raise PublishInputError(f"{relative}: not readable JSON ({exc})") from None


def _uid(value: Any, relative: str) -> str:
    problem = conventions.uid_problem(value)
    if problem:
        raise PublishInputError(f"{relative}: {problem}")
    return value


def load_desired(out_dir: Path) -> Desired:
    """The folders and dashboards under out_dir/grafana; empty if generate wrote none."""
    folders_path = out_dir / FOLDERS_FILE
    dashboards_dir = out_dir / DASHBOARDS_DIR
    if not folders_path.exists():
        if dashboards_dir.exists():
            raise PublishInputError(f"{DASHBOARDS_DIR} exists but {FOLDERS_FILE} does not: run `monitoring generate`")
        return Desired()
    listing = _read_json(folders_path, FOLDERS_FILE)
    if not isinstance(listing, list):
        raise PublishInputError(f"{FOLDERS_FILE}: expected a list of {{uid, title}}, got {type(listing).__name__}")
    folders: dict[str, DesiredFolder] = {}
    for index, entry in enumerate(listing):
        where = f"{FOLDERS_FILE}[{index}]"
        if not isinstance(entry, dict):
            raise PublishInputError(f"{where}: expected {{uid, title}}, got {entry!r}")
        uid = _uid(entry.get("uid"), where)
        title = entry.get("title")
        if not isinstance(title, str) or not title.strip():
            raise PublishInputError(f"{where}: folder {uid!r} has no title")
        if uid in folders:
            raise PublishInputError(f"{where}: folder uid {uid!r} appears twice")
        folders[uid] = DesiredFolder(uid, title)

    dashboards: dict[str, DesiredDashboard] = {}
    for path in sorted(dashboards_dir.glob("*/*.json")) if dashboards_dir.is_dir() else []:
        relative = path.relative_to(out_dir).as_posix()
        folder_uid = path.parent.name
        if folder_uid not in folders:
            raise PublishInputError(f"{relative}: folder {folder_uid!r} is not listed in {FOLDERS_FILE}")
        model = _read_json(path, relative)
        if not isinstance(model, dict):
            raise PublishInputError(f"{relative}: expected a dashboard object, got {type(model).__name__}")
        uid = _uid(model.get("uid"), relative)
        if uid != path.stem:
            raise PublishInputError(f"{relative}: uid {uid!r} does not match the file name {path.stem!r}")
        title = model.get("title")
        if not isinstance(title, str) or not title.strip():
            raise PublishInputError(f"{relative}: dashboard {uid!r} has no title")
        if uid in dashboards:
            raise PublishInputError(f"{relative}: dashboard uid {uid!r} is also in {dashboards[uid].path}")
        dashboards[uid] = DesiredDashboard(uid, title, folder_uid, model, relative)
    return Desired(tuple(folders.values()), tuple(sorted(dashboards.values(), key=lambda d: d.uid)))
