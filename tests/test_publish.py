"""Publishing against the local Grafana over real HTTP on loopback: create, no-op, update, drift, conflicts,
prune, faults, and credentials that never show."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ProtocolError, ProxyError

from monitoring.cli import publish_lines, style_for
from monitoring.errors import UnreachableError
from monitoring.grafana.publish.apply import apply_plan
from monitoring.grafana.publish.client import ClientSettings, GrafanaClient, RetryStats, build_session
from monitoring.grafana.publish.config import GrafanaConfig
from monitoring.grafana.publish.desired import load_desired
from monitoring.grafana.publish.plan import HASH_KEY, MANAGED_TAG, Action
from monitoring.grafana.publish.run import PublishOptions, plan_publish, publish_to
from tests.grafana_server import (
    FAULT_KINDS,
    FakeGrafana,
    Faults,
    running_grafana,
    synthetic_dashboard,
    synthetic_tree,
    write_grafana_tree,
)

TOKEN = "glsa_publisher_5f3a9c0d1e2b"
UI_TOKEN = "ui-user-token"
VIEWER_TOKEN = "viewer-token-77"
# Short timeouts and backoff: the tests exercise retries without sleeping for seconds.
FAST = ClientSettings(connect_timeout=1.0, read_timeout=0.5, retries=10, backoff_factor=0.005, backoff_max=0.05,
                      backoff_jitter=0.005, retry_after_max=0.02)
FOLDERS = {"mcp": "MCP", "platform": "Platform", "team-a": "Team A"}


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    with running_grafana(tokens={TOKEN: "Admin", UI_TOKEN: "Editor", VIEWER_TOKEN: "Viewer"}) as server:
        yield server


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """Nine dashboards in three folders, in the layout generate writes."""
    by_folder = {folder: [synthetic_dashboard(f"{folder}-{i}", f"{FOLDERS[folder]} {i}") for i in range(3)]
                 for folder in FOLDERS}
    write_grafana_tree(tmp_path / "out", FOLDERS, by_folder)
    return tmp_path / "out"


def client_for(grafana: FakeGrafana, token: str = TOKEN, settings: ClientSettings = FAST,
               stats: RetryStats | None = None) -> GrafanaClient:
    config = GrafanaConfig.from_env({"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": token})
    return GrafanaClient(build_session(config, settings, stats), config.url, settings)


def shown(client: GrafanaClient, out_dir: Path, out: io.StringIO | None = None,
          **options: Any) -> tuple[int, str, str]:
    """Publish out_dir with client (no gate), as the command line shows it: (exit status, stdout, stderr)."""
    report = publish_to(client, load_desired(out_dir), PublishOptions(**options), out_dir)
    lines, errors = publish_lines(report, "make generate", style_for(out or io.StringIO()))
    return int(not report.ok), "".join(f"{line}\n" for line in lines), "".join(f"{line}\n" for line in errors)


def publish(grafana: FakeGrafana, out_dir: Path, token: str = TOKEN, out: io.StringIO | None = None,
            **options: Any) -> tuple[int, str, str]:
    return shown(client_for(grafana, token), out_dir, out, **options)


def edit_model(out_dir: Path, folder: str, uid: str, change: Callable[[dict], None]) -> None:
    """Change a generated dashboard, as a new `generate` would."""
    path = out_dir / "grafana" / "dashboards" / folder / f"{uid}.json"
    model = json.loads(path.read_text())
    change(model)
    path.write_text(json.dumps(model, indent=2, sort_keys=True) + "\n")


def ui_edit(grafana: FakeGrafana, uid: str, change: Callable[[dict], None], keeps_unknown_keys: bool = False) -> None:
    """Save a dashboard as Grafana's UI does: the live JSON, edited, at the live version."""
    headers = {"Authorization": f"Bearer {UI_TOKEN}"}
    live = requests.get(f"{grafana.url}/api/dashboards/uid/{uid}", headers=headers, timeout=5).json()
    dashboard = live["dashboard"]
    if not keeps_unknown_keys:
        dashboard.pop(HASH_KEY, None)
    change(dashboard)
    saved = requests.post(f"{grafana.url}/api/dashboards/db", headers=headers, timeout=5, json={
        "dashboard": dashboard, "folderUid": live["meta"]["folderUid"], "overwrite": False, "message": "UI"})
    assert saved.status_code == 200, saved.text


