"""The SLO dashboard of an SLO grouped by labels: each burn-rate query evaluates in Prometheus (promtool), one
series per group, over the SLO's own generated rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitoring import conventions
from monitoring.checks.tools import Tool
from monitoring.output.emitters import GenerateContext, render_files
from tests.test_slo_stacks import availability, stack_with

STACK = stack_with(availability(group_by=("route",)), availability(name="plain"))


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def _burn_rate_targets(files: dict[str, str], slo: str) -> list[dict[str, Any]]:
    [board] = [json.loads(text) for path, text in files.items()
               if path.startswith(conventions.GRAFANA_DIR + "/") and path.endswith(".json") and '"Burn rate"' in text]
    return [target for panel in _panels(board["panels"]) if panel["title"] == "Burn rate"
            for target in panel["targets"] if f'slo="{slo}"' in target["expr"]]


def _burn_rate_queries(files: dict[str, str], slo: str) -> list[str]:
    return [target["expr"] for target in _burn_rate_targets(files, slo)]


def test_a_grouped_slos_burn_rate_legends_name_the_group() -> None:
    files = render_files(STACK, GenerateContext("tests:stack"))
    grouped, plain = _burn_rate_targets(files, "availability"), _burn_rate_targets(files, "plain")
    assert grouped and all(t["legendFormat"].startswith("{{route}} ") for t in grouped)
    assert [t["legendFormat"] for t in plain] == [t["legendFormat"].removeprefix("{{route}} ") for t in grouped]


@pytest.mark.integration
def test_burn_rate_queries_of_a_grouped_slo_evaluate_per_group(tmp_path: Path, promtool: Tool) -> None:
    files = render_files(STACK, GenerateContext("tests:stack"))
    rules = tmp_path / "rules.yml"
    rules.write_text(files[conventions.slo_rules_file("api", "availability")], encoding="utf-8")
    queries = _burn_rate_queries(files, "availability")
    assert queries and all("group_left" in q for q in queries)
    assert not any("group_left" in q for q in _burn_rate_queries(files, "plain"))  # one to one stays as it was
    tests = {"rule_files": [str(rules)], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": [
            {"series": 'api_requests_total{route="/pay", code="200"}', "values": "0+100x240"},
            {"series": 'api_requests_total{route="/pay", code="500"}', "values": "0+1x240"},
            {"series": 'api_requests_total{route="/cart", code="200"}', "values": "0+100x240"},
        ],
        # Each query's series, counted: an error of the query (many-to-one without group_left) fails the test.
        "promql_expr_test": [{"expr": f"count({query})", "eval_time": "4h", "exp_samples": [{"value": 2}]}
                             for query in queries],
    }]}
    path = tmp_path / "burn.test.yml"
    path.write_text(yaml.safe_dump(tests), encoding="utf-8")
    run = promtool.run("test", "rules", str(path))
    assert run.returncode == 0, run.stdout + run.stderr
