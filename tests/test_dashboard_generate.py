"""`generate` writes folders and dashboards (custom ones from the project's dashboards dir); a broken custom
dashboard is one line naming the file, exit 2, out/ untouched; `validate` runs the dashboard checks."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

from monitoring import conventions
from monitoring.checks.dashboards import check_dashboards
from monitoring.checks.lint import DashboardDocument, LintContext, lint_dashboards
from monitoring.cli import main
from monitoring.output.files import read_tree
from monitoring.output.manifest import Manifest
from monitoring.project import Project
from tests.test_bad_input import stderr

GOOD = '''
from grafanalib.core import Dashboard, GridPos, Target, TimeSeries
dashboard = Dashboard(title="Team board", panels=[TimeSeries(
    title="Up", dataSource="${datasource}", gridPos=GridPos(h=8, w=12, x=0, y=0),
    targets=[Target(expr="sum(up)", refId="A")])]).auto_panel_ids()
'''

BROKEN = [
    ("syntax error", "dashboard = (", "custom dashboard boards/bad.dashboard.py: syntax error at line 1: "),
    ("code that raises", "x = 1\ndashboard = 1 / 0",
     "custom dashboard boards/bad.dashboard.py: ZeroDivisionError: division by zero (line 2)"),
    ("no dashboard", "board = None", "custom dashboard boards/bad.dashboard.py: defines no `dashboard`"),
    ("not a dashboard", "dashboard = 'x'",
     "custom dashboard boards/bad.dashboard.py: `dashboard` is a str, not a grafanalib Dashboard, a "
     "monitoring.Dashboard or Grafana JSON (a dict)"),
    ("JSON that is not a dashboard", "dashboard = {'title': 'x'}",
     "custom dashboard boards/bad.dashboard.py: the JSON is not a Grafana dashboard (no title, or no list of "
     "panels)"),
    ("undeclared folder", GOOD + "folder = 'ops'",
     "custom dashboard boards/bad.dashboard.py: folder 'ops' is not a declared folder (folders: mcp)"),
    ("bad uid", "from grafanalib.core import Dashboard\ndashboard = Dashboard(title='x', uid='has space')",
     "custom dashboard boards/bad.dashboard.py: uid 'has space' must be 1 to 40 letters, digits, '-' or '_'"),
    ("legacy rows beside panels", "dashboard = {'title': 'x', 'rows': [{'panels': [{'type': 'text'}]}], "
                                  "'panels': [{'type': 'text'}]}",
     "custom dashboard boards/bad.dashboard.py: holds both Grafana 4's `rows` and `panels`"),
    ("grafanalib refuses a value", "from grafanalib.core import TimeSeries\ndashboard = TimeSeries(legendCalcs=['x'])",
     "custom dashboard boards/bad.dashboard.py: ValueError: 'legendCalcs' must be in"),
    ("a model dashboard with a bad query",
     "from monitoring import Dashboard, Panel, PanelQuery\n"
     "dashboard = Dashboard(name='x', panels=(Panel(title='p', queries=(PanelQuery(expr='sum(up'),)),))",
     "panel 'p' (boards/bad.dashboard.py:2): queries[0]: expr: PromQL does not parse"),
    # Grafana JSON of the wrong kind where the normaliser reads: the JSON path, and what it holds.
    *((f"JSON: {path}", f"dashboard = {{'title': 't', {json}}}", f"custom dashboard boards/bad.dashboard.py: {problem}")
      for path, json, problem in [
          ("a panel", "'panels': [1]", "panels[0] must be an object, not a number (1)"),
          ("a panel's type", "'panels': [{'type': ['x']}]", "panels[0].type must be a string, not a list (['x'])"),
          ("targets", "'panels': [{'type': 'stat', 'targets': 'abc'}]",
           "panels[0].targets must be a list, not a string ('abc')"),
          ("fieldConfig", "'panels': [{'type': 'stat', 'fieldConfig': []}]",
           "panels[0].fieldConfig must be an object, not a list ([])"),
          ("a variable", "'panels': [], 'templating': {'list': [3]}",
           "templating.list[0] must be an object, not a number (3)"),
          ("a row's panel", "'panels': [{'type': 'row', 'panels': [None]}]",
           "panels[0].panels[0] must be an object, not null"),
          ("a set", "'panels': [], 'tags': {'a'}", "`dashboard` is not JSON data: tags is a set ({'a'})"),
      ]),
    ("a model dashboard in an undeclared folder",
     "from monitoring import Dashboard, Panel, PanelQuery\n"
     "dashboard = Dashboard(name='x', folder='ops', panels=(Panel(title='p', queries=(PanelQuery(expr='up'),)),))",
     "dashboard 'x' (boards/bad.dashboard.py:2): folder 'ops' is not a declared folder (folders: mcp)"),
    ("an undeclared file folder beside a declared own one",
     "from monitoring import Dashboard, Panel, PanelQuery\nfolder = 'ops'\n"
     "dashboard = Dashboard(name='x', folder='mcp', panels=(Panel(title='p', queries=(PanelQuery(expr='up'),)),))",
     "custom dashboard boards/bad.dashboard.py: folder 'ops' is not a declared folder (folders: mcp)"),
    ("a uid whose ConfigMap a generated dashboard's is",
     "dashboard = {'title': 'T', 'uid': 'MCP-server-overview', 'panels': []}",
     "dashboard uids 'MCP-server-overview' (from boards/bad.dashboard.py) and 'mcp-server-overview' (from "
     "dashboard 'MCP server overview') make the same ConfigMap name 'dashboard-mcp-server-overview'"),
    ("JSON too large for a ConfigMap",
     "dashboard = {'title': 'T', 'uid': 'huge', 'panels': [], 'description': 'x' * 2**20}",
     "dashboard 'huge' (boards/bad.dashboard.py): 1048749 bytes of JSON, more than a ConfigMap holds (1044480): "
     "split its panels over several dashboards"),
    ("a uid a generated dashboard has", GOOD.replace('title="Team board"', 'title="T", uid="mcp-server-overview"'),
     "dashboard uid 'mcp-server-overview' is used twice: by dashboard 'MCP server overview' and by "
     "boards/bad.dashboard.py"),
    ("a title a generated dashboard has in its folder",
     GOOD.replace('title="Team board"', 'title="MCP server overview", uid="overview-copy"'),
     "dashboard title 'MCP server overview' is used twice in folder 'mcp': by dashboard 'MCP server overview' "
     "and by boards/bad.dashboard.py"),
    ("a title another file's dashboard has in its folder",
     GOOD.replace('title="Team board"', 'title="Team board", uid="team-2"'),
     "dashboard title 'Team board' is used twice in folder 'mcp': by boards/bad.dashboard.py and by "
     "boards/team.dashboard.py"),
    # Grafana finds a title taken in a folder by its slug: case and punctuation aside.
    ("a title another file's dashboard has in another case",
     GOOD.replace('title="Team board"', 'title="TEAM BOARD", uid="team-2"'),
     "dashboard titles 'TEAM BOARD' and 'Team board' are one title to Grafana, which compares their slug "
     "'team-board', in folder 'mcp': by boards/bad.dashboard.py and by boards/team.dashboard.py"),
    ("a title another file's dashboard has in other punctuation",
     GOOD.replace('title="Team board"', 'title="Team-board!", uid="team-2"'),
     "dashboard titles 'Team-board!' and 'Team board' are one title to Grafana, which compares their slug "
     "'team-board', in folder 'mcp'"),
    ("a query step",
     "dashboard = {'title': 'T', 'panels': [{'type': 'stat', 'targets': [{'expr': 'up', 'step': -1}]}]}",
     "custom dashboard boards/bad.dashboard.py: panels[0].targets[0].step must be a number of seconds"),
    # Values JSON cannot hold, which orjson would write as null or as a string of its own choosing.
    *((f"JSON: {what}", f"import datetime\ndashboard = {{'title': 't', {json}}}",
       f"custom dashboard boards/bad.dashboard.py: `dashboard` is not JSON data: {problem}")
      for what, json, problem in [
          ("NaN", "'panels': [{'type': 'stat', 'maxDataPoints': float('nan')}]",
           "panels[0].maxDataPoints is nan, which JSON cannot hold"),
          ("Infinity", "'panels': [], 'refresh': float('-inf')", "refresh is -inf, which JSON cannot hold"),
          ("a datetime", "'panels': [], 'description': datetime.date(2024, 1, 2)",
           "description is a date (datetime.date(2024, 1, 2)), which is not JSON data"),
          ("a dict that holds itself", "'panels': []}; dashboard['links'] = [dashboard]; x = {",
           "links[0].links[0].links[0].links[0].links[0].links[0].lin... nests more than 254 levels deep"),
      ]),
    ("grafanalib: NaN", "from grafanalib.core import Dashboard, Stat\n"
                        "dashboard = Dashboard(title='t', panels=[Stat(title='s', decimals=float('nan'))])",
     "custom dashboard boards/bad.dashboard.py: Stat 's': fieldConfig.defaults.decimals is nan, which JSON cannot "
     "hold"),
    ("grafanalib: a datetime", "import datetime\nfrom grafanalib.core import Dashboard, Stat\n"
                               "dashboard = Dashboard(title='t', panels=[Stat(title='s', extraJson={'a': "
                               "datetime.date(2024, 1, 2)})])",
     "custom dashboard boards/bad.dashboard.py: Stat 's': a is a date (datetime.date(2024, 1, 2)), which is not JSON "
     "data"),
    # Titles Grafana refuses (none, blank) or that would break the one-line messages and listings that show them.
    ("grafanalib: no title", "from grafanalib.core import Dashboard\ndashboard = Dashboard(title=None, uid='x')",
     "custom dashboard boards/bad.dashboard.py: title must be a string, not NoneType (None)"),
    ("grafanalib: a number for a title", "from grafanalib.core import Dashboard\ndashboard = Dashboard(title=5)",
     "custom dashboard boards/bad.dashboard.py: title must be a string, not int (5)"),
    ("JSON: a blank title", "dashboard = {'title': ' ', 'uid': 'x', 'panels': []}",
     "custom dashboard boards/bad.dashboard.py: title ' ' is empty: Grafana refuses a dashboard without a title"),
    ("a title with a control character",
     "from grafanalib.core import Dashboard\ndashboard = Dashboard(title='Team\\x1b[31m board')",
     "custom dashboard boards/bad.dashboard.py: title 'Team\\x1b[31m board' contains the control character '\\x1b'"),
    # What a file or grafanalib prints would land amid the command's own output (JSON, under `ci --format json`).
    ("a file that prints", "print('checking')\n" + GOOD,
     "custom dashboard boards/bad.dashboard.py: writes to standard output ('checking'): a dashboard file defines "
     "`dashboard` and prints nothing"),
    ("grafanalib printing a warning", "from grafanalib.core import Dashboard, Graph, Target, GraphThreshold, Alert\n"
     "dashboard = Dashboard(title='t', panels=[Graph(title='g', targets=[Target(expr='up', refId='A')], "
     "thresholds=[GraphThreshold(value=1.0)], alert=Alert(name='a', message='m', alertConditions=[]))])",
     "custom dashboard boards/bad.dashboard.py: writes to standard output ('Warning: Graph threshold ignored as Alerts "
     "defined')"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """This repository's stack in a project whose custom dashboards live in boards/, generated once."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.monitoring]\nstack = "alerts.stack:stack"\ndashboards = "boards"\n')
    (tmp_path / "boards").mkdir()
    (tmp_path / "boards" / "team.dashboard.py").write_text(GOOD)
    assert main(["generate"], project=Project.find(tmp_path)) == 0
    return tmp_path


