"""The dashboard model: folders, panels and dashboards validate when built, with one-line errors."""

from __future__ import annotations

import pytest

from monitoring import (
    Counter,
    Dashboard,
    DashboardRow,
    DashboardSettings,
    DashboardVariable,
    DefinitionError,
    Folder,
    Panel,
    PanelQuery,
    Receiver,
    Route,
    Routing,
    Service,
    Stack,
    Threshold,
    Webhook,
    conventions,
)
from tests.sites import without_site

QUERY = PanelQuery(expr='sum(rate(app_requests_total{job=~"$job"}[$__rate_interval]))')


def stack(**overrides: object) -> Stack:
    fields: dict[str, object] = dict(
        name="demo",
        services=(Service(name="app", metrics=(Counter(name="app_requests_total", help="Requests."),)),),
        routing=Routing(route=Route(receiver="default"),
                        receivers=(Receiver(name="default", webhooks=(Webhook(url="http://hook:9/"),)),)),
    )
    fields.update(overrides)
    return Stack(**fields)


def board(**overrides: object) -> Dashboard:
    fields: dict[str, object] = dict(name="App", panels=(Panel(title="Requests", queries=(QUERY,)),))
    fields.update(overrides)
    return Dashboard(**fields)


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Folder(uid="a b", title="A"), "folder: uid 'a b' must be 1 to 40 letters, digits, '-' or '_'"),
    (lambda: Folder(uid="x" * 41, title="A"), "must be 1 to 40 letters"),
    (lambda: Panel(title="Requests"), "panel 'Requests': a timeseries panel needs at least one query"),
    (lambda: Panel(title="Notes", type="text"), "panel 'Notes': a text panel has content and no queries"),
    (lambda: Panel(title="Requests", type="graph", queries=(QUERY,)), "panel 'Requests': type 'graph'"),
    (lambda: Panel(title="Wide", width=25, queries=(QUERY,)), "panel 'Wide': width 25"),
    (lambda: Panel(title="Levels", queries=(QUERY,), thresholds=(Threshold(value=5, color="red"),
                                                                Threshold(value=1, color="orange"))),
     "panel 'Levels': thresholds [5.0, 1.0] must be strictly increasing"),
    (lambda: PanelQuery(expr="sum(rate(x[$__rate_interval])"), "panel query: expr: PromQL does not parse"),
    (lambda: DashboardRow(title="Empty", panels=()), "dashboard row 'Empty': panels"),
    (lambda: board(panels=()), "dashboard 'App': a dashboard needs panels or rows"),
    (lambda: board(panels=(Panel(title="R", queries=(PanelQuery(expr='up{cluster="$cluster"}'),)),)),
     "dashboard 'App': panel 'R': $cluster is not a variable of this dashboard"),
    (lambda: DashboardVariable(name="job", query="label_values(up, job)"),
     "dashboard variable 'job': name: variable 'job' is defined on every dashboard already"),
    (lambda: board(uid="has space"), "dashboard 'App': uid 'has space' must be 1 to 40 letters"),
    (lambda: DashboardSettings(refresh="often"), "dashboard settings: refresh 'often'"),
    # Titles Grafana refuses (blank), or that would break the one-line listings and messages that show them.
    (lambda: board(name=" "), "dashboard ' ': name: ' ' is blank: Grafana refuses a dashboard or folder without a "
                              "title"),
    (lambda: board(name="App\nv2"), "name: 'App\\nv2' contains the control character '\\n' at offset 3"),
    (lambda: Folder(uid="ops", title="\x1b[1mOps"), "folder: title: '\\x1b[1mOps' contains the control character"),
    (lambda: Folder(uid="ops", title=""), "folder: '' is blank: Grafana refuses a dashboard or folder without a title"),
])
def test_invalid_definitions_name_the_object_and_field(build, message: str) -> None:
    with pytest.raises(DefinitionError) as err:
        build()
    assert message in without_site(err.value)
    assert "\n" not in str(err.value)


def test_dashboard_variables_may_be_used() -> None:
    dashboard = board(variables=(DashboardVariable(name="tool", query='label_values(up{job=~"$job"}, tool)'),),
                      panels=(Panel(title="R",
                                    queries=(PanelQuery(expr='up{tool=~"$tool", instance=~"$instance"}'),)),))
    assert dashboard.used_variables() == {"job", "tool", "instance"}


def test_uid_is_derived_from_the_name_stable_and_short() -> None:
    assert board().dashboard_uid == "app"
    long = board(name="A dashboard whose title is much longer than forty characters")
    assert long.dashboard_uid == conventions.dashboard_uid(long.name)
    assert len(long.dashboard_uid) <= 40
    other = board(name="A dashboard whose title is much longer than forty characters!")
    assert long.dashboard_uid != other.dashboard_uid
    assert board(uid="own-uid").dashboard_uid == "own-uid"
    # A title without a letter or digit of a-z, 0-9 made the uid '' (refused as such, or two titles one uid).
    japanese, chinese = board(name="日本語").dashboard_uid, board(name="中文").dashboard_uid
    assert japanese == "dashboard-77710aed" and chinese != japanese
    assert conventions.uid_problem(japanese) is None
    assert conventions.uid_problem(board(name="!!!").dashboard_uid) is None


@pytest.mark.parametrize(("overrides", "message"), [
    ({"folders": (Folder(uid="a", title="A"), Folder(uid="a", title="B"))}, "duplicate folder uid name 'a'"),
    ({"folders": (Folder(uid="a", title="A"), Folder(uid="b", title="A"))}, "duplicate folder title name 'A'"),
    ({"dashboard_settings": DashboardSettings(folder="ops")},
     "dashboard_settings.folder 'ops' is not a declared folder (folders: monitoring)"),
    ({"dashboards": (board(folder="ops"),)}, "dashboard 'App': folder 'ops' is not a declared folder"),
    ({"dashboards": (board(), board(name="Other", uid="app"))}, "duplicate dashboard uid name 'app'"),
    ({"dashboards": (board(panels=(Panel(title="R", queries=(PanelQuery(expr="rate(app_typo_total[5m])"),)),)),)},
     "dashboard 'App', panel 'R': query selects 'app_typo_total', which is in no metric catalog"),
    ({"folders": ()}, "folders is empty: declare a folder for the dashboards"),
])
def test_stack_checks_dashboard_references(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(DefinitionError) as err:
        stack(**overrides)
    assert message in str(err.value)


def test_stack_defaults_to_one_folder_and_accepts_declared_dashboards() -> None:
    built = stack(dashboards=(board(),))
    assert [(f.uid, f.title) for f in built.folders] == [("monitoring", "Monitoring")]
    no_dashboards = stack(folders=(), dashboard_settings=DashboardSettings(service_dashboards=False,
                                                                           slo_dashboards=False))
    assert no_dashboards.folders == ()


def test_declared_dashboards_may_select_slo_series() -> None:
    from monitoring import SLO, RatioSLI

    slo = SLO(name="availability", service="app", objective="99.9",
              sli=RatioSLI(errors='app_requests_total{code="500"}', total="app_requests_total"))
    budget = Panel(title="Budget", type="stat",
                   queries=(PanelQuery(expr='slo:period_error_budget_remaining:ratio{slo="availability"}'),))
    built = stack(slos=(slo,), dashboards=(board(panels=(budget,)),))
    assert "slo:sli_error:ratio_rate1h" in built.known_series()
    with pytest.raises(DefinitionError, match="selects 'slo:period_error_budget_remaining:ratio'"):
        stack(dashboards=(board(panels=(budget,)),))
