"""The MCP pack's metric family: every alert, SLO, recording rule and panel the pack emits draws on the family
chosen, never on the other; the catalog declares what the servers export.

The walk reads the generated files (rule files, dashboards, the adapter's rules), so a query that any
renderer adds on its own is judged too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from monitoring import promql
from monitoring.errors import DefinitionError
from monitoring.grafana.variables import substitute
from monitoring.model import Receiver, Route, Routing, Stack
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.packs import mcp, mcp_capacity, mcp_dashboards

SEMCONV = set(mcp.SEMCONV.metrics)
SEED = set(mcp.SEED.metrics)


def family_of(series: str) -> str | None:
    """'semconv', 'seed', or None for a series of neither family (up, cAdvisor, recorded series...)."""
    for name, metrics in (("semconv", SEMCONV), ("seed", SEED)):
        if any(series == m or series.startswith(m + "_") for m in metrics):
            return name
    return None


def stack(family: str) -> Stack:
    return Stack(
        name="families",
        services=(mcp.service(name="mcp-server", namespace="mcp", family=family),
                  mcp_capacity.service(family=family)),
        catalogs=(*mcp.shared_catalogs(), mcp_capacity.catalog(family)),
        routing=Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),)),
        slos=mcp.slos(family=family),
        folders=(mcp_dashboards.FOLDER,),
        dashboards=mcp_dashboards.dashboards(jobs=("mcp-server",), family=family,
                                             rows=(mcp_capacity.capacity_row(),)),
    )


def _exprs(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from _exprs(value)
    elif isinstance(data, list):
        for item in data:
            yield from _exprs(item)


def queries(files: dict[str, str]) -> dict[str, list[str]]:
    """Every PromQL expression of every rule file and dashboard, by file."""
    found: dict[str, list[str]] = {}
    for path, text in files.items():
        if path.startswith("prometheus/rules/"):
            found[path] = list(_exprs(yaml.safe_load(text)))
        elif path.startswith("grafana/dashboards/"):
            found[path] = [substitute(e) for e in _exprs(json.loads(text))]
    return found


@pytest.mark.parametrize("family", mcp.FAMILIES)
def test_every_query_of_the_pack_draws_on_one_family(family: str) -> None:
    files = render_files(stack(family), GenerateContext("families"))
    drawn_on = "seed" if family == "seed" else "semconv"
    by_file = queries(files)
    expected_files = {"prometheus/rules/mcp-server.rules.yml", "prometheus/rules/mcp-server-capacity.rules.yml",
                      "grafana/dashboards/mcp/mcp-server-overview.json"}
    assert expected_files <= by_file.keys()
    assert any(p.startswith("prometheus/rules/mcp-server.slo.") for p in by_file)
    families: dict[str, set[str]] = {}
    for path, exprs in by_file.items():
        for expr in exprs:
            for series in promql.selected_metrics(expr):
                if (name := family_of(series)) is not None:
                    families.setdefault(name, set()).add(f"{path}: {series}")
    # The catalog-driven service dashboard of a fleet that exports both families shows both: it draws what the
    # catalog declares. Everything the pack writes itself draws on one.
    other = {hit for hit in families.get("seed" if drawn_on == "semconv" else "semconv", set())
             if not (family == "both" and hit.startswith("grafana/dashboards/mcp/mcp-server-service.json"))}
    assert not other, sorted(other)
    used = families[drawn_on]
    for path in (*expected_files, "prometheus/rules/mcp-server.slo.availability.rules.yml",
                 "grafana/dashboards/mcp/mcp-server-service.json"):
        assert any(hit.startswith(path) for hit in used), path
    # The HPA's rate and the recorded series the capacity rules read come from the same counter.
    capacity = yaml.safe_load(files["prometheus/rules/mcp-server-capacity.rules.yml"])
    [record] = [r for g in capacity["groups"] for r in g["rules"] if r.get("record")]
    assert promql.selected_metrics(record["expr"]) == {mcp.signals(family).requests}


@pytest.mark.parametrize(("family", "declared"), [
    ("semconv", SEMCONV), ("seed", SEED), ("both", SEMCONV | SEED)])
def test_the_catalog_declares_what_the_servers_export(family: str, declared: set[str]) -> None:
    names = {m.name for m in mcp.metrics(family)}
    assert names & (SEMCONV | SEED) == declared
    assert {"mcp_active_connections", "process_cpu_seconds_total"} <= names


def test_the_default_stack_uses_both_families_as_its_servers_and_the_demo_exporter_export_them() -> None:
    from alerts import stack as default
    from monitoring.demo.workload import SEED_FAMILY

    assert default.FAMILY == "both"
    fleet = next(s for s in default.stack.services if s.name == "mcp-server")
    assert {m.name for m in fleet.metrics} >= SEMCONV | SEED | set(SEED_FAMILY)


def test_an_unknown_family_is_refused() -> None:
    with pytest.raises(DefinitionError, match="family 'otel' must be one of semconv, seed, both"):
        mcp.service(targets=("mcp:9464",), kubernetes=False, family="otel")