def create_unmanaged(grafana: FakeGrafana, uid: str, title: str, folder_uid: str = "") -> None:
    """A dashboard someone made by hand: no managed tag, no publish hash."""
    saved = requests.post(f"{grafana.url}/api/dashboards/db", headers={"Authorization": f"Bearer {UI_TOKEN}"},
                          timeout=5, json={"dashboard": synthetic_dashboard(uid, title, tags=("hand-made",)),
                                           "folderUid": folder_uid, "overwrite": False})
    assert saved.status_code == 200, saved.text


def retitle_first_panel(title: str) -> Callable[[dict], None]:
    def change(dashboard: dict) -> None:
        dashboard["panels"][0]["title"] = title
    return change


def without_publish_keys(dashboard: dict) -> dict:
    body = {k: v for k, v in dashboard.items() if k not in ("id", "version", HASH_KEY)}
    body["tags"] = [t for t in body["tags"] if t != MANAGED_TAG]
    return body


# --- create, no-op, update ------------------------------------------------------------------------------------
def test_first_publish_creates_every_folder_and_dashboard(grafana: FakeGrafana, out_dir: Path) -> None:
    status, out, _ = publish(grafana, out_dir)

    assert status == 0, out
    assert grafana.folder_titles() == FOLDERS
    desired = load_desired(out_dir)
    assert len(grafana.state.dashboards) == len(desired.dashboards) == 9
    for dashboard in desired.dashboards:
        live = grafana.dashboard(dashboard.uid)
        assert live is not None
        assert grafana.dashboard_folder(dashboard.uid) == dashboard.folder_uid
        assert live["version"] == 1
        assert MANAGED_TAG in live["tags"] and live[HASH_KEY].startswith("sha256:")
        assert without_publish_keys(live) == dashboard.model
        assert grafana.last_save(dashboard.uid)["overwrite"] is False
        assert grafana.last_save(dashboard.uid)["folderUid"] == dashboard.folder_uid
    assert "published: 9 created, 0 updated, 0 unchanged, 0 drift kept, 0 pruned, 0 failed; " \
           "folders: 3 created" in out
    assert grafana.writes() == 3 + 9
    assert grafana.count("POST", "/api/dashboards/db") == 9


def test_second_publish_makes_no_writes_and_reads_each_dashboard_once(grafana: FakeGrafana, out_dir: Path) -> None:
    assert publish(grafana, out_dir)[0] == 0
    grafana.reset_counts()

    status, out, _ = publish(grafana, out_dir)

    assert status == 0
    assert grafana.writes() == 0
    assert grafana.reads() == 9  # one GET per dashboard; their meta vouches for the folders
    assert grafana.count("GET", "/api/dashboards/uid/") == 9
    assert "plan: dashboards: 0 create, 0 update, 9 unchanged, 0 drift, 0 prune" in out


def test_requests_run_at_most_concurrency_at_a_time(tmp_path: Path) -> None:
    synthetic_tree(tmp_path / "out", dashboards=30, folders=2)
    with running_grafana(tokens={TOKEN: "Admin"}, latency=0.01) as grafana:
        status, out, _ = publish(grafana, tmp_path / "out", concurrency=3)

        assert status == 0, out
        assert 1 < grafana.max_in_flight <= 3


def test_a_changed_definition_is_saved_over_the_live_version(grafana: FakeGrafana, out_dir: Path) -> None:
    publish(grafana, out_dir)
    edit_model(out_dir, "mcp", "mcp-1", retitle_first_panel("Requests per second"))
    grafana.reset_counts()

    status, out, _ = publish(grafana, out_dir, message="published by monitoring from abc1234")

    assert status == 0, out
    assert grafana.count("POST", "/api/dashboards/db") == 1
    live = grafana.dashboard("mcp-1")
    assert live["version"] == 2 and live["panels"][0]["title"] == "Requests per second"
    assert grafana.last_save("mcp-1") == {"folderUid": "mcp", "message": "published by monitoring from abc1234",
                                          "overwrite": False}
    assert "1 updated, 8 unchanged" in out


