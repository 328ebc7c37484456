"""The local Grafana keeps the documented API semantics (shared/reference/grafana-http-api.md), and its faults
and counts behave as the publishing tests assume. Plain requests over loopback, no retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.grafana_server import FakeGrafana, Faults, running_grafana, synthetic_dashboard

TOKEN = "test-token"


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    with running_grafana(tokens={TOKEN: "Admin", "viewer-token": "Viewer"},
                         users={"admin": ("s3cret-pass", "Admin")}) as server:
        yield server


def call(grafana: FakeGrafana, method: str, path: str, token: str | None = TOKEN, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, grafana.url + path, headers=headers, timeout=5, **kwargs)


def save(grafana: FakeGrafana, dashboard: dict, folder_uid: str = "", overwrite: bool = False,
         token: str = TOKEN) -> requests.Response:
    return call(grafana, "POST", "/api/dashboards/db", token,
                json={"dashboard": dashboard, "folderUid": folder_uid, "message": "test", "overwrite": overwrite})


def test_health_needs_no_credentials(grafana: FakeGrafana) -> None:
    response = call(grafana, "GET", "/api/health", token=None)
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["version"]


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_missing_or_bad_token_is_401_with_a_json_message(grafana: FakeGrafana, token: str | None) -> None:
    response = call(grafana, "GET", "/api/dashboards/uid/x", token=token)
    assert response.status_code == 401
    assert response.json()["message"]


def test_basic_auth(grafana: FakeGrafana) -> None:
    ok = requests.get(grafana.url + "/api/folders", auth=("admin", "s3cret-pass"), timeout=5)
    bad = requests.get(grafana.url + "/api/folders", auth=("admin", "nope"), timeout=5)
    assert ok.status_code == 200
    assert bad.status_code == 401
    assert bad.json()["message"] == "Invalid username or password"


def test_a_viewer_gets_403_naming_the_missing_permission(grafana: FakeGrafana) -> None:
    response = save(grafana, synthetic_dashboard("d1", "One"), token="viewer-token")
    assert response.status_code == 403
    assert response.json()["message"].endswith("Permissions needed: dashboards:create")
    assert call(grafana, "POST", "/api/folders", "viewer-token", json={"uid": "f", "title": "F"}).status_code == 403


def test_dashboard_versions_and_the_412_reasons(grafana: FakeGrafana) -> None:
    created = save(grafana, synthetic_dashboard("d1", "One"))
    assert created.status_code == 200
    assert created.json() | {"id": 0} == {"id": 0, "uid": "d1", "url": "/d/d1/one", "status": "success",
                                         "version": 1, "slug": "one"}
    again = save(grafana, synthetic_dashboard("d1", "One"))  # a create (no version) of an existing uid
    assert (again.status_code, again.json()["status"]) == (412, "name-exists")

    live = call(grafana, "GET", "/api/dashboards/uid/d1").json()
    assert live["dashboard"]["version"] == 1 and live["dashboard"]["id"] == created.json()["id"]
    assert live["meta"]["folderUid"] == "" and live["meta"]["folderTitle"] == "General"
    updated = save(grafana, live["dashboard"] | {"title": "One, renamed"})
    assert updated.json()["version"] == 2

    stale = save(grafana, live["dashboard"] | {"title": "Stale"})  # still carries version 1
    assert stale.status_code == 412
    assert stale.json() == {"message": "The dashboard has been changed by someone else",
                            "status": "version-mismatch"}
    forced = save(grafana, live["dashboard"] | {"title": "Forced"}, overwrite=True)
    assert forced.json()["version"] == 3
    assert grafana.dashboard("d1")["title"] == "Forced"


def test_same_title_in_the_same_folder_is_name_exists(grafana: FakeGrafana) -> None:
    assert save(grafana, synthetic_dashboard("d1", "Same")).status_code == 200
    clash = save(grafana, synthetic_dashboard("d2", "same"))
    assert (clash.status_code, clash.json()["status"]) == (412, "name-exists")
    assert call(grafana, "POST", "/api/folders", json={"uid": "f", "title": "F"}).status_code == 200
    assert save(grafana, synthetic_dashboard("d2", "Same"), folder_uid="f").status_code == 200


def test_bad_dashboards_are_400(grafana: FakeGrafana) -> None:
    assert save(grafana, {"uid": "x", "title": ""}).status_code == 400
    assert save(grafana, {"uid": "x" * 41, "title": "Long"}).status_code == 400
    missing_folder = save(grafana, synthetic_dashboard("d1", "One"), folder_uid="nope")
    assert missing_folder.status_code == 400
    assert "nope" in missing_folder.json()["message"]
    assert call(grafana, "POST", "/api/dashboards/db", data="{not json").status_code == 400


def test_get_and_delete_a_missing_dashboard_are_404(grafana: FakeGrafana) -> None:
    assert call(grafana, "GET", "/api/dashboards/uid/none").json() == {"message": "Dashboard not found"}
    assert call(grafana, "DELETE", "/api/dashboards/uid/none").status_code == 404


def test_folders_409_on_a_taken_uid_412_on_a_stale_version(grafana: FakeGrafana) -> None:
    created = call(grafana, "POST", "/api/folders", json={"uid": "ops", "title": "Ops"})
    assert created.status_code == 200 and created.json()["version"] == 1
    assert call(grafana, "POST", "/api/folders", json={"uid": "ops", "title": "Other"}).status_code == 409
    # Modern Grafana allows a second folder with the same title under another uid.
    assert call(grafana, "POST", "/api/folders", json={"uid": "ops2", "title": "Ops"}).status_code == 200
    renamed = call(grafana, "PUT", "/api/folders/ops", json={"title": "Operations", "version": 1})
    assert renamed.json()["version"] == 2
    stale = call(grafana, "PUT", "/api/folders/ops", json={"title": "Again", "version": 1})
    assert (stale.status_code, stale.json()["status"]) == (412, "version-mismatch")
    assert call(grafana, "GET", "/api/folders/ops").json()["title"] == "Operations"
    assert call(grafana, "GET", "/api/folders/none").status_code == 404
    listed = call(grafana, "GET", "/api/folders").json()
    assert [f["uid"] for f in listed] == ["ops", "ops2"]  # by title: Operations, then Ops


def test_legacy_grafana_answers_409_to_a_taken_folder_title() -> None:
    with running_grafana(tokens={TOKEN: "Admin"}, legacy_folder_title_conflict=True) as grafana:
        assert call(grafana, "POST", "/api/folders", json={"uid": "a", "title": "Ops"}).status_code == 200
        assert call(grafana, "POST", "/api/folders", json={"uid": "b", "title": "ops"}).status_code == 409


def test_deleting_a_folder_deletes_its_dashboards(grafana: FakeGrafana) -> None:
    call(grafana, "POST", "/api/folders", json={"uid": "f", "title": "F"})
    save(grafana, synthetic_dashboard("inside", "Inside"), folder_uid="f")
    save(grafana, synthetic_dashboard("outside", "Outside"))
    assert call(grafana, "DELETE", "/api/folders/f").json()["message"] == "Folder deleted"
    assert grafana.dashboard("inside") is None
    assert grafana.dashboard("outside") is not None


def test_search_by_tags_folders_type_and_pages(grafana: FakeGrafana) -> None:
    call(grafana, "POST", "/api/folders", json={"uid": "f", "title": "F"})
    save(grafana, synthetic_dashboard("a", "A", tags=("x", "y")), folder_uid="f")
    save(grafana, synthetic_dashboard("b", "B", tags=("x",)))
    save(grafana, synthetic_dashboard("c", "C", tags=()), folder_uid="f")

    def uids(**params: object) -> list[str]:
        return [hit["uid"] for hit in call(grafana, "GET", "/api/search", params=params).json()]

    assert uids() == ["f", "a", "b", "c"]  # folders first, then dashboards by title
    assert uids(tag="x") == ["a", "b"]
    assert uids(tag=["x", "y"]) == ["a"]  # every tag must match
    assert uids(type="dash-folder") == ["f"]
    assert uids(type="dash-db", folderUIDs="f") == ["a", "c"]
    assert uids(type="dash-db", folderUIDs="general") == ["b"]
    assert uids(type="dash-db", dashboardUIDs=["a", "c"]) == ["a", "c"]
    assert uids(type="dash-db", limit=2, page=2) == ["c"]
    hit = call(grafana, "GET", "/api/search", params={"query": "a", "type": "dash-db"}).json()[0]
    assert {"id", "uid", "title", "uri", "url", "slug", "type", "tags", "isStarred", "folderUid", "folderTitle",
            "folderUrl"} <= hit.keys()
    assert "dashboard" not in hit and "version" not in hit


def test_datasources_by_uid_and_name(grafana: FakeGrafana) -> None:
    assert call(grafana, "GET", "/api/datasources/uid/prometheus").json()["type"] == "prometheus"
    assert call(grafana, "GET", "/api/datasources/name/Prometheus").json()["uid"] == "prometheus"
    assert call(grafana, "GET", "/api/datasources/uid/none").status_code == 404


def test_unknown_paths_and_methods(grafana: FakeGrafana) -> None:
    assert call(grafana, "GET", "/api/nothing").status_code == 404
    assert call(grafana, "PATCH", "/api/folders").status_code == 405


def test_requests_are_counted_by_method_and_path(grafana: FakeGrafana) -> None:
    call(grafana, "GET", "/api/dashboards/uid/a")
    call(grafana, "GET", "/api/dashboards/uid/a")
    call(grafana, "POST", "/api/folders", json={"uid": "f", "title": "F"})
    assert grafana.requests[("GET", "/api/dashboards/uid/a")] == 2
    assert (grafana.reads(), grafana.writes()) == (2, 1)
    assert grafana.count(path="/api/dashboards/") == 2
    grafana.reset_counts()
    assert grafana.count() == 0


def test_429_carries_retry_after() -> None:
    with running_grafana(tokens={TOKEN: "Admin"}, faults=Faults(rate=1.0, kinds=("429",), retry_after=7)) as grafana:
        response = call(grafana, "GET", "/api/folders")
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert grafana.faults_injected["429"] == 1


def test_5xx_faults_change_nothing_before_processing() -> None:
    faults = Faults(rate=1.0, kinds=("500",))
    with running_grafana(tokens={TOKEN: "Admin"}, faults=faults) as grafana:
        assert call(grafana, "POST", "/api/folders", json={"uid": "f", "title": "F"}).status_code == 500
        assert grafana.folder_titles() == {}


def test_a_dropped_connection_after_processing_still_applies_the_write() -> None:
    faults = Faults(rate=1.0, kinds=("drop",), after_processing=1.0)
    with running_grafana(tokens={TOKEN: "Admin"}, faults=faults) as grafana:
        with pytest.raises(requests.ConnectionError):
            call(grafana, "POST", "/api/folders", json={"uid": "f", "title": "F"})
        assert grafana.folder_titles() == {"f": "F"}


def test_a_slow_response_outlasts_the_client_timeout() -> None:
    faults = Faults(rate=1.0, kinds=("slow",), slow_seconds=0.6)
    with running_grafana(tokens={TOKEN: "Admin"}, faults=faults) as grafana:
        with pytest.raises(requests.ReadTimeout):
            requests.get(grafana.url + "/api/folders", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=0.2)
        assert grafana.faults_injected["slow"] == 1


def test_faults_strike_about_the_configured_fraction() -> None:
    faults = Faults(rate=0.2, kinds=("500",), seed=7)
    with running_grafana(tokens={TOKEN: "Admin"}, faults=faults) as grafana:
        with requests.Session() as session:
            statuses = [session.get(grafana.url + "/api/folders", headers={"Authorization": f"Bearer {TOKEN}"},
                                    timeout=5).status_code for _ in range(200)]
        assert 20 <= statuses.count(500) <= 60
        assert grafana.faults_injected["500"] == statuses.count(500)