def test_generate_writes_folders_and_dashboards(project: Path) -> None:
    files = read_tree(project / "out")
    assert json.loads(files[conventions.GRAFANA_FOLDERS_FILE]) == [{"title": "MCP", "uid": "mcp"}]
    team = json.loads(files[conventions.dashboard_file("mcp", "team-board")])  # uid from the title
    assert (team["uid"], team["title"], team["schemaVersion"]) == ("team-board", "Team board", 39)
    assert team["panels"][0]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    assert conventions.dashboard_file("mcp", "mcp-server-overview") in files
    assert conventions.dashboard_file("mcp", "mcp-tool-calls") not in files  # dashboards/ is not this project's


@pytest.mark.parametrize(("description", "code", "message"), BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_custom_dashboard_is_one_clear_line(project: Path, capsys: pytest.CaptureFixture[str],
                                                   description: str, code: str, message: str) -> None:
    before = read_tree(project / "out")
    (project / "boards" / "bad.dashboard.py").write_text(textwrap.dedent(code) + "\n")

    status = main(["generate"], project=Project.find(project))

    err = stderr(project, capsys)
    assert status == 2
    assert message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert read_tree(project / "out") == before


def test_what_a_file_changes_of_the_interpreter_does_not_outlive_it(project: Path) -> None:
    """A file that clears sys.path or replaces a loaded module broke what generate imported after it (a
    traceback, exit 1): the working directory, sys.path, standard error, the recursion limit and the loaded
    modules are put back once the file has run."""
    (project / "boards" / "rude.dashboard.py").write_text(textwrap.dedent("""
        import os, sys
        sys.path.clear()
        sys.modules["json"] = None
        sys.stderr = None
        sys.setrecursionlimit(80)
        os.chdir("/")
        dashboard = {"title": "Rude", "panels": []}
    """))
    limit = sys.getrecursionlimit()
    assert main(["generate"], project=Project.find(project)) == 0
    assert json.loads((project / "out" / conventions.dashboard_file("mcp", "rude")).read_text())["title"] == "Rude"
    assert sys.getrecursionlimit() == limit and sys.modules["json"] is json


def test_a_title_of_other_letters_gets_a_uid(project: Path) -> None:
    """A title with no letter or digit of a-z and 0-9 made the uid '', and generate refused the dashboard for it."""
    (project / "boards" / "jp.dashboard.py").write_text("dashboard = {'title': '監視', 'panels': []}\n")
    assert main(["generate"], project=Project.find(project)) == 0
    board = json.loads((project / "out" / conventions.dashboard_file("mcp", "dashboard-1869d7b2")).read_text())
    assert board["title"] == "監視"


def test_custom_model_dashboard_in_its_own_folder(project: Path) -> None:
    (project / "boards" / "model.dashboard.py").write_text(textwrap.dedent('''
        from monitoring import Dashboard, Panel, PanelQuery
        folder = "mcp"
        dashboard = Dashboard(name="Scrapes", panels=(
            Panel(title="Up", type="stat", queries=(PanelQuery(expr='sum(up{job=~"$job"})'),)),))
    '''))
    assert main(["generate"], project=Project.find(project)) == 0
    board = json.loads((project / "out" / conventions.dashboard_file("mcp", "scrapes")).read_text())
    assert [v["name"] for v in board["templating"]["list"]] == ["datasource", "job"]


SCRAPES = '''
from monitoring import Dashboard, Panel, PanelQuery
{module_folder}
dashboard = Dashboard(name="Scrapes", {own_folder}panels=(
    Panel(title="Up", type="stat", queries=(PanelQuery(expr='sum(up{{job=~"$job"}})'),)),))
'''


@pytest.mark.parametrize(("module_folder", "own_folder", "expected"), [
    ("", "folder='ops', ", "ops"),  # the dashboard's own folder
    ("folder = 'ops'", "", "ops"),  # the file's
    ("folder = 'mcp'", "folder='ops', ", "ops"),  # both: the dashboard's own wins
    ("folder = 'ops'", "folder='mcp', ", "mcp"),
    ("", "", "mcp"),  # neither: the generated dashboards' folder
], ids=["own", "file", "own over file", "own over file, other way", "neither"])
def test_custom_model_dashboard_folder(project: Path, module_folder: str, own_folder: str, expected: str) -> None:
    (project / "opsstack.py").write_text(
        "from alerts.stack import stack as base\nfrom monitoring import Folder\n"
        "stack = base.model_copy(update={'folders': (*base.folders, Folder(uid='ops', title='Ops'))})\n")
    (project / "boards" / "model.dashboard.py").write_text(SCRAPES.format(module_folder=module_folder,
                                                                          own_folder=own_folder))
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(project))
        assert main(["generate", "--stack", "opsstack:stack"], project=Project.find(project)) == 0
    grafana = project / "out" / conventions.GRAFANA_DASHBOARDS_DIR
    assert sorted(p.parent.name for p in grafana.glob("*/scrapes.json")) == [expected]
    assert (grafana / "mcp" / "team-board.json").is_file()  # the other file's dashboard: the default folder