def test_a_dashboard_moved_to_another_folder_is_updated(grafana: FakeGrafana, out_dir: Path) -> None:
    publish(grafana, out_dir)
    source = out_dir / "grafana" / "dashboards" / "mcp" / "mcp-0.json"
    target = out_dir / "grafana" / "dashboards" / "platform" / "mcp-0.json"
    target.write_text(source.read_text())
    source.unlink()

    status, out, _ = publish(grafana, out_dir)

    assert status == 0, out
    assert grafana.dashboard_folder("mcp-0") == "platform"
    assert "moving from folder mcp to platform" in out


def test_a_folder_title_change_renames_the_folder(grafana: FakeGrafana, out_dir: Path) -> None:
    publish(grafana, out_dir)
    renamed = dict(FOLDERS, mcp="Model Context Protocol")
    (out_dir / "grafana" / "folders.json").write_text(
        json.dumps([{"uid": u, "title": t} for u, t in sorted(renamed.items())]))
    grafana.reset_counts()

    status, out, _ = publish(grafana, out_dir)

    assert status == 0, out
    assert grafana.folder_titles()["mcp"] == "Model Context Protocol"
    assert grafana.writes() == 1 and grafana.count("PUT", "/api/folders/mcp") == 1
    assert "update    folder mcp: title 'MCP' -> 'Model Context Protocol'" in out


def test_a_folder_deleted_between_plan_and_rename_is_created_again(grafana: FakeGrafana, out_dir: Path) -> None:
    publish(grafana, out_dir)
    (out_dir / "grafana" / "folders.json").write_text(
        json.dumps([{"uid": u, "title": f"{t} v2"} for u, t in sorted(FOLDERS.items())]))
    client = client_for(grafana)
    plan = plan_publish(client, load_desired(out_dir), PublishOptions())
    assert [c.action for c in plan.folders] == [Action.UPDATE] * 3
    requests.delete(f"{grafana.url}/api/folders/mcp", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)

    outcome = apply_plan(client, plan, "test")

    assert outcome.failures == []
    assert grafana.folder_titles() == {"mcp": "MCP v2", "platform": "Platform v2", "team-a": "Team A v2"}
    assert (outcome.done["folder created"], outcome.done["folder updated"]) == (1, 2)


# --- drift ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("keeps_unknown_keys", [False, True], ids=["ui-drops-the-hash", "ui-keeps-the-hash"])
def test_an_edit_in_grafana_is_drift_kept_until_force(grafana: FakeGrafana, out_dir: Path,
                                                      keeps_unknown_keys: bool) -> None:
    publish(grafana, out_dir)
    ui_edit(grafana, "platform-2", retitle_first_panel("Tuned by hand"), keeps_unknown_keys)
    edit_model(out_dir, "platform", "platform-2", retitle_first_panel("Generated"))
    grafana.reset_counts()

    status, out, _ = publish(grafana, out_dir)

    assert status == 1
    assert grafana.writes() == 0
    assert grafana.dashboard("platform-2")["panels"][0]["title"] == "Tuned by hand"
    assert "DRIFT  dashboard platform-2: edited in Grafana since it was last published (version 2" in out
    assert "kept: publish --force overwrites it" in out

    status, out, _ = publish(grafana, out_dir, force=True)

    assert status == 0, out
    live = grafana.dashboard("platform-2")
    assert live["panels"][0]["title"] == "Generated" and live["version"] == 3
    assert "overwritten because of --force" in out
    grafana.reset_counts()
    assert publish(grafana, out_dir)[0] == 0
    assert grafana.writes() == 0


def test_a_dashboard_this_tool_did_not_publish_is_never_overwritten_silently(grafana: FakeGrafana,
                                                                              out_dir: Path) -> None:
    requests.post(f"{grafana.url}/api/folders", headers={"Authorization": f"Bearer {TOKEN}"},
                  json={"uid": "mcp", "title": "MCP"}, timeout=5)
    create_unmanaged(grafana, "mcp-0", "Made by hand", "mcp")

    status, out, _ = publish(grafana, out_dir)

    assert status == 1
    assert grafana.dashboard("mcp-0")["title"] == "Made by hand"
    assert "dashboard mcp-0: exists in Grafana but was not published by this tool" in out
    assert "8 created" in out


