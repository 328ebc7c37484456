"""The generated dashboards go from the model straight to Grafana's current-schema JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from alerts.stack import stack as mcp_stack
from monitoring import promql
from monitoring.grafana import dashboards, emit
from tests.conftest import SHARED_REFERENCE
from tests.stacks.example import stack as example_stack

ROOT = Path(__file__).resolve().parent.parent


def test_builders_write_only_what_is_set() -> None:
    assert emit.field_defaults() == {"defaults": {}, "overrides": []}
    assert emit.field_defaults(unit="s", decimals=0) == {"defaults": {"unit": "s", "decimals": 0}, "overrides": []}
    panel = emit.text(panel_id=1, title="Notes", grid=emit.grid_pos(2, 24, 0, 0), content="*hi*")
    assert set(panel) == {"type", "id", "title", "gridPos", "options"}
    board = emit.dashboard(uid="u", title="t", tags=(), panels=[], variables=[], timezone="utc",
                           time_from="now-1h")
    assert "description" not in board and "refresh" not in board


def test_generated_dashboards_parse_no_promql(monkeypatch: pytest.MonkeyPatch) -> None:
    """Queries the tool wrote itself are not parsed again: the checks and tests look at the output."""
    def refuse(expr: str) -> None:
        raise AssertionError(f"parsed a generated query: {expr}")

    monkeypatch.setattr(promql, "parse", refuse)
    for stack in (example_stack, mcp_stack):
        assert list(dashboards.render(stack))


def test_generating_dashboards_does_not_load_grafanalib() -> None:
    """grafanalib is only for users' hand-written dashboards; the generated ones never touch it."""
    code = ("import sys; from monitoring.output.emitters import GenerateContext, emit_grafana; "
            "from tests.stacks.example import stack; list(emit_grafana(stack, GenerateContext('x'))); "
            "print('grafanalib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def _schema_errors(schema_file: str, definition: str, value: object) -> list[str]:
    from jsonschema import Draft7Validator

    definitions = json.loads((SHARED_REFERENCE / "grafana-schema" / schema_file).read_text())["definitions"]
    validator = Draft7Validator({"$ref": f"#/definitions/{definition}", "definitions": definitions})
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]


@pytest.mark.parametrize("stack", [example_stack, mcp_stack], ids=["example", "mcp"])
def test_emitted_json_validates_against_grafanas_published_schemas(stack) -> None:
    """Against the reference copy beside the repository, not the packaged one the checks use."""
    for rendered in dashboards.render(stack):
        board = rendered.data
        shell = {**board, "panels": []}
        assert _schema_errors("dashboard.jsonschema.json", "Dashboard", shell) == [], rendered.uid
        panels = [p for top in board["panels"] for p in (top, *top.get("panels", []))]
        for panel in panels:
            where = f"{rendered.uid} {panel['title']}"
            definition = "RowPanel" if panel["type"] == "row" else "Panel"
            assert _schema_errors("dashboard.jsonschema.json", definition, panel) == [], where
            if panel["type"] == "row":
                continue
            schema = f"{panel['type']}.jsonschema.json"
            assert _schema_errors(schema, "Options", panel["options"]) == [], where
            for target in panel.get("targets", []):
                assert _schema_errors("prometheus.jsonschema.json", "Dataquery", target) == [], where