def test_custom_dashboard_without_any_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A stack may declare no folder when it generates no dashboard; a hand-written one then has nowhere to go."""
    (tmp_path / "pyproject.toml").write_text('[tool.monitoring]\nstack = "nofolders:stack"\ndashboards = "boards"\n')
    (tmp_path / "nofolders.py").write_text(
        "from alerts.stack import stack as base\nfrom monitoring import DashboardSettings\n"
        "stack = base.model_copy(update={'folders': (), 'dashboards': (), 'dashboard_settings': DashboardSettings("
        "service_dashboards=False, slo_dashboards=False)})\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "boards").mkdir()
    assert main(["generate"], project=Project.find(tmp_path)) == 0  # no dashboard: no folder needed
    before = read_tree(tmp_path / "out")
    assert not any(path.startswith(conventions.GRAFANA_DASHBOARDS_DIR) for path in before)
    (tmp_path / "boards" / "team.dashboard.py").write_text(GOOD)

    assert main(["generate"], project=Project.find(tmp_path)) == 2

    err = stderr(tmp_path, capsys)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "custom dashboard boards/team.dashboard.py: the stack declares no folder to put it in" in err
    assert read_tree(tmp_path / "out") == before


def test_checks_name_the_custom_source_panel_and_field(project: Path) -> None:
    (project / "boards" / "typo.dashboard.py").write_text(GOOD.replace('title="Team board"', 'title="Typo"')
                                                          .replace("sum(up)", "sum(rate(up_typo[5m])"))
    assert main(["generate"], project=Project.find(project)) == 0  # generate normalises; the checks judge

    results = {r.name: r for r in check_dashboards(Manifest.read(project / "out"), project / "out")}

    path = project / "out" / conventions.dashboard_file("mcp", "typo")
    assert not results["dashboard/promql"].ok
    assert results["dashboard/promql"].details == (
        f"{path} (from boards/typo.dashboard.py): panel 1 'Up', field targets[0].expr: PromQL does not parse "
        "(unclosed left parenthesis), in 'sum(rate(up_typo[5m])'")
    assert results["dashboard/schema"].ok and results["dashboard/files"].ok
    assert [r.name for r in results.values() if not r.ok] == ["dashboard/promql"]


def test_checks_report_the_file_layout(project: Path) -> None:
    out = project / "out"
    moved = out / conventions.GRAFANA_DASHBOARDS_DIR / "ops" / "renamed.json"
    moved.parent.mkdir()
    (out / conventions.dashboard_file("mcp", "team-board")).rename(moved)

    files = next(r for r in check_dashboards(Manifest.read(out), out) if r.name == "dashboard/files")

    assert not files.ok
    assert files.details.splitlines() == [
        f"{moved}: folder 'ops' is not in {conventions.GRAFANA_FOLDERS_FILE}",
        f"{moved}: uid 'team-board' differs from the file name 'renamed'",
    ]


@pytest.mark.integration
def test_validate_fails_on_a_hand_edited_dashboard(project: Path, capsys: pytest.CaptureFixture[str],
                                                   promtool: object, amtool: object) -> None:
    path = project / "out" / conventions.dashboard_file("mcp", "mcp-server-overview")
    board = json.loads(path.read_text())
    board["panels"][0]["type"] = "graph"
    board["panels"][1]["gridPos"]["w"] = 30
    path.write_text(json.dumps(board))

    status = main(["validate"], project=Project.find(project))

    out = capsys.readouterr().out
    assert status == 1
    assert f"{path}: panel 1 'Request rate', field type: 'graph' is a deprecated panel type" in out
    assert f"{path}: panel 2 'Latency', field gridPos.w: 30 is greater than the maximum of 24" in out
    assert "ok   dashboard/promql" in out and "FAIL dashboard/panel-type" in out
    assert out.rstrip().endswith("validation failed")


# A hand-written dashboard of grafanalib's panels for Grafana's own visualizations, none of them given an id (the
# way a user writes one, without auto_panel_ids()), with settings grafanalib writes where Grafana 7 kept them.
CORE_PANELS = """
from grafanalib.core import (ALERTLIST_SHOW_CHANGES, ALERTLIST_STATE_ALERTING, AlertList, BarChart, Dashboard,
                             DashboardList, GridPos, Histogram, Logs, News, PieChartv2, RowPanel, StateTimeline,
                             Target)

