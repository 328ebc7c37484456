"""The pure parts of publishing: reading out/grafana, configuration, classification, diffs and progress."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from monitoring.cli import ProgressBar
from monitoring.grafana.publish.config import ConfigError, GrafanaConfig
from monitoring.grafana.publish.desired import DesiredDashboard, DesiredFolder, PublishInputError, load_desired
from monitoring.grafana.publish.plan import (
    HASH_KEY,
    MANAGED_TAG,
    Action,
    classify_dashboard,
    classify_folder,
    classify_prune,
    content_hash,
    dashboard_diff,
    published_body,
    save_payload,
)
from monitoring.grafana.publish.pool import run_all
from tests.grafana_server import synthetic_dashboard, write_grafana_tree

MODEL = synthetic_dashboard("svc", "Service")
DESIRED = DesiredDashboard("svc", "Service", "team", MODEL, "grafana/dashboards/team/svc.json")


def live(dashboard: dict, folder: str = "team", version: int = 4) -> dict:
    """A GET /api/dashboards/uid response."""
    return {"dashboard": dict(dashboard, id=17, version=version), "meta": {"folderUid": folder, "version": version}}


def published(model: dict = MODEL, folder: str = "team") -> dict:
    """What our last publish left in Grafana."""
    return save_payload(published_body(model), folder, None)


# --- out/grafana ------------------------------------------------------------------------------------------------
def test_load_desired_reads_folders_and_dashboards(tmp_path: Path) -> None:
    write_grafana_tree(tmp_path, {"b": "B", "a": "A"}, {"a": [synthetic_dashboard("x", "X")],
                                                       "b": [synthetic_dashboard("y", "Y")]})
    desired = load_desired(tmp_path)
    assert desired.folders == (DesiredFolder("a", "A"), DesiredFolder("b", "B"))
    assert [(d.uid, d.folder_uid, d.path) for d in desired.dashboards] == [
        ("x", "a", "grafana/dashboards/a/x.json"), ("y", "b", "grafana/dashboards/b/y.json")]


def test_no_grafana_output_is_nothing_to_publish(tmp_path: Path) -> None:
    assert load_desired(tmp_path).dashboards == ()


@pytest.mark.parametrize(("folders", "dashboard", "message"), [
    ([{"uid": "a", "title": "A"}], {"uid": "other", "title": "X"},
     "grafana/dashboards/a/x.json: uid 'other' does not match the file name 'x'"),
    ([{"uid": "a", "title": "A"}], {"uid": "x", "title": ""},
     "grafana/dashboards/a/x.json: dashboard 'x' has no title"),
    ([{"uid": "b", "title": "B"}], {"uid": "x", "title": "X"},
     "grafana/dashboards/a/x.json: folder 'a' is not listed in grafana/folders.json"),
    ([{"uid": "a", "title": "A"}, {"uid": "a", "title": "A"}], {"uid": "x", "title": "X"},
     "grafana/folders.json[1]: folder uid 'a' appears twice"),
    ([{"uid": "a" * 41, "title": "A"}], {"uid": "x", "title": "X"},
     f"grafana/folders.json[0]: uid {'a' * 41!r} must be 1 to 40 letters, digits, '-' or '_'"),
])
def test_malformed_output_is_a_one_line_error_naming_the_file(tmp_path: Path, folders: list, dashboard: dict,
                                                               message: str) -> None:
    (tmp_path / "grafana" / "dashboards" / "a").mkdir(parents=True)
    (tmp_path / "grafana" / "folders.json").write_text(json.dumps(folders))
    (tmp_path / "grafana" / "dashboards" / "a" / "x.json").write_text(json.dumps(dashboard))
    with pytest.raises(PublishInputError) as error:
        load_desired(tmp_path)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


# --- configuration ----------------------------------------------------------------------------------------------
def test_config_from_env_prefers_the_token_and_hides_secrets() -> None:
    config = GrafanaConfig.from_env({"GRAFANA_URL": "https://grafana.example.com/", "GRAFANA_TOKEN": "tok-123",
                                     "GRAFANA_USER": "u", "GRAFANA_PASSWORD": "pw-456"})
    assert (config.url, config.token, config.user, config.password) == ("https://grafana.example.com", "tok-123",
                                                                         None, None)
    assert "tok-123" not in repr(config)
    basic = GrafanaConfig.from_env({"GRAFANA_URL": "https://g", "GRAFANA_USER": "u", "GRAFANA_PASSWORD": "pw-456"})
    assert "pw-456" not in repr(basic) and basic.user == "u"
    assert GrafanaConfig.from_env({"GRAFANA_TOKEN": "t"}, url="http://other:3000").url == "http://other:3000"


@pytest.mark.parametrize(("env", "options", "message"), [
    ({"GRAFANA_TOKEN": "t"}, {}, "no Grafana URL: set GRAFANA_URL or pass --grafana-url"),
    ({"GRAFANA_URL": "https://g"}, {}, "no Grafana credentials: set GRAFANA_TOKEN"),
    ({"GRAFANA_URL": "https://g", "GRAFANA_USER": "u"}, {}, "no Grafana credentials"),
    ({"GRAFANA_URL": "grafana:3000", "GRAFANA_TOKEN": "t"}, {}, "Grafana URL 'grafana:3000' must look like https://"),
    ({"GRAFANA_URL": "https://admin:hunter22@g", "GRAFANA_TOKEN": "t"}, {},
     "the Grafana URL must not contain credentials"),
    # What would break the URL, or the one-line message that shows it: never shown, it may carry credentials.
    ({"GRAFANA_URL": "https://admin:hunter22@[::1", "GRAFANA_TOKEN": "t"}, {},
     "the Grafana URL does not parse: Invalid IPv6 URL (the value is not shown)"),
    ({"GRAFANA_URL": "https://admin:hunter22@g:99999", "GRAFANA_TOKEN": "t"}, {},
     "the Grafana URL does not parse: Port out of range 0-65535 (the value is not shown)"),
    ({"GRAFANA_URL": "https://admin:hunter22@g\nX-Evil: 1", "GRAFANA_TOKEN": "t"}, {},
     "the Grafana URL contains a space or a control character (the value is not shown)"),
    ({"GRAFANA_URL": "https://g", "GRAFANA_TOKEN": "t"}, {"insecure": True, "ca_cert": "ca.pem"},
     "--insecure and --ca-cert exclude each other"),
    ({"GRAFANA_URL": "https://g", "GRAFANA_TOKEN": "t"}, {"ca_cert": "/nonexistent/ca.pem"},
     "--ca-cert '/nonexistent/ca.pem': no such file"),
])
def test_config_errors(env: dict, options: dict, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        GrafanaConfig.from_env(env, **options)
    assert str(error.value).startswith(message)
    assert "hunter22" not in str(error.value)


def test_plain_http_is_flagged_only_off_the_loopback() -> None:
    def config(url: str) -> GrafanaConfig:
        return GrafanaConfig.from_env({"GRAFANA_URL": url, "GRAFANA_TOKEN": "t"})
    assert config("http://grafana.example.com").plain_http_to_remote
    assert not config("http://127.0.0.1:3000").plain_http_to_remote
    assert not config("http://localhost:3000").plain_http_to_remote
    assert not config("https://grafana.example.com").plain_http_to_remote


# --- classification ----------------------------------------------------------------------------------------------
def test_published_body_adds_the_managed_tag_and_drops_volatile_keys() -> None:
    body = published_body(dict(MODEL, id=3, version=9))
    assert body["tags"] == ["mcp", MANAGED_TAG]
    assert "id" not in body and "version" not in body
    assert MODEL["tags"] == ["mcp"]  # the model is not changed
    assert published_body(body)["tags"] == ["mcp", MANAGED_TAG]  # idempotent


def test_the_hash_covers_content_and_folder_but_not_volatile_keys() -> None:
    body = published_body(MODEL)
    assert content_hash(body, "team") == content_hash(dict(body), "team")
    assert content_hash(body, "team") != content_hash(body, "other")
    assert content_hash(body, "team") != content_hash(dict(body, title="Changed"), "team")
    payload = save_payload(body, "team", 4)
    assert payload[HASH_KEY] == content_hash(body, "team") and payload["version"] == 4


def test_new_dashboards_are_created() -> None:
    assert classify_dashboard(DESIRED, None, force=False).action == Action.CREATE


def test_identical_content_is_unchanged_whatever_id_and_version_say() -> None:
    change = classify_dashboard(DESIRED, live(published(), version=12), force=False)
    assert change.action == Action.UNCHANGED


def test_what_we_published_is_updated_when_the_definition_changes() -> None:
    old = dict(MODEL, title="Old title")
    change = classify_dashboard(DESIRED, live(published(old)), force=False)
    assert (change.action, change.live_version, change.forced) == (Action.UPDATE, 4, False)


def test_an_edit_in_grafana_is_drift() -> None:
    edited = published()
    edited["refresh"] = "5s"  # someone changed it; the stored hash still describes what we published
    change = classify_dashboard(DESIRED, live(edited), force=False)
    assert change.action == Action.DRIFT
    assert change.reason == "edited in Grafana since it was last published (version 4)"


def test_a_missing_hash_on_a_managed_dashboard_is_drift() -> None:
    edited = published(dict(MODEL, title="Old"))
    del edited[HASH_KEY]
    change = classify_dashboard(DESIRED, live(edited), force=False)
    assert change.action == Action.DRIFT and "the publish hash is gone" in change.reason


def test_a_dashboard_moved_in_grafana_is_drift() -> None:
    change = classify_dashboard(DESIRED, live(published(), folder="elsewhere"), force=False)
    assert change.action == Action.DRIFT


def test_an_unmanaged_dashboard_is_drift_and_force_takes_it_over() -> None:
    theirs = live(synthetic_dashboard("svc", "Theirs", tags=("x",)))
    assert classify_dashboard(DESIRED, theirs, force=False).reason == \
        "exists in Grafana but was not published by this tool"
    forced = classify_dashboard(DESIRED, theirs, force=True)
    assert (forced.action, forced.forced) == (Action.UPDATE, True)


def test_prune_candidates_edited_in_grafana_are_kept() -> None:
    assert classify_prune("svc", live(published()), force=False).action == Action.PRUNE
    edited = dict(published(), refresh="1s")
    assert classify_prune("svc", live(edited), force=False).action == Action.DRIFT
    assert classify_prune("svc", live(edited), force=True).action == Action.PRUNE


def test_folders() -> None:
    folder = DesiredFolder("team", "Team")
    assert classify_folder(folder, None).action == Action.CREATE
    assert classify_folder(folder, {"uid": "team", "title": "Team"}).action == Action.UNCHANGED
    renamed = classify_folder(folder, {"uid": "team", "title": "Old", "version": 3})
    assert (renamed.action, renamed.live_title, renamed.live_version) == (Action.UPDATE, "Old", 3)


def test_the_diff_is_a_unified_diff_of_normalised_json() -> None:
    old = dict(MODEL, refresh="1m")
    change = classify_dashboard(DESIRED, live(published(old), folder="old-team"), force=False)
    lines = dashboard_diff(change)
    assert lines[:3] == ["folder: old-team -> team", "--- grafana:old-team/svc (version 4)",
                         "+++ grafana/dashboards/team/svc.json"]
    assert '-  "refresh": "1m",' in lines and '+  "refresh": "30s",' in lines
    assert not any(HASH_KEY in line or '"id"' in line.split(":")[0] for line in lines)


# --- progress -----------------------------------------------------------------------------------------------------
class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_when_there_are_more_than_a_few_items() -> None:
    stream = Tty()
    progress = ProgressBar(stream)
    for done in range(1, 7):
        progress("publishing", done, 6)
    assert "publishing [" in stream.getvalue() and "6/6" in stream.getvalue()
    assert stream.getvalue().endswith("\r\x1b[K")


@pytest.mark.parametrize(("stream", "total"), [(io.StringIO(), 100), (Tty(), 5)])
def test_no_progress_in_logs_or_for_a_few_items(stream: io.StringIO, total: int) -> None:
    progress = ProgressBar(stream)
    for done in range(1, total + 1):
        progress("publishing", done, total)
    assert stream.getvalue() == ""


def test_the_pool_reports_each_item_done() -> None:
    calls: list[tuple[str, int, int]] = []
    results = run_all(list(range(7)), lambda n: n * 2, 3, "doubling", lambda *call: calls.append(call))
    assert [r.value for r in results] == [n * 2 for n in range(7)]
    assert sorted(calls) == [("doubling", done, 7) for done in range(1, 8)]
