"""A hand-written grafanalib dashboard: MCP tool calls and resource reads.

Every `dashboards/*.dashboard.py` defines `dashboard` (grafanalib's convention) and may set
`folder = "<uid>"`, a folder the stack declares (default: the folder of the generated dashboards).
`monitoring generate` normalises it to modern Grafana JSON; `monitoring validate` checks it like the
generated ones.
"""

from grafanalib.core import (
    Dashboard,
    GridPos,
    RowPanel,
    Stat,
    Target,
    Template,
    Templating,
    Threshold,
    TimeSeries,
)

DATASOURCE = "${datasource}"
JOB = 'job=~"$job"'


def rate(expr: str) -> str:
    return f"sum by (tool_name) (rate({expr}[$__rate_interval]))"


dashboard = Dashboard(
    title="MCP tool calls",
    uid="mcp-tool-calls",
    description="Tool executions and resource access, from the MCP server's own counters.",
    tags=["mcp", "custom"],
    timezone="browser",
    templating=Templating(list=[
        Template(name="datasource", type="datasource", query="prometheus", label="Data source"),
        Template(name="job", label="Job", dataSource=DATASOURCE, query='label_values(mcp_tool_executions_total, job)',
                 includeAll=True, multi=True),
    ]),
    panels=[
        Stat(title="Tool calls per second", dataSource=DATASOURCE, format="ops", reduceCalc="lastNotNull",
             gridPos=GridPos(h=5, w=8, x=0, y=0),
             targets=[Target(expr=f"sum(rate(mcp_tool_executions_total{{{JOB}}}[$__rate_interval]))", refId="A")]),
        Stat(title="Failed tool calls", dataSource=DATASOURCE, format="percentunit", reduceCalc="lastNotNull",
             gridPos=GridPos(h=5, w=8, x=8, y=0),
             thresholds=[Threshold("green", 0, 0.0), Threshold("orange", 1, 0.01), Threshold("red", 2, 0.05)],
             targets=[Target(refId="A", expr=(
                 f'sum(rate(mcp_tool_executions_total{{{JOB}, status="error"}}[$__rate_interval]))'
                 f" / sum(rate(mcp_tool_executions_total{{{JOB}}}[$__rate_interval]))"))]),
        Stat(title="Resource reads per second", dataSource=DATASOURCE, format="ops", reduceCalc="lastNotNull",
             gridPos=GridPos(h=5, w=8, x=16, y=0),
             targets=[Target(refId="A", expr=(
                 f'sum(rate(mcp_resource_access_total{{{JOB}, operation="read"}}[$__rate_interval]))'))]),
        RowPanel(title="By tool", gridPos=GridPos(h=1, w=24, x=0, y=5)),
        TimeSeries(title="Calls by tool", dataSource=DATASOURCE, unit="ops", gridPos=GridPos(h=8, w=12, x=0, y=6),
                   stacking={"mode": "normal", "group": "A"}, fillOpacity=30,
                   targets=[Target(expr=rate(f"mcp_tool_executions_total{{{JOB}}}"), legendFormat="{{tool_name}}",
                                   refId="A")]),
        TimeSeries(title="Failures by tool", dataSource=DATASOURCE, unit="ops", gridPos=GridPos(h=8, w=12, x=12, y=6),
                   targets=[Target(expr=rate(f'mcp_tool_executions_total{{{JOB}, status="error"}}'),
                                   legendFormat="{{tool_name}}", refId="A")]),
    ],
).auto_panel_ids()
