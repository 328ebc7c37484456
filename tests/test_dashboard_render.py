"""Generated dashboards: golden files, every check clean, and the content each dashboard promises."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from alerts.stack import stack as mcp_stack
from monitoring import conventions
from monitoring.checks.dashboards import lint
from monitoring.checks.lint import DashboardDocument
from monitoring.errors import DefinitionError
from monitoring.grafana import dashboards
from monitoring.output.emitters import GenerateContext, emit_grafana
from monitoring.packs.mcp import SERVER_FAULT_ERROR_TYPES
from monitoring.project import Project
from monitoring.slo import rules as slo
from monitoring.slo.windows import burn_windows
from tests.conftest import GOLDEN_DIR
from tests.stacks.example import stack as example_stack

ROOT = Path(__file__).resolve().parent.parent
DS = {"type": "prometheus", "uid": "${datasource}"}
STACKS = {"mcp-production": (mcp_stack, Project.find(ROOT)), "example": (example_stack, None)}


@pytest.fixture(scope="module")
def outputs() -> dict[str, dict[str, str]]:
    """out/grafana of both stacks; the repository's own stack with the example custom dashboard."""
    return {name: dict(emit_grafana(stack, GenerateContext(name, project)))
            for name, (stack, project) in STACKS.items()}


def boards(files: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {path.rsplit("/", 1)[1].removesuffix(".json"): json.loads(text) for path, text in files.items()
            if path.startswith(conventions.GRAFANA_DASHBOARDS_DIR)}


def queries(board: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for panel in board["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            found += [(inner["title"], t["expr"]) for t in inner.get("targets", [])]
    return found


def by_title(board: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Panels by title, the first of each title (histogram rows repeat theirs); rows left out."""
    found: dict[str, dict[str, Any]] = {}
    for panel in board["panels"]:
        if panel["type"] != "row":
            found.setdefault(panel["title"], panel)
    return found


@pytest.mark.parametrize("name", STACKS)
def test_dashboards_match_golden_files(golden, outputs: dict[str, dict[str, str]], name: str,
                                       request: pytest.FixtureRequest) -> None:
    files = outputs[name]
    for path, text in files.items():
        golden(f"dashboards/{name}/{path}", text)
    if not request.config.getoption("--update-golden"):
        kept = {p.relative_to(GOLDEN_DIR / "dashboards" / name).as_posix()
                for p in (GOLDEN_DIR / "dashboards" / name).rglob("*.json")}
        assert kept == set(files), "golden files without a dashboard, or the reverse (pytest --update-golden)"


@pytest.mark.parametrize("name", STACKS)
def test_every_check_passes(outputs: dict[str, dict[str, str]], name: str) -> None:
    stack = STACKS[name][0]
    documents = [DashboardDocument(uid, data) for uid, data in boards(outputs[name]).items()]
    assert lint(stack, documents) == []


def test_files_follow_the_publisher_contract(outputs: dict[str, dict[str, str]]) -> None:
    files = outputs["mcp-production"]
    assert json.loads(files[conventions.GRAFANA_FOLDERS_FILE]) == [{"title": "MCP", "uid": "mcp"}]
    assert sorted(boards(files)) == ["mcp-server-overview", "mcp-server-service", "mcp-server-slos", "mcp-tool-calls"]
    for path, text in files.items():
        assert text.endswith("}\n") or text.endswith("]\n")
        data = json.loads(text)
        assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if isinstance(data, dict):
            folder, uid = path.removeprefix(conventions.GRAFANA_DASHBOARDS_DIR + "/").removesuffix(".json").split("/")
            assert (folder, data["uid"]) == ("mcp", uid)
            assert len(uid) <= 40 and data["title"] and isinstance(data["tags"], list)
            assert "id" not in data and "version" not in data


def test_rendering_is_deterministic() -> None:
    first = dict(emit_grafana(mcp_stack, GenerateContext("a", Project.find(ROOT))))
    assert dict(emit_grafana(mcp_stack, GenerateContext("a", Project.find(ROOT)))) == first


def test_service_dashboards_filter_on_job_and_instance_at_rate_interval(outputs: dict[str, dict[str, str]]) -> None:
    for name in STACKS:
        for uid, board in boards(outputs[name]).items():
            if not uid.endswith("-service"):
                continue
            names = [v["name"] for v in board["templating"]["list"]]
            assert names[:3] == ["datasource", "job", "instance"] and set(names[3:]) <= {"cluster", "namespace"}
            for title, expr in queries(board):
                for selector in re.findall(r"[a-zA-Z_:][\w:]*\{[^}]*\}", expr):
                    assert 'job=~"$job"' in selector and 'instance=~"$instance"' in selector, (uid, title)
                unquoted = re.sub(r'"[^"]*"', '""', expr)  # regex matchers have brackets of their own
                ranges = re.findall(r"\[([^\]]+)\]", unquoted)
                assert ranges == ["$__rate_interval"] * unquoted.count("["), (uid, title)
            for panel in board["panels"]:
                if panel["type"] != "row":
                    assert panel["datasource"] == DS
                    assert all(t["datasource"] == DS for t in panel["targets"])


def test_service_dashboard_panels_follow_the_catalog(outputs: dict[str, dict[str, str]]) -> None:
    board = boards(outputs["mcp-production"])["mcp-server-service"]
    panels = by_title(board)
    top = [p["title"] for p in board["panels"][:3]]
    assert top == ["Targets up", "Error ratio", "p95 mcp_server_operation_duration_seconds"]
    assert [len(panels[t]["fieldConfig"]["defaults"]["thresholds"]["steps"]) for t in top] == [3, 3, 1]
    assert all(panels[t]["type"] == "stat" for t in top)
    # What the availability SLO (and the MCPHighErrorRate alert) count: server faults, not any error_type.
    assert f'error_type=~"{SERVER_FAULT_ERROR_TYPES}"' in panels["Error ratio"]["targets"][0]["expr"]
    rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
    assert rows == ["mcp_request_duration_seconds", "mcp_server_operation_duration_seconds",
                    "mcp_server_session_duration_seconds", "Counters", "Gauges"]
    exprs = "".join(e for _, e in queries(board))
    for q in ("0.5", "0.95", "0.99"):
        assert f"histogram_quantile({q}, sum by (le) (rate(mcp_server_operation_duration_seconds_bucket" in exprs
    heatmaps = [p for p in board["panels"] if p["type"] == "heatmap"]
    assert len(heatmaps) == 3 and all(p["targets"][0]["format"] == "heatmap" for p in heatmaps)
    assert 'sum by (tool_name, status) (rate(mcp_tool_executions_total{' in exprs
    gauges = [p["title"] for p in board["panels"] if "mcp_active_connections" in p["title"]]
    assert gauges == ["mcp_active_connections now", "mcp_active_connections history"]


def test_summary_and_counter_error_ratio_from_the_example_stack(outputs: dict[str, dict[str, str]]) -> None:
    board = boards(outputs["example"])["checkout-service"]
    panels = by_title(board)
    assert 'code=~"5.."' in panels["Error ratio"]["targets"][0]["expr"]  # the service's declared errors
    assert panels["checkout_gc_seconds quantiles"]["targets"][0]["expr"].startswith("max by (quantile) (")


def test_slo_dashboard_reads_only_series_the_slo_rules_record(outputs: dict[str, dict[str, str]]) -> None:
    board = boards(outputs["mcp-production"])["mcp-server-slos"]
    recorded = {rule["record"] for objective in mcp_stack.slos
                for group in slo.render(mcp_stack, objective)["groups"] for rule in group["rules"] if "record" in rule}
    for title, expr in queries(board):
        selected = set(re.findall(r"(slo:[\w:]+)\{", expr))
        assert selected <= recorded, (title, selected - recorded)
    rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
    assert rows == [f"{s.name}: {s.objective}% over {s.period}" for s in mcp_stack.slos]


def test_slo_dashboard_draws_page_and_ticket_thresholds(outputs: dict[str, dict[str, str]]) -> None:
    board = boards(outputs["mcp-production"])["mcp-server-slos"]
    first = mcp_stack.slos[0]
    burn = next(p for p in board["panels"] if p["title"] == "Burn rate")
    steps = burn["fieldConfig"]["defaults"]["thresholds"]["steps"]
    expected = sorted((float(w.burn), {"page": "red", "ticket": "orange"}[w.tier]) for w in burn_windows(30))
    assert [(s["value"], s["color"]) for s in steps[1:]] == expected == [(1.0, "orange"), (3.0, "orange"),
                                                                          (6.0, "red"), (14.4, "red")]
    assert burn["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"] == {"mode": "dashed"}
    sli = next(p for p in board["panels"] if p["title"] == "SLI over 30d")
    assert sli["fieldConfig"]["defaults"]["thresholds"]["steps"][1] == {"color": "green",
                                                                         "value": float(first.objective / 100)}
    budget = next(p for p in board["panels"] if p["title"] == "Error budget remaining")
    assert budget["type"] == "gauge" and len(budget["fieldConfig"]["defaults"]["thresholds"]["steps"]) == 3
    alerts = [e for t, e in queries(board) if t in ("Firing alerts", "Alert state")]
    assert alerts[0] == f'count(ALERTS{{service="mcp-server", slo="{first.name}", alertstate="firing"}}) or vector(0)'


def test_mcp_dashboard_has_the_seed_panels_and_rows(outputs: dict[str, dict[str, str]]) -> None:
    board = boards(outputs["mcp-production"])["mcp-server-overview"]
    panels = by_title(board)
    assert [p["title"] for p in board["panels"][:4]] == ["Request rate", "Latency", "Error rate", "Active connections"]
    # Outcomes as the fleet's metric family records them (semconv: error_type), never guessed from a status code.
    assert [t["legendFormat"] for t in panels["Request rate"]["targets"]] == ["total", "succeeded", "failed"]
    assert 'error_type!=""' in panels["Request rate"]["targets"][2]["expr"]
    assert [t["legendFormat"] for t in panels["Latency"]["targets"]] == ["p50", "p95", "p99"]
    error_rate = panels["Error rate"]
    assert error_rate["type"] == "stat"
    # The error ratio's two alert tiers: warning at 5%, page at 10%.
    assert [s["value"] for s in error_rate["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [None, 0.05, 0.1]
    rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
    assert rows == ["Traffic", "Errors", "Latency per method", "Sessions", "Saturation", "Health checks", "Capacity"]
    assert panels["Fleet health"]["type"] == "stat"
    assert panels["Fleet health"]["targets"][0]["expr"].startswith("max (job:probe_fleet_health:state{")
    assert "by (mcp_method_name)" in panels["Operations by method"]["targets"][0]["expr"]
    assert panels["Top tools"]["targets"][0]["expr"].startswith("topk(10, sum by (gen_ai_tool_name)")
    assert panels["Errors by type"]["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"] == "normal"
    assert panels["tools/call latency"]["type"] == "heatmap"
    assert 'mcp_method_name="tools/call"' in panels["tools/call latency"]["targets"][0]["expr"]
    table = panels["p95 per tool"]
    assert table["type"] == "table" and table["targets"][0]["format"] == "table" and table["targets"][0]["instant"]
    for title, resource in (("Memory against limit", "memory"), ("CPU against limit", "cpu")):
        expr = panels[title]["targets"][0]["expr"]
        assert f'resource="{resource}"' in expr and expr.rstrip().endswith("> 0)")  # only where a limit is set
    assert "container_memory_working_set_bytes" in panels["Memory against limit"]["targets"][0]["expr"]
    assert "kube_pod_container_status_restarts_total" in panels["Restarts"]["targets"][0]["expr"]


def test_uids_are_unique_across_generated_and_custom(tmp_path: Path) -> None:
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "clash.dashboard.py").write_text(
        "from grafanalib.core import Dashboard\ndashboard = Dashboard(title='Clash', uid='mcp-server-service')\n")
    with pytest.raises(DefinitionError) as err:
        dict(emit_grafana(mcp_stack, GenerateContext("x", Project.find(tmp_path))))
    assert str(err.value) == ("dashboard uid 'mcp-server-service' is used twice: by dashboard 'mcp-server service' "
                              "and by dashboards/clash.dashboard.py")


def test_known_series_are_exactly_what_the_slo_rules_record() -> None:
    from monitoring.slo import rules as slo_rules

    for objective in mcp_stack.slos:
        recorded = {rule["record"] for group in slo_rules.render(mcp_stack, objective)["groups"]
                    for rule in group["rules"] if "record" in rule}
        assert objective.recorded_series() == recorded
    assert "slo:sli_error:ratio_rate30d" in mcp_stack.known_series()
    assert next(dashboards.model_dashboards(example_stack)).name == "checkout service"


def test_no_count_of_panels_or_queries_runs_out_of_ids() -> None:
    """Panel ids ran out at 9,999 (a service of 10,000 counters stopped generate with a traceback) and refIds
    at Z (a panel's 27th query): ids go on, and refIds as Grafana names them, AA after Z."""
    from monitoring.grafana import trusted
    from monitoring.model.dashboards import DashboardSettings

    many = trusted.dashboard(name="Many", panels=tuple(
        trusted.panel(title=f"p{i}", queries=(trusted.query("up"),)) for i in range(10_001)))
    data = dashboards.render_dashboard(many, DashboardSettings())
    assert [p["id"] for p in data["panels"]] == list(range(1, 10_002))
    wide = trusted.dashboard(name="Wide", panels=(
        trusted.panel(title="t", type="table", queries=tuple(trusted.query(f"up{{n=\"{i}\"}}") for i in range(28))),))
    table = dashboards.render_dashboard(wide, DashboardSettings())["panels"][0]
    assert [t["refId"] for t in table["targets"]][24:] == ["Y", "Z", "AA", "AB"]
    assert len({t["refId"] for t in table["targets"]}) == 28
    problems = lint(example_stack, [DashboardDocument("wide.json", dashboards.render_dashboard(
        wide, DashboardSettings()))])
    assert [p for p in problems if p.check.startswith("dashboard/")] == []