t = [Target(expr="sum(up)", refId="A")]
at = [GridPos(h=8, w=12, x=12 * (i % 2), y=1 + 8 * (i // 2)) for i in range(8)]
dashboard = Dashboard(title="Core panels", panels=[
    RowPanel(title="All", gridPos=GridPos(h=1, w=24, x=0, y=0)),
    BarChart(title="Bars", targets=t, gridPos=at[0]),
    Histogram(title="Spread", targets=t, gridPos=at[1]),
    Logs(title="Logs", targets=t, gridPos=at[2]),
    StateTimeline(title="States", targets=t, gridPos=at[3], legendDisplayMode="hidden"),
    PieChartv2(title="Share", targets=t, gridPos=at[4]),
    News(title="News", feedUrl="https://grafana.com/blog/news.xml", gridPos=at[5]),
    DashboardList(title="Boards", gridPos=at[6], showSearch=True, searchTags=["team"], maxItems=5),
    AlertList(title="Alerts", gridPos=at[7], show=ALERTLIST_SHOW_CHANGES, limit=20,
              stateFilter=[ALERTLIST_STATE_ALERTING]),
])
"""


def test_a_dashboard_of_grafanas_core_panels_passes_every_dashboard_check(project: Path) -> None:
    (project / "boards" / "core.dashboard.py").write_text(CORE_PANELS)
    assert main(["generate"], project=Project.find(project)) == 0

    results = check_dashboards(Manifest.read(project / "out"), project / "out")

    assert [f"{r.name}: {r.details}" for r in results if not r.ok] == []
    board = json.loads((project / "out" / conventions.dashboard_file("mcp", "core-panels")).read_text())
    assert [p["id"] for p in board["panels"]] == list(range(1, 10))
    assert board["panels"][7]["options"]["maxItems"] == 5 and "limit" not in board["panels"][7]
    assert board["panels"][8]["options"]["stateFilter"] == {"alerting": True}


@pytest.mark.integration
def test_validate_passes_a_dashboard_of_grafanas_core_panels(project: Path, capsys: pytest.CaptureFixture[str],
                                                             promtool: object, amtool: object) -> None:
    (project / "boards" / "core.dashboard.py").write_text(CORE_PANELS)
    assert main(["generate"], project=Project.find(project)) == 0
    capsys.readouterr()

    status = main(["validate"], project=Project.find(project))

    out = capsys.readouterr().out
    assert status == 0, out
    for check in ("dashboard/schema", "dashboard/panel-type", "dashboard/panel-ids", "dashboard/panel-schema"):
        assert f"ok   {check}" in out


# A hand-written dashboard that names its data sources, as grafanalib code often does: a Loki panel (LogQL, no
# PromQL) and a Prometheus one.
NAMED_SOURCES = """
from grafanalib.core import Dashboard, GridPos, Logs, Target, TimeSeries

dashboard = Dashboard(title="API logs", uid="api-logs", panels=[
    Logs(title="Errors", dataSource="Loki", gridPos=GridPos(h=8, w=12, x=0, y=0),
         targets=[Target(expr='{app="api"} |= "error"', refId="A")]),
    TimeSeries(title="Up", dataSource="Prometheus EU", gridPos=GridPos(h=8, w=12, x=12, y=0),
               targets=[Target(expr="sum(up)", refId="A")]),
]).auto_panel_ids()
"""
DECLARING = """
from alerts.stack import stack as base
from monitoring import DataSource

stack = base.model_copy(update={"datasources": (DataSource(name="Loki", type="loki", uid="loki"),
                                                DataSource(name="Prometheus EU", type="prometheus"))})
"""


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_the_data_sources_a_dashboard_names_get_the_stacks_types(tmp_path: Path, declared: bool) -> None:
    """Declared, a name becomes the data source's {type, uid}: the Loki panel's LogQL is left to Loki and the
    Prometheus panel's PromQL is checked. Undeclared, it stays {"uid": name} (Grafana's own rule for a name it
    cannot find): neither is read as PromQL, and validate warns, without failing, that they go unchecked."""
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.monitoring]\nstack = "{"declaring:stack" if declared else "alerts.stack:stack"}"\n'
        'dashboards = "boards"\n')
    (tmp_path / "declaring.py").write_text(DECLARING)
    (tmp_path / "alerts").symlink_to(root / "alerts")
    (tmp_path / "boards").mkdir()
    (tmp_path / "boards" / "logs.dashboard.py").write_text(NAMED_SOURCES)
    assert main(["generate"], project=Project.find(tmp_path)) == 0

    board = json.loads((tmp_path / "out" / conventions.dashboard_file("mcp", "api-logs")).read_text())
    results = {r.name: r for r in check_dashboards(Manifest.read(tmp_path / "out"), tmp_path / "out")}

    assert [r.name for r in results.values() if not r.ok] == []
    unknown = results["dashboard/datasource-type"]
    if declared:
        assert [p["datasource"] for p in board["panels"]] == [{"type": "loki", "uid": "loki"},
                                                              {"type": "prometheus", "uid": "Prometheus EU"}]
        assert unknown.warnings == ""
        board["panels"][1]["targets"][0]["expr"] = "sum(up"  # the Prometheus panel's PromQL is read
        board["panels"][0]["targets"][0]["expr"] += " |= ("  # the Loki panel's LogQL is not
        problems = lint_dashboards([DashboardDocument("b.json", board)], LintContext(frozenset({"up"})))
        assert [p.message.split(": ")[1] for p in problems if p.check == "dashboard/promql"] == [
            "panel 2 'Up', field targets[0].expr"]
    else:
        assert [p["datasource"] for p in board["panels"]] == [{"uid": "Loki"}, {"uid": "Prometheus EU"}]
        path = tmp_path / "out" / conventions.dashboard_file("mcp", "api-logs")
        assert unknown.warnings.splitlines() == [
            f"warning: dashboard/datasource-type: {path} (from boards/logs.dashboard.py): panel {n}, field datasource: "
            f"data source {name!r} has no type (a name the stack does not declare, or a uid alone), so its queries "
            f"are not checked: declare it in the stack's datasources, DataSource(name={name!r}, type=...)"
            for n, name in (("1 'Errors'", "Loki"), ("2 'Up'", "Prometheus EU"))]


# grafanalib's deprecated panels, as a dashboard written years ago uses them, and an old export's `table-old`.
OLD_PANELS = """
from grafanalib.core import Dashboard, Graph, GridPos, SingleStat, Target, YAxes, YAxis

dashboard = Dashboard(title="Old panels", uid="old-panels", panels=[
    Graph(title="Requests", dataSource="${datasource}", gridPos=GridPos(h=8, w=12, x=0, y=0), stack=True,
          targets=[Target(expr="sum(rate(up[5m]))", legendFormat="{{job}}", refId="A")],
          yAxes=YAxes(YAxis(format="reqps"), YAxis())),
    SingleStat(title="Up", dataSource="${datasource}", gridPos=GridPos(h=4, w=6, x=12, y=0), format="percentunit",
               thresholds="0.5,0.8", targets=[Target(expr="sum(up)", refId="A")]),
]).auto_panel_ids()
"""
OLD_TABLE = """
dashboard = {"title": "Old table", "uid": "old-table", "panels": [
    {"id": 1, "type": "table-old", "title": "Jobs", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
     "targets": [{"refId": "A", "expr": "count by (job) (up)", "format": "table"}]}]}
"""


def test_old_panels_are_migrated_as_grafana_migrates_them_and_said_so(project: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Grafana migrates graph, singlestat and table-old panels when it loads a dashboard: generate does it first,
    so that out/ holds what Grafana would show and the checks judge that, and a warning per dashboard says what
    was migrated and what had no modern place."""
    (project / "boards" / "old.dashboard.py").write_text(OLD_PANELS)
    (project / "boards" / "table.dashboard.py").write_text(OLD_TABLE)
    capsys.readouterr()
    assert main(["generate"], project=Project.find(project)) == 0

    err = capsys.readouterr().err
    assert ("monitoring: warning: custom dashboard boards/old.dashboard.py: panels migrated as Grafana does: graph to "
            "timeseries (1), singlestat to stat (1)\n") in err
    assert ("monitoring: warning: custom dashboard boards/old.dashboard.py: settings the migration does not carry "
            "over, dropped: nullPointMode (1 panel)\n") in err
    assert "custom dashboard boards/table.dashboard.py: panels migrated as Grafana does: table-old to table (1)" in err
    old = json.loads((project / "out" / conventions.dashboard_file("mcp", "old-panels")).read_text())
    assert [p["type"] for p in old["panels"]] == ["timeseries", "stat"]
    assert old["panels"][0]["fieldConfig"]["defaults"]["unit"] == "reqps"
    assert old["panels"][0]["fieldConfig"]["defaults"]["custom"]["stacking"] == {"mode": "normal", "group": "A"}
    table = json.loads((project / "out" / conventions.dashboard_file("mcp", "old-table")).read_text())
    assert [p["type"] for p in table["panels"]] == ["table"]
    results = check_dashboards(Manifest.read(project / "out"), project / "out")
    assert [f"{r.name}: {r.details}" for r in results if not r.ok] == []


def test_third_party_exports_with_old_panels_pass_every_check_of_their_own(project: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Ceph's dashboards as Debian ships them (Grafana 5 exports: graph, singlestat and the piechart plugin, Ceph's
    lists inside seriesOverrides), each `json.load`ed by a dashboard file: generated with a warning per migrated
    dashboard, and passing every check but the catalog's (this stack declares no Ceph metrics)."""
    from tests.conftest import installed_input

    exports = sorted(installed_input("/etc/grafana/dashboards/ceph-dashboard", "ceph-grafana-dashboards").glob(
        "*.json"))
    for export in exports:
        (project / "boards" / f"{export.stem}.dashboard.py").write_text(
            f"import json\n\ndashboard = json.load(open({str(export)!r}, encoding='utf-8'))\n")
    capsys.readouterr()
    assert main(["generate"], project=Project.find(project)) == 0

    err = capsys.readouterr().err
    assert err.count("panels migrated as Grafana does: ") == len(exports)
    results = check_dashboards(Manifest.read(project / "out"), project / "out")
    assert [r.name for r in results if not r.ok] == ["dashboard/metrics"]
    # The exporters' metrics (Ceph's, node_exporter's, HAProxy's): the only problems are the missing catalogs.
    assert all(re.search(r"selects '\w+', which is in no metric catalog and no recording rule", line)
               for line in next(r for r in results if not r.ok).details.splitlines())