# --- dry run and diff -----------------------------------------------------------------------------------------
def test_dry_run_prints_counts_and_diffs_and_writes_nothing(grafana: FakeGrafana, out_dir: Path) -> None:
    publish(grafana, out_dir)
    edit_model(out_dir, "mcp", "mcp-1", retitle_first_panel("Generated title"))
    ui_edit(grafana, "team-a-0", retitle_first_panel("Hand title"))
    grafana.reset_counts()

    status, out, _ = publish(grafana, out_dir, dry_run=True)

    assert status == 1
    assert grafana.writes() == 0
    assert "plan: dashboards: 0 create, 1 update, 7 unchanged, 1 drift, 0 prune" in out
    assert "--- grafana:mcp/mcp-1 (version 1)" in out
    assert "+++ grafana/dashboards/mcp/mcp-1.json" in out
    assert '-      "title": "Panel 1",' in out and '+      "title": "Generated title",' in out
    assert '-      "title": "Hand title",' in out  # the drift diff shows what publishing would undo
    assert "\x1b[" not in out  # no colour unless the output is a terminal
    assert out.rstrip().endswith("diff: 1 change(s), 1 drift, 0 unreadable")


def test_diff_is_coloured_on_a_terminal(grafana: FakeGrafana, out_dir: Path, monkeypatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    publish(grafana, out_dir)
    edit_model(out_dir, "mcp", "mcp-1", retitle_first_panel("Generated title"))

    _, out, _ = publish(grafana, out_dir, out=Tty(), dry_run=True)

    assert '\x1b[32m+      "title": "Generated title",\x1b[0m' in out
    assert '\x1b[31m-      "title": "Panel 1",\x1b[0m' in out


def test_diff_exits_0_when_there_is_nothing_to_change(grafana: FakeGrafana, out_dir: Path) -> None:
    status, out, _ = publish(grafana, out_dir, dry_run=True)
    assert status == 1 and "plan: dashboards: 9 create" in out
    assert grafana.writes() == 0
    publish(grafana, out_dir)

    status, out, _ = publish(grafana, out_dir, dry_run=True)

    assert status == 0
    assert out.rstrip().endswith("diff: nothing to change")


# --- conflicts --------------------------------------------------------------------------------------------------
def test_a_version_bump_between_plan_and_apply_is_a_conflict_not_an_overwrite(grafana: FakeGrafana,
                                                                           out_dir: Path) -> None:
    publish(grafana, out_dir)
    for uid in ("mcp-0", "mcp-1"):
        edit_model(out_dir, "mcp", uid, retitle_first_panel("Generated v2"))
    client = client_for(grafana)
    plan = plan_publish(client, load_desired(out_dir), PublishOptions())
    assert [c.uid for c in plan.dashboards if c.action == Action.UPDATE] == ["mcp-0", "mcp-1"]

    ui_edit(grafana, "mcp-0", retitle_first_panel("Someone else, meanwhile"))
    outcome = apply_plan(client, plan, "test")

    assert outcome.done["updated"] == 1
    assert [what for what, _ in outcome.failures] == ["dashboard mcp-0"]
    assert "changed in Grafana by someone else during publish (now version 2): not overwritten" \
           in outcome.failures[0][1]
    assert grafana.dashboard("mcp-0")["panels"][0]["title"] == "Someone else, meanwhile"
    assert grafana.dashboard("mcp-1")["panels"][0]["title"] == "Generated v2"
    # The re-run sees the edit as drift.
    replan = plan_publish(client, load_desired(out_dir), PublishOptions())
    assert [(c.uid, c.action) for c in replan.dashboards if c.action != Action.UNCHANGED] == \
           [("mcp-0", Action.DRIFT)]


def test_a_dashboard_created_between_plan_and_apply_is_a_conflict(grafana: FakeGrafana, out_dir: Path) -> None:
    client = client_for(grafana)
    plan = plan_publish(client, load_desired(out_dir), PublishOptions())
    requests.post(f"{grafana.url}/api/folders", headers={"Authorization": f"Bearer {TOKEN}"},
                  json={"uid": "mcp", "title": "Someone's MCP"}, timeout=5)
    create_unmanaged(grafana, "mcp-2", "Someone's dashboard", "mcp")

    outcome = apply_plan(client, plan, "test")

    assert [what for what, _ in outcome.failures] == ["dashboard mcp-2"]
    assert "changed in Grafana by someone else during publish" in outcome.failures[0][1]
    assert grafana.dashboard("mcp-2")["title"] == "Someone's dashboard"
    # The folder answered 409 on create, was read again and renamed to the generated title.
    assert grafana.folder_titles()["mcp"] == "MCP"
    assert (outcome.done["folder created"], outcome.done["folder updated"], outcome.done["created"]) == (2, 1, 8)


def test_a_title_taken_by_another_dashboard_is_explained(grafana: FakeGrafana, out_dir: Path) -> None:
    requests.post(f"{grafana.url}/api/folders", headers={"Authorization": f"Bearer {TOKEN}"},
                  json={"uid": "team-a", "title": "Team A"}, timeout=5)
    create_unmanaged(grafana, "older-uid", "Team A 1", "team-a")

    status, out, _ = publish(grafana, out_dir)

    assert status == 1
    assert "FAILED dashboard team-a-1: another dashboard titled 'Team A 1' already exists in folder 'team-a' " \
           "(412 name-exists): rename one of them" in out
    assert grafana.dashboard("older-uid") is not None


def test_a_folder_deleted_between_plan_and_apply_is_named(grafana: FakeGrafana, out_dir: Path) -> None:
    publish(grafana, out_dir)
    edit_model(out_dir, "platform", "platform-0", retitle_first_panel("v2"))
    client = client_for(grafana)
    plan = plan_publish(client, load_desired(out_dir), PublishOptions())
    requests.delete(f"{grafana.url}/api/folders/platform", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)

    outcome = apply_plan(client, plan, "test")

    assert outcome.failures == [("dashboard platform-0", "dashboard platform-0: folder 'platform' does not exist in "
                                                         "Grafana (400: folder 'platform' not found)")]


def test_a_folder_title_taken_on_older_grafana_is_explained(out_dir: Path) -> None:
    with running_grafana(tokens={TOKEN: "Admin"}, legacy_folder_title_conflict=True) as grafana:
        requests.post(f"{grafana.url}/api/folders", headers={"Authorization": f"Bearer {TOKEN}"},
                      json={"uid": "other-uid", "title": "MCP"}, timeout=5)

        status, out, _ = publish(grafana, out_dir)

    assert status == 1
    assert "FAILED folder mcp: Grafana answered 409 but has no folder with this uid: another folder is probably " \
           "titled 'MCP' already" in out
    assert "FAILED dashboard mcp-0: not saved: its folder 'mcp' is not in Grafana" in out
    assert "6 created" in out


# --- prune ------------------------------------------------------------------------------------------------------
def test_prune_removes_only_managed_dashboards_that_are_no_longer_generated(grafana: FakeGrafana,
                                                                          out_dir: Path) -> None:
    publish(grafana, out_dir)
    create_unmanaged(grafana, "by-hand", "By hand", "team-a")
    create_unmanaged(grafana, "by-hand-root", "By hand at the root")
    # The next generation drops folder team-a and dashboard mcp-2; platform loses everything but its folder.
    (out_dir / "grafana" / "dashboards" / "mcp" / "mcp-2.json").unlink()
    for path in [*(out_dir / "grafana" / "dashboards" / "team-a").iterdir(),
                 *(out_dir / "grafana" / "dashboards" / "platform").iterdir()]:
        path.unlink()
    (out_dir / "grafana" / "folders.json").write_text(
        json.dumps([{"uid": "mcp", "title": "MCP"}, {"uid": "platform", "title": "Platform"}]))

    status, out, _ = publish(grafana, out_dir)  # without --prune nothing goes
    assert status == 0 and len(grafana.state.dashboards) == 11

    status, out, _ = publish(grafana, out_dir, prune=True)

    assert status == 0, out
    assert sorted(grafana.state.dashboards) == ["by-hand", "by-hand-root", "mcp-0", "mcp-1"]
    # team-a holds a dashboard made by hand: kept. platform is still generated: kept.
    assert grafana.folder_titles() == {"mcp": "MCP", "platform": "Platform", "team-a": "Team A"}
    assert "folder team-a ('Team A') is no longer generated but is kept: it holds 1 dashboard(s) not being pruned" \
           in out
    assert "7 pruned" in out


def test_prune_deletes_a_folder_that_held_only_pruned_dashboards(grafana: FakeGrafana, out_dir: Path) -> None:
    publish(grafana, out_dir)
    for path in (out_dir / "grafana" / "dashboards" / "team-a").iterdir():
        path.unlink()
    (out_dir / "grafana" / "folders.json").write_text(
        json.dumps([{"uid": "mcp", "title": "MCP"}, {"uid": "platform", "title": "Platform"}]))

    status, out, _ = publish(grafana, out_dir, prune=True)

    assert status == 0, out
    assert "team-a" not in grafana.folder_titles()
    assert "3 pruned" in out and "folders: 0 created, 0 updated, 1 pruned" in out
    assert len(grafana.state.dashboards) == 6


def test_prune_keeps_a_managed_dashboard_edited_in_grafana_unless_forced(grafana: FakeGrafana,
                                                                        out_dir: Path) -> None:
    publish(grafana, out_dir)
    ui_edit(grafana, "mcp-2", retitle_first_panel("Still in use"))
    (out_dir / "grafana" / "dashboards" / "mcp" / "mcp-2.json").unlink()

    status, out, _ = publish(grafana, out_dir, prune=True)

    assert status == 1
    assert grafana.dashboard("mcp-2") is not None
    assert "DRIFT  dashboard mcp-2: no longer generated, but edited in Grafana since it was last published" in out

    status, out, _ = publish(grafana, out_dir, prune=True, force=True)

    assert status == 0, out
    assert grafana.dashboard("mcp-2") is None


# --- faults -----------------------------------------------------------------------------------------------------
def test_with_20_percent_faults_every_dashboard_lands_exactly_once(tmp_path: Path) -> None:
    uids = synthetic_tree(tmp_path / "out", dashboards=40, folders=4)
    faults = Faults(rate=0.2, slow_seconds=FAST.read_timeout + 0.3, seed=20)
    with running_grafana(tokens={TOKEN: "Admin"}, faults=faults) as grafana:
        status, out, _ = publish(grafana, tmp_path / "out")

        assert status == 0, out
        assert set(grafana.faults_injected) == set(FAULT_KINDS)
        hits = requests.get(f"{grafana.url}/api/search", params={"type": "dash-db", "limit": 5000}, timeout=5,
                            headers={"Authorization": f"Bearer {TOKEN}"})
        while hits.status_code != 200:  # the search itself may meet a fault
            hits = requests.get(hits.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        assert sorted(hit["uid"] for hit in hits.json()) == sorted(uids)  # no duplicates, none missing
        assert {uid: grafana.saves(uid) for uid in uids} == dict.fromkeys(uids, 1)
        assert {uid: grafana.dashboard(uid)["version"] for uid in uids} == dict.fromkeys(uids, 1)
        assert len(grafana.folder_titles()) == 4

        grafana.reset_counts()
        status, out, _ = publish(grafana, tmp_path / "out")

        assert status == 0, out
        assert grafana.writes() == 0
        assert "40 unchanged" in out


def test_updates_under_faults_apply_exactly_once(tmp_path: Path) -> None:
    uids = synthetic_tree(tmp_path / "out", dashboards=20, folders=2)
    with running_grafana(tokens={TOKEN: "Admin"}) as grafana:
        publish(grafana, tmp_path / "out")
        for path in (tmp_path / "out" / "grafana" / "dashboards").glob("*/*.json"):
            edit_model(tmp_path / "out", path.parent.name, path.stem, retitle_first_panel("v2"))
        grafana.faults = Faults(rate=0.3, kinds=("502", "slow", "drop"), after_processing=1.0,
                                slow_seconds=FAST.read_timeout + 0.3)

        status, out, _ = publish(grafana, tmp_path / "out")

        assert status == 0, out
        assert sum(grafana.faults_injected.values()) > 0
        assert {uid: grafana.dashboard(uid)["version"] for uid in uids} == dict.fromkeys(uids, 2)


def test_retries_give_up_with_a_one_line_message(out_dir: Path) -> None:
    faults = Faults(rate=1.0, kinds=("502",), after_processing=0.0)
    settings = ClientSettings(read_timeout=0.5, retries=2, backoff_factor=0.001, backoff_jitter=0.0)
    stats = RetryStats()
    with running_grafana(tokens={TOKEN: "Admin"}, faults=faults) as grafana:
        client = client_for(grafana, settings=settings, stats=stats)
        status, out, _ = shown(client, out_dir)

        assert status == 1
        assert grafana.requests[("GET", "/api/dashboards/uid/mcp-0")] == 3  # the first try and 2 retries
    assert stats.causes["502"] == 9 * 2 + 3 * 2
    assert "cannot read dashboard mcp-0: Grafana answered 502 Bad Gateway after 2 retries\n" in out
    assert "FAILED dashboard mcp-0:" in out


def test_retry_after_is_honoured_up_to_a_cap() -> None:
    from urllib3.response import HTTPResponse

    from monitoring.grafana.publish.client import retry_policy

    response = HTTPResponse(body=b"", status=429, headers={"Retry-After": "7"})
    assert retry_policy(ClientSettings(retry_after_max=60)).get_retry_after(response) == 7
    assert retry_policy(ClientSettings(retry_after_max=0.5)).get_retry_after(response) == 0.5
    policy = retry_policy(ClientSettings(retry_after_max=0.5)).increment("GET", "/api/x", response=response)
    assert policy.retry_after_cap == 0.5 and policy.is_retry("POST", 429, True)  # the cap survives each retry


@pytest.mark.parametrize(("concurrency", "dry_run"), [(1, False), (4, False), (4, True)])
def test_an_unreachable_grafana_stops_publishing_with_one_line(out_dir: Path, concurrency: int, dry_run: bool) -> None:
    with running_grafana() as grafana:
        url = grafana.url  # a port that is free again once the server stops
    config = GrafanaConfig.from_env({"GRAFANA_URL": url, "GRAFANA_TOKEN": TOKEN})
    settings = ClientSettings(connect_timeout=0.5, retries=6, connect_retries=2, backoff_factor=0.001)
    stats = RetryStats()
    client = GrafanaClient(build_session(config, settings, stats), url, settings)
    status, out, err = shown(client, out_dir, concurrency=concurrency, dry_run=dry_run)

    assert status == 1
    command = "diff" if dry_run else "publish"  # `monitoring diff` is publish's dry run
    assert err.splitlines()[0].startswith(f"monitoring: {command} failed: cannot connect to Grafana at {url} "
                                          f"(3 attempts): ")
    assert "Connection refused" in err
    assert "FAILED" not in out  # one line for the whole run, not one per item
    # Connections are retried connect_retries times, not `retries`; once one request has given up, the others
    # fail at once: only the requests already in flight retried (one per thread at most).
    assert 2 <= stats.causes["NewConnectionError"] <= 2 * concurrency


def test_once_grafana_could_not_be_reached_the_client_does_not_try_again() -> None:
    with running_grafana() as grafana:
        url = grafana.url
    config = GrafanaConfig.from_env({"GRAFANA_URL": url, "GRAFANA_TOKEN": TOKEN})
    settings = ClientSettings(connect_timeout=0.5, retries=6, connect_retries=1, backoff_factor=0.001)
    stats = RetryStats()
    client = GrafanaClient(build_session(config, settings, stats), url, settings)
    with pytest.raises(UnreachableError) as first:
        client.get_dashboard("a")
    with pytest.raises(UnreachableError) as second:
        client.get_folder("b")  # another request: fails at once, with the same message, and is not retried

    assert str(second.value) == str(first.value)
    assert str(first.value).startswith(f"cannot connect to Grafana at {url} (2 attempts): ")
    assert stats.causes == {"NewConnectionError": 1}


@pytest.mark.parametrize(("error", "stops"), [
    (requests.exceptions.ConnectTimeout("connect timed out"), True),
    (requests.exceptions.ConnectionError(MaxRetryError(None, "/api/health", NewConnectionError(None, "refused"))),
     True),
    (requests.exceptions.ConnectionError(MaxRetryError(None, "/api/health", NameResolutionError(
        "grafana.invalid", None, OSError("Name or service not known")))), True),
    (requests.exceptions.ProxyError(MaxRetryError(None, "/api/health", ProxyError(
        "Unable to connect to proxy", NewConnectionError(None, "refused")))), True),
    (requests.exceptions.ConnectionError(MaxRetryError(None, "/api/health", ProtocolError("reset by peer"))), False),
    (requests.exceptions.ConnectionError(ProtocolError("Connection aborted.")), False),
    (requests.exceptions.ReadTimeout("read timed out"), False),
], ids=["connect-timeout", "refused", "unknown-host", "proxy-refused", "reset-after-retries", "aborted",
        "read-timeout"])
def test_only_a_connection_that_cannot_be_made_stops_publishing(error: Exception, stops: bool) -> None:
    """A connection that was made and then failed says nothing of the other requests: that item fails alone."""
    from monitoring.grafana.publish.client import _not_connected

    assert _not_connected(error) is stops


def test_a_request_grafana_accepted_and_dropped_fails_only_its_item(out_dir: Path) -> None:
    faults = Faults(rate=1.0, kinds=("drop",), after_processing=0.0, paths="/api/dashboards/uid/mcp-0")
    settings = ClientSettings(connect_timeout=1.0, read_timeout=1.0, retries=1, connect_retries=1,
                              backoff_factor=0.001, backoff_jitter=0.0)
    with running_grafana(tokens={TOKEN: "Admin"}, faults=faults) as grafana:
        status, out, err = shown(client_for(grafana, settings=settings), out_dir, dry_run=True)
        url = grafana.url

    assert status == 1 and "cannot connect" not in err, err
    assert f"cannot read dashboard mcp-0: cannot reach Grafana at {url} after 1 retries: ('Connection aborted." in out
    # The others were read as usual: each is planned.
    assert "create    dashboard mcp-1 ('MCP 1') in folder mcp" in out and "1 unreadable" in out


# --- credentials ------------------------------------------------------------------------------------------------
def test_bad_credentials_give_one_line_and_never_show_the_token(out_dir: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    bad = "glsa_wrong_token_9a8b7c6d"
    # This server echoes the credentials in its errors, as some proxies do: the client must redact them.
    with running_grafana(tokens={TOKEN: "Admin"}, echo_credentials_in_errors=True) as grafana:
        status, out, err = publish(grafana, out_dir, token=bad)
        assert grafana.writes() == 0
        url = grafana.url

    assert status == 1
    assert err.splitlines() == [f"monitoring: publish failed: Grafana at {url} rejected the credentials "
                                f"(401 Invalid API key (***)): check GRAFANA_TOKEN, or GRAFANA_USER and "
                                f"GRAFANA_PASSWORD"]
    for text in (out, err, caplog.text):
        assert bad not in text


def test_bad_basic_auth_password_never_shows(out_dir: Path) -> None:
    with running_grafana(users={"publisher": ("right-password", "Admin")}, echo_credentials_in_errors=True) as grafana:
        config = GrafanaConfig.from_env({"GRAFANA_URL": grafana.url, "GRAFANA_USER": "publisher",
                                         "GRAFANA_PASSWORD": "wrong-password-123"})
        status, out, err = shown(GrafanaClient(build_session(config, FAST), config.url, FAST), out_dir)

    assert status == 1
    assert "rejected the credentials (401 Invalid username or password (***))" in err
    assert "wrong-password-123" not in out + err


def test_a_missing_permission_is_named(grafana: FakeGrafana, out_dir: Path) -> None:
    status, out, _ = publish(grafana, out_dir, token=VIEWER_TOKEN)

    assert status == 1
    assert "FAILED folder mcp: permission denied (403): the service account needs the folders:create " \
           "permission" in out
    publish(grafana, out_dir)
    edit_model(out_dir, "mcp", "mcp-0", retitle_first_panel("v2"))

    status, out, _ = publish(grafana, out_dir, token=VIEWER_TOKEN)

    assert "FAILED dashboard mcp-0: permission denied (403): the service account needs the dashboards:write " \
           "permission" in out
