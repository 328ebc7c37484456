"""Bad definitions: one line naming the object, field and value; exit 2; no traceback; out/ untouched."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitoring.cli import main
from monitoring.output.files import read_tree
from monitoring.project import Project

# Each case is a stack module whose definitions are wrong in one way; `ok_service` and `ok_routing`
# are valid pieces the cases reuse, so each case changes exactly one thing.
PRELUDE = '''
from monitoring import *

def ok_metrics():
    return (Counter(name="app_requests_total", help="Requests.", labels=("code",)),)

def ok_alert(**overrides):
    fields = dict(name="AppErrors", severity="critical", expr="rate(app_requests_total[5m]) > 1",
                  summary="Errors.", description="Errors on {{ $labels.instance }}.")
    fields.update(overrides)
    return Alert(**fields)

def ok_job(**overrides):
    fields = dict(name="app", static_configs=(StaticConfig(targets=("app:8080",)),))
    fields.update(overrides)
    return ScrapeJob(**fields)

def ok_service(rules=None, metrics=None, jobs=None, name="app"):
    return Service(name=name, metrics=metrics if metrics is not None else ok_metrics(),
                   scrape_jobs=jobs if jobs is not None else (ok_job(),),
                   rule_groups=(RuleGroup(name="app", rules=rules or (ok_alert(),)),))

def ok_routing(route=None, receivers=None):
    return Routing(route=route or Route(receiver="default"),
                   receivers=receivers or (Receiver(name="default", webhooks=(Webhook(url="http://hook:9/"),)),))

def ok_stack(**overrides):
    fields = dict(name="demo", services=(ok_service(),), routing=ok_routing())
    fields.update(overrides)
    return Stack(**fields)
'''

CASES = [
    ("a data source type that is no plugin id",
     'stack = ok_stack(datasources=(DataSource(name="Loki", type="Loki Logs"),))',
     "data source 'Loki' {at}: type 'Loki Logs' must be a data source plugin's id, such as 'prometheus' or 'loki'"),
    ("a data source named like a variable",
     'stack = ok_stack(datasources=(DataSource(name="$logs", type="loki"),))',
     "data source '$logs' {at}: name '$logs' must be a data source's own name: not one of Grafana's built-in ones"),
    ("two data sources of one uid, one of them by its name",
     'stack = ok_stack(datasources=(DataSource(name="Loki", type="loki"), DataSource(name="Logs", type="loki", '
     'uid="Loki")))',
     "stack 'demo' {at}: data sources 0 and 1 have the same uid 'Loki': Grafana could not tell them apart"),
    ("two data sources of one name",
     'stack = ok_stack(datasources=(DataSource(name="Loki", type="loki", uid="a"), DataSource(name="Loki", '
     'type="loki", uid="b")))',
     "data source 'Loki' {at}: duplicate data source name 'Loki'"),
    ("counter without _total",
     'stack = ok_stack(services=(ok_service(metrics=(Counter(name="app_requests", help="R."),)),))',
     "metric 'app_requests' {at}: counter name 'app_requests' must end in '_total'"),
    ("unknown metric in an expression",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(expr="rate(app_typo_total[5m]) > 1"),)),))',
     "alert 'AppErrors' {at}: expr selects 'app_typo_total', which is in no metric catalog"),
    ("PromQL that does not parse",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(expr="sum(rate(app_requests_total[5m])"),)),))',
     "alert 'AppErrors' {at}: expr: PromQL does not parse"),
    # Found while planning the tests, after every definition was made: still the definition, the field, the line.
    ("a window no promtool test step fits, among other alerts",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(name="Slow"), ok_alert(expr="rate(app_requests_total[2s])'
     ' > 1"))),))',
     "alert 'AppErrors' {at}: expr: no promtool test step fits windows ['2s', '5m'], the shortest being 2s of this "
     "alert: a test step is whole seconds, under half of every window"),
    ("an SLO window no promtool test step fits",
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=RatioSLI(errors='
     '"app_requests_total{code=\'500\'}", total="app_requests_total"), window_policy=WindowPolicy(windows=('
     'AlertWindow(tier="page", long="1h", short="2s", burn_rate=14.4), AlertWindow(tier="ticket", long="6h", '
     'short="30m", burn_rate=1)))),))',
     "slo 'avail' {at}: window_policy: no promtool test step fits windows ['1h', '2s', '30d', '30m', '5m', '6h'], "
     "the shortest being 2s"),
    ("invalid duration",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(for_="5 minutes"),)),))',
     "alert 'AppErrors' {at}: for: invalid duration '5 minutes'"),
    ("scrape_timeout greater than the interval",
     'stack = ok_stack(services=(ok_service(jobs=(ok_job(scrape_interval="10s", scrape_timeout="15s"),)),))',
     "scrape job 'app' {at}: scrape_timeout 15s must not exceed scrape_interval 10s"),
    ("scrape_timeout greater than the global interval",
     'stack = ok_stack(scrape_interval="5s", scrape_timeout="10s")',
     "stack 'demo' {at}: scrape_timeout 10s must not exceed scrape_interval 5s"),
    ("duplicate alert name",
     'stack = ok_stack(services=(ok_service(), ok_service(name="other", metrics=(), jobs=())))',
     "alert 'AppErrors' {at}: duplicate alert name 'AppErrors' (first defined at badstack.py:"),
    ("route to an unknown receiver",
     'stack = ok_stack(routing=ok_routing(route=Route(receiver="default", routes=(Route(matchers=(\'severity="critical"\',), receiver="pager"),))))',  # noqa: E501
     "routing {at}: route ['severity=\"critical\"']: receiver 'pager' is not defined (receivers: default)"),
    ("severity urgent",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(severity="urgent"),)),))',
     "alert 'AppErrors' {at}: severity 'urgent' must be one of critical, warning, info"),
    ("bad label name",
     'stack = ok_stack(services=(ok_service(metrics=(Counter(name="app_requests_total", help="R.", labels=("http-code",)),)),))',  # noqa: E501
     "metric 'app_requests_total' {at}: labels[0]: invalid label name 'http-code'"),
    ("a secret given inline",
     'stack = ok_stack(routing=ok_routing(receivers=(Receiver(name="default", slack=(Slack(api_url="https://hooks.slack.com/x", channel="#a"),)),)))',  # noqa: E501
     "receiver 'default' {at}: slack[0]: api_url is a secret and cannot be inline: use api_url_file"),
    ("a scrape password given inline",
     'stack = ok_stack(services=(ok_service(jobs=(ok_job(password="hunter2"),)),))',
     "scrape job 'app' {at}: password is a secret and cannot be inline"),
    ("alert name not CamelCase",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(name="app_errors"),)),))',
     "alert 'app_errors' {at}: alert name 'app_errors' must be CamelCase"),
    ("templated summary",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(summary="{{ $value }} errors"),)),))',
     "alert 'AppErrors' {at}: summary '{{ $value }} errors' must be a static sentence"),
    ("reserved le label",
     'stack = ok_stack(services=(ok_service(metrics=(Gauge(name="app_depth", help="D.", labels=("le",)),)),))',
     "metric 'app_depth' {at}: labels: 'le' is reserved for histograms"),
    ("bad Alertmanager matcher",
     'stack = ok_stack(routing=ok_routing(route=Route(receiver="default", routes=(Route(matchers=("severity=critical",), receiver="default"),))))',  # noqa: E501
     "route {at}: matchers: matcher 'severity=critical' must look like name=\"value\""),
    ("unknown field",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(treshold=5),)),))',
     "alert 'AppErrors' {at}: unknown field 'treshold'"),
    ("recording rule without a level",
     'stack = ok_stack(services=(ok_service(rules=(RecordingRule(record="app_rate", expr="rate(app_requests_total[5m])"),)),))',  # noqa: E501
     "recording rule 'app_rate' {at}: record 'app_rate' must follow level:metric:operations"),
    ("webhook URL with credentials",
     'stack = ok_stack(routing=ok_routing(receivers=(Receiver(name="default", webhooks=(Webhook(url="https://u:p@hook/"),)),)))',
     "receiver 'default' {at}: webhooks[0]: url must not embed credentials"),
    ("histogram buckets not increasing",
     'stack = ok_stack(services=(ok_service(metrics=(Histogram(name="app_seconds", unit="seconds", help="L.", buckets=(1, 0.5)),)),))',  # noqa: E501
     "metric 'app_seconds' {at}: buckets [1.0, 0.5] must be strictly increasing"),
    ("stack attribute is not a Stack",
     'stack = ok_service()',
     "stack 'badstack:stack' is a Service, not a monitoring.Stack"),
    ("duration with Arabic-Indic digits",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(for_="\u0665m"),)),))',
     "alert 'AppErrors' {at}: for: invalid duration"),
    ("duration with a trailing newline",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(for_="5m\\n"),)),))',
     "alert 'AppErrors' {at}: for: invalid duration '5m\\n'"),
    ("duration out of range",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(for_="99999999999999y"),)),))',
     "duration '99999999999999y' is out of range"),
    ("scrape interval with full-width digits",
     'stack = ok_stack(scrape_interval="\uff11m")',
     "stack 'demo' {at}: scrape_interval: invalid duration"),
    ("port out of range",
     'stack = ok_stack(services=(ok_service(jobs=(ok_job(static_configs=(StaticConfig(targets=("app:99999",)),)),)),))',
     "port '99999' must be a number from 1 to 65535"),
    ("port with full-width digits",
     'stack = ok_stack(services=(ok_service(jobs=(ok_job(static_configs=(StaticConfig(targets=("app:\uff18\uff10\uff18\uff10",)),)),)),))',  # noqa: E501
     "must be a number from 1 to 65535 (ASCII digits)"),
    ("port zero",
     'stack = ok_stack(services=(ok_service(jobs=(ok_job(static_configs=(StaticConfig(targets=("app:0",)),)),)),))',
     "port '0' must be a number from 1 to 65535"),
    ("smarthost port out of range",
     'stack = ok_stack(routing=ok_routing(receivers=(Receiver(name="default", email=(Email(to="a@example.com", from_="b@example.com", smarthost="mail:70000"),)),)))',  # noqa: E501
     "smarthost: port '70000' must be a number from 1 to 65535"),
    ("a Slack URL typed into api_url_file",
     'stack = ok_stack(routing=ok_routing(receivers=(Receiver(name="chat", slack=(Slack(api_url_file="https://hooks.slack.com/services/T0/B0/abcdef", channel="#a"),)),)))',  # noqa: E501
     "api_url_file: this looks like a secret value"),
    ("a token typed into bearer_token_file",
     'stack = ok_stack(services=(ok_service(jobs=(ok_job(bearer_token_file="ghp_16C7e42F292c6912E7710c838347Ae178B4a"),)),))',  # noqa: E501
     "bearer_token_file: this looks like a secret value"),
    ("a file path with a newline",
     'stack = ok_stack(services=(ok_service(jobs=(ok_job(bearer_token_file="/run/token\\n"),)),))',
     "bearer_token_file: a file path must be non-empty"),
    ("a 300-character service name",
     'stack = ok_stack(services=(ok_service(name="a" * 300),))',
     "is 300 characters long; the limit is 63"),
    ("an objective with 60 nines",
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99." + "9" * 58, sli=RatioSLI(errors="app_requests_total{code=~\\"5..\\"}", total="app_requests_total")),))',  # noqa: E501
     "significant digits: at most 15"),
    ("an objective that is not a number",
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="nan", sli=RatioSLI(errors="app_requests_total{code=~\\"5..\\"}", total="app_requests_total")),))',  # noqa: E501
     "slo 'avail' {at}: objective: 'nan' is not a decimal number"),
    ("an ftp webhook URL with a password",
     'stack = ok_stack(routing=ok_routing(receivers=(Receiver(name="default", webhooks=(Webhook(url="ftp://user:password@hook/"),)),)))',
     "url 'ftp://***@hook/' must be an http(s) URL"),
    ("a label value with a control character",
     'stack = ok_stack(external_labels={"env": "prod\\x00"})',
     "contains the control character"),
    ("time of day with a trailing newline",
     'stack = ok_stack(routing=Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),), time_intervals=(TimeInterval(name="night", times=(TimeRange(start_time="00:00\\n", end_time="06:00"),)),)))',  # noqa: E501
     "start_time '00:00\\n' must be a time of day"),
    ("dashboard refresh with a trailing newline",
     'stack = ok_stack(dashboard_settings=DashboardSettings(refresh="1m\\n"))',
     "refresh '1m\\n' must look like '30s'"),
    ("alert expression that is a range vector",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(expr="app_requests_total[5m]"),)),))',
     "alert 'AppErrors': expr 'app_requests_total[5m]' is a range vector"),
    ("recording rule that is a subquery",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(), RecordingRule(record="job:app_requests:rate5m", expr="rate(app_requests_total[5m])[30m:1m]"))),))',  # noqa: E501
     "recording rule 'job:app_requests:rate5m': expr 'rate(app_requests_total[5m])[30m:1m]' is a range vector"),
    ("alert expression that is a string",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(expr=\'"text"\'),)),))',
     "is a string; a rule needs an instant vector or a scalar"),
    ("20,000 nested parentheses",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(expr="(" * 20000 + "app_requests_total" + ")" * 20000),)),))',  # noqa: E501
     "alert 'AppErrors': expr: PromQL nests brackets more than 64 deep"),
    ("an expression of a megabyte",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(expr="app_requests_total + " * 100000 + "1"),)),))',
     "characters long; the limit is 200000"),
    ("too many operators inside one aggregation",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(expr="sum(" + " or ".join(["app_requests_total"] * 500) + ")"),)),))',  # noqa: E501
     "499 binary operators inside one function call or aggregation; at most 200"),
    ("a range vector inside a long chain",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(expr=" or ".join(["app_requests_total"] * 300 + ["app_requests_total[5m]"])),)),))',  # noqa: E501
     "binary expression must contain only scalar and instant vector types"),
    ("routes nested 2,000 deep",
     'r = Route(receiver="default")\nfor _ in range(2000):\n    r = Route(routes=(r,))\nstack = ok_stack(routing=ok_routing(route=r))',  # noqa: E501
     "routes nest more than 32 deep"),
    ('SLO query with an unknown placeholder',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=QuerySLI(errors="sum(rate(app_requests_total[{{range}}]))", total="sum(rate(app_requests_total[{{window}}]))")),))',  # noqa: E501
     "slo 'avail' {at}: sli: errors: unknown placeholder {{range}}"),
    ('SLO query that does not parse with the window put in',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=QuerySLI(errors="sum(rate(app_requests_total[{{window}}])", total="sum(rate(app_requests_total[{{window}}]))")),))',  # noqa: E501
     'does not parse with {{window}}=5m'),
    ('SLO query without the window placeholder',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=QuerySLI(errors="sum(rate(app_requests_total[5m]))", total="sum(rate(app_requests_total[{{window}}]))")),))',  # noqa: E501
     'has no {{window}}: write the range as rate(x[{{window}}])'),
    ('SLO query that counts with increase(): its series are named and read as per-second rates',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=QuerySLI(errors="sum(rate(app_requests_total[{{window}}]))", total="sum(increase(app_requests_total[{{window}}]))")),))',  # noqa: E501
     "total: increase() in 'sum(increase(app_requests_total[{{window}}]))': write rate(...[{{window}}])"),
    ('SLO query with a rate over a fixed range beside the window',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=QuerySLI(errors="sum(rate(app_requests_total[{{window}}])) - sum(rate(app_requests_total[1m]))", total="sum(rate(app_requests_total[{{window}}]))")),))',  # noqa: E501
     "has a fixed range: write rate(...[{{window}}])"),
    # Texts Prometheus templates (alert labels, an SLO's alert texts) or Grafana interpolates (panel descriptions),
    # which the generated tests and dashboards carry as written: refused, not left for validate or test to fail.
    ('service label, which its recording rules carry as written, that is a template',
     'stack = ok_stack(services=(Service(name="app", labels={"team": "t-{{x}}"}, metrics=ok_metrics(), scrape_jobs=(ok_job(),)),))',  # noqa: E501
     "service 'app' {at}: labels: team='t-{{x}}': these labels are written as they are (into recording rules"),
    ('SLO label, on its recording rules and alerts alike, that is a template',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", labels={"team": "{{ $labels.job }}"}, sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "slo 'avail' {at}: labels: team='{{ $labels.job }}': these labels are written as they are"),
    ('SLO description with a template',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", description="Bad {{ $value }}", sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "slo 'avail' {at}: description: 'Bad {{ $value }}' is written as it is into the SLO's alerts"),
    ('SLO alert annotation with a template',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", alerting=SLOAlerting(annotations={"dash": "{{ $labels.service }}"}), sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "annotations.dash: '{{ $labels.service }}' is written as it is into the SLO's alerts"),
    ('SLO description with what Grafana reads as a variable',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", description="Costs in $USD", sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "slo 'avail' {at}: description: 'Costs in $USD' is written into the generated dashboards' panel descriptions, "
     "where Grafana would take 'USD' for a variable"),
    ('route expectation whose label name amtool cannot read',
     'stack = ok_stack(routing=Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),), tests=(RouteTest(labels={"team name": "web"}, receivers=("default",)),)))',  # noqa: E501
     "route test {at}: labels: invalid label name 'team name'"),
    ('metric help with what Grafana reads as a variable',
     'stack = ok_stack(services=(ok_service(metrics=(Counter(name="app_requests_total", help="Cost in ${currency}.", labels=("code",)),)),))',  # noqa: E501
     "metric 'app_requests_total' {at}: help: 'Cost in ${currency}.' is written into the generated dashboards'"),
    ('SLO window policy with a factor below 1',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", period="28d", sli=RatioSLI(errors="app_errors_total", total="app_requests_total"), window_policy=WindowPolicy(windows=(AlertWindow(tier="ticket", long="3d", short="6h", budget_percent=10),))),))',  # noqa: E501
     "slo 'avail' {at}: alerting.ticket (3d/6h window pair): burn factor ~0.93 is below 1"),
    ('SLO window longer than its period',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", period="2d", window_policy="workbook", sli=RatioSLI(errors="app_errors_total", total="app_requests_total")),))',  # noqa: E501
     "slo 'avail' {at}: alerting.ticket (3d/6h window pair): the 3d window is longer than the period 2d"),
    ('SLO window policy with a misspelt tier',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=RatioSLI(errors="app_errors_total", total="app_requests_total"), window_policy=WindowPolicy(windows=(AlertWindow(tier="pgae", long="1h", short="5m", burn_rate=14.4),))),))',  # noqa: E501
     "unknown alert tier 'pgae'"),
    ('SLO alerting label that is reserved',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=RatioSLI(errors="app_errors_total", total="app_requests_total"), alerting=SLOAlerting(labels={"slo": "x"})),))',  # noqa: E501
     "labels: 'slo' is set by the SLO itself"),
    ('SLO summary given as an annotation',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=RatioSLI(errors="app_errors_total", total="app_requests_total"), alerting=SLOAlerting(annotations={"summary": "x"})),))',  # noqa: E501
     "annotations: 'summary' is generated; set it with the summary field"),
    ('SLO severity that is not a word',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=RatioSLI(errors="app_errors_total", total="app_requests_total"), alerting=SLOAlerting(page=AlertTier(severity="page team"))),))',  # noqa: E501
     "severity 'page team' must be a word of letters, digits"),
    ('SLO filter on a query SLI',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", filter=\'code!="499"\', sli=QuerySLI(errors="sum(rate(app_requests_total[{{window}}]))", total="sum(rate(app_requests_total[{{window}}]))")),))',  # noqa: E501
     'filter: a query SLI is raw PromQL; put the matchers into its queries'),
    ('SLO grouped on a label its query aggregates away',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", group_by=("route",), sli=QuerySLI(errors="sum(rate(app_requests_total{code=\\"500\\"}[{{window}}]))", total="sum by (route) (rate(app_requests_total[{{window}}]))")),))',  # noqa: E501
     "group_by: sli.errors aggregates 'route' away; write sum by (route) (...)"),
    ('SLO grouped on a label its metric does not have',
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", group_by=("route",), sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "group_by 'route' is not a label of app_requests_total, so the SLI would aggregate it away"),
    ("boolean-gauge SLO with a minimum-traffic guard",
     'stack = ok_stack(slos=(SLO(name="up", service="app", objective="99.9", sli=BooleanSLI(gauge="up"), alerting=SLOAlerting(min_events_per_second="1")),))',  # noqa: E501
     "alerting.min_events_per_second: a boolean-gauge SLI counts samples, not events"),
    ("boolean-gauge SLO on a counter",
     'stack = ok_stack(slos=(SLO(name="up", service="app", objective="99.9", sli=BooleanSLI(gauge="app_requests_total")),))',  # noqa: E501
     "sli.gauge 'app_requests_total' selects 'app_requests_total', which is neither up nor probe_success nor a "
     "catalog gauge (it is a counter)"),
    ("boolean-gauge SLO on an expression",
     'stack = ok_stack(slos=(SLO(name="up", service="app", objective="99.9", sli=BooleanSLI(gauge="avg(up)")),))',
     "sli: gauge: 'avg(up)' must be a plain vector selector"),
    ("boolean-gauge SLO grouped on a label its gauge lacks",
     'stack = ok_stack(services=(ok_service(metrics=(*ok_metrics(), Gauge(name="app_healthy", help="1 when healthy.", labels=("instance",)))),), slos=(SLO(name="up", service="app", objective="99.9", group_by=("route",), sli=BooleanSLI(gauge="app_healthy")),))',  # noqa: E501
     "group_by 'route' is not a label of app_healthy, so the SLI would aggregate it away (labels: instance)"),
    ("native latency SLO on a classic histogram",
     'stack = ok_stack(services=(ok_service(metrics=(*ok_metrics(), Histogram(name="app_seconds", unit="seconds", help="L.", buckets=(0.5,)))),), slos=(SLO(name="lat", service="app", objective="99", sli=LatencySLI(histogram="app_seconds", threshold="0.5", native=True)),))',  # noqa: E501
     "sli.histogram 'app_seconds' is a classic histogram: sli.native=True needs Histogram(native=True)"),
    ("classic latency SLO on a native histogram",
     'stack = ok_stack(services=(ok_service(metrics=(*ok_metrics(), Histogram(name="app_seconds", unit="seconds", help="L.", native=True))),), slos=(SLO(name="lat", service="app", objective="99", sli=LatencySLI(histogram="app_seconds", threshold="0.5")),))',  # noqa: E501
     "sli.histogram 'app_seconds' is a native histogram; set sli.native=True"),
    ("classic histogram without buckets",
     'stack = ok_stack(services=(ok_service(metrics=(*ok_metrics(), Histogram(name="app_seconds", unit="seconds", help="L."))),))',  # noqa: E501
     "buckets: a classic histogram needs at least one bucket (or set native=True)"),
    ("timeslices shorter than a minute",
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99", budgeting=Timeslices(window="30s", target="0.95"), sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "budgeting: window '30s' must be whole seconds between 1m and 1d"),
    ("timeslice target above 1",
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99", budgeting=Timeslices(window="1m", target="95"), sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "budgeting: target 95 must be a ratio above 0 and at most 1, like 0.95 (not a percentage)"),
    ("timeslices the evaluation interval does not divide",
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99", budgeting=Timeslices(window="90s", target="0.95"), sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "budgeting.window 90s is not a multiple of the stack's evaluation_interval 1m"),
    ("calendar period of a quarter",
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99", calendar=CalendarPeriod(unit="quarter"), sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "calendar: unit 'quarter': input should be 'month' or 'week'"),
    ("calendar in an unknown time zone",
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99", calendar=CalendarPeriod(unit="month", timezone="Mars/Olympus"), sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "calendar: timezone 'Mars/Olympus' is not an IANA time zone"),
    ("code that raises",
     'stack = ok_stack(services=ok_service().nope)',
     "stack 'badstack:stack' does not import: AttributeError: 'Service' object has no attribute 'nope' {at-bare}"),
    ("a label value no declared value matches",
     'stack = ok_stack(services=(ok_service(metrics=(Counter(name="app_requests_total", help="R.", labels=("status",), label_values={"status": ("ok", "failed")}),), rules=(ok_alert(expr=\'rate(app_requests_total{status=~"5.."}[5m]) > 1\'),)),))',  # noqa: E501
     "alert 'AppErrors' {at}: expr: matcher status=~\"5..\" of 'app_requests_total' matches none of the values the "
     "catalog declares for label 'status' (ok, failed), so it selects nothing"),
    ("label values of an undeclared label",
     'stack = ok_stack(services=(ok_service(metrics=(Counter(name="app_requests_total", help="R.", labels=("code",), label_values={"status": ("ok",)}),)),))',  # noqa: E501
     "metric 'app_requests_total' {at}: label_values: 'status' is not one of the labels ['code']"),
    ("grafana_url with credentials",
     'stack = ok_stack(grafana_url="https://admin:secret@grafana.example.com")',
     "grafana_url must not carry credentials: it is written into every alert"),
    # Numbers are read by Go and JavaScript: integers past their types, and NaN, are refused where they are made.
    ("a sample limit past what the Operator's CRDs hold (int64)",
     'stack = ok_stack(services=(ok_service(jobs=(ok_job(sample_limit=2**63),)),))',
     "scrape job 'app' {at}: sample_limit 9223372036854775808: input should be less than or equal to "
     "9223372036854775807"),
    ("panel decimals past 64 bits",
     'stack = ok_stack(dashboards=(Dashboard(name="extra", panels=(Panel(title="p", decimals=10**30, queries=(PanelQuery(expr="rate(app_requests_total[5m])"),)),)),))',  # noqa: E501
     "panel 'p' {at}: decimals 1000000000000000000000000000000: input should be less than or equal to 20"),
    ("a histogram bucket that is NaN",
     'stack = ok_stack(services=(ok_service(metrics=(*ok_metrics(), Histogram(name="app_seconds", unit="seconds", help="L.", buckets=(0.1, float("nan"))))),))',  # noqa: E501
     "metric 'app_seconds' {at}: buckets[1] nan: input should be a finite number"),
    ("a summary quantile given as a percentage",
     'stack = ok_stack(services=(ok_service(metrics=(*ok_metrics(), Summary(name="app_seconds", unit="seconds", help="L.", quantiles=(99,)))),))',  # noqa: E501
     "metric 'app_seconds' {at}: quantiles[0] 99: input should be less than or equal to 1"),
    ("calendar in a time zone region",
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99", calendar=CalendarPeriod(unit="month", timezone="Europe"), sli=RatioSLI(errors="app_requests_total{code=\\"500\\"}", total="app_requests_total")),))',  # noqa: E501
     "calendar: timezone 'Europe' is not an IANA time zone"),
    ("SLO window policy without a pair for an enabled tier",
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective="99.9", sli=RatioSLI(errors="app_errors_total", total="app_requests_total"), window_policy=WindowPolicy(windows=(AlertWindow(tier="page", long="1h", short="5m", burn_rate=14.4),))),))',  # noqa: E501
     "slo 'avail' {at}: window_policy has no ticket window pair, but alerting.ticket is enabled: add "
     "AlertWindow(tier='ticket', ...) or set alerting.ticket.enabled=False"),
    # pydantic's model_copy puts its changes in place unchecked; a definition's checks them as its constructor does.
    ("a copy with a wrong value",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert().model_copy(update={"severity": "urgent"}),)),))',
     "alert 'AppErrors' {at}: severity 'urgent' must be one of critical, warning, info"),
    ("a copy with a wrong value under the field's alias",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert().model_copy(update={"for": "5 minutes"}),)),))',
     "alert 'AppErrors' {at}: for: invalid duration '5 minutes'"),
    ("a copy of the stack with a wrong name",
     'stack = ok_stack().model_copy(update={"name": "Demo Stack"})',
     "stack 'Demo Stack' {at}: invalid name 'Demo Stack'"),
    # What promtool or the load test would refuse, refused where it is defined.
    ("an alertmanager given as a URL",
     'stack = ok_stack(alertmanagers=("http://alertmanager:9093/",))',
     "stack 'demo' {at}: alertmanagers[0]: 'http://alertmanager:9093/' must be host:port, without scheme or path"),
    ("two recording rules writing one series",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(), RecordingRule(record="job:app_requests:rate5m", expr="rate(app_requests_total[5m])"), RecordingRule(record="job:app_requests:rate5m", expr="rate(app_requests_total[1m])"))),))',  # noqa: E501
     "service 'app' {at}: rule_groups[0].rules[2]: recording rule 'job:app_requests:rate5m' is defined twice with "
     "the same labels; both would write one series"),
    ("load-test gates naming no latency SLO",
     'stack = ok_stack(load_test=LoadTestGates(latency_slo="checkout", error_ratio_alert="AppErrors"))',
     "load test gates {at}: latency_slo 'checkout' is not a latency SLO of the stack"),
    ("a nested definition given as a dict with a key that is not a string",
     'stack = ok_stack(routing={"route": Route(receiver="default"), 1: "x"})',
     "stack 'demo' {at}: routing: key 1 must be a field name (a string)"),
]


# Every message says where the definition was made: "(badstack.py:<line>)" after the name of the definition,
# or "(at badstack.py:<line>)" at the end. The cases spell it {at} / {at-bare}, or leave it out.
_SITE = re.compile(r" \((?:at |made at )?badstack\.py:\d+\)")


def _without_site(err: str) -> str:
    assert _SITE.search(err), f"the message does not say where the definition was made: {err}"
    return _SITE.sub("", err, count=1)


def run(project: Path, argv: list[str]) -> int:
    """The command line on the project in directory project (passed explicitly: the working directory stays)."""
    return main(argv, project=Project.find(project))


def stderr(project: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """What the command printed on stderr, with file paths as a user working in project sees them (sites are
    shown relative to the working directory)."""
    return capsys.readouterr().err.replace(f"{project}/", "")


def generated_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prelude: str = PRELUDE) -> Path:
    """A project with a previous good generation in out/, so tests can prove it stays untouched."""
    (tmp_path / "pyproject.toml").write_text('[tool.monitoring]\nstack = "goodstack:stack"\n')
    (tmp_path / "goodstack.py").write_text(prelude + "\nstack = ok_stack()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert run(tmp_path, ["generate"]) == 0
    return tmp_path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return generated_project(tmp_path, monkeypatch)


@pytest.mark.parametrize(("description", "code", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_definition_is_one_clear_line(project: Path, capsys: pytest.CaptureFixture[str], description: str,
                                          code: str, message: str) -> None:
    assert_one_clear_line(project, capsys, PRELUDE + "\n" + textwrap.dedent(code) + "\n", message)


def assert_one_clear_line(project: Path, capsys: pytest.CaptureFixture[str], module: str, message: str) -> None:
    """Generating the stack of module fails with exit 2 and the one-line message; out/ stays as it was."""
    before = read_tree(project / "out")
    (project / "badstack.py").write_text(module)
    sys.modules.pop("badstack", None)

    status = run(project, ["generate", "--stack", "badstack:stack"])

    err = stderr(project, capsys)
    assert status == 2
    assert message.replace(" {at-bare}", "").replace(" {at}", "") in _without_site(err), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert read_tree(project / "out") == before


def test_stack_path_that_does_not_import(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(project, ["generate", "--stack", "no_such_module:stack"]) == 2
    assert "stack 'no_such_module:stack' does not import: no module named 'no_such_module'" in capsys.readouterr().err


def test_stack_path_without_attribute(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(project, ["generate", "--stack", "goodstack"]) == 2
    assert "must look like 'package.module:attribute'" in capsys.readouterr().err


@pytest.mark.parametrize(("path", "message"), [
    ("", "monitoring generate: error: argument --stack: must not be empty"),
    ("a:b:c", "stack path 'a:b:c' must look like 'package.module:attribute'"),
    ("goodstack:stack.name", "stack path 'goodstack:stack.name' must look like"),
    ("goodstack: stack", "stack path 'goodstack: stack' must look like"),
    ("./goodstack.py:stack", "must look like 'package.module:attribute': a module's import path, not a file "
                             "('goodstack:stack')"),
    ("alerts/stack.py:stack", "a module's import path, not a file ('alerts.stack:stack')"),
    ("/srv/goodstack.py:stack", "must look like 'package.module:attribute': a module's import path, not a file"),
    ("goodstack.py:stack", "does not import: no module named 'goodstack.py' (a module's import path, not a file: "
                           "'goodstack:stack')"),
], ids=["empty", "two colons", "dotted attribute", "a space", "a relative file", "a file under a directory",
        "an absolute file", "a file name"])
def test_a_malformed_stack_path_is_one_line(project: Path, capsys: pytest.CaptureFixture[str], path: str,
                                            message: str) -> None:
    """Never the project's own stack in place of an empty one, nor an import error for a path that is no module
    name."""
    before = read_tree(project / "out")
    assert run(project, ["generate", "--force", "--stack", path]) == 2
    err = stderr(project, capsys)
    assert message in err and err.count("\n") == 1, err
    assert read_tree(project / "out") == before


def test_a_syntax_error_in_a_package_names_the_module_by_its_path(project: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Python's own message names the file by its base name alone: two packages' stack.py would read alike."""
    (project / "fleet").mkdir()
    (project / "fleet" / "__init__.py").write_text("")
    (project / "fleet" / "stack.py").write_text("stack = [\n")
    assert run(project, ["generate", "--stack", "fleet.stack:stack"]) == 2
    err = stderr(project, capsys)
    assert "does not import: SyntaxError: '[' was never closed (at fleet/stack.py:1)" in err, err


def test_usage_error_exits_2(project: Path) -> None:
    assert run(project, ["generate", "--no-such-flag"]) == 2


def test_process_exit_status_and_no_traceback(project: Path) -> None:
    """The same through a real process: what a user's shell sees."""
    (project / "procstack.py").write_text(PRELUDE + '\nstack = ok_stack(services=(ok_service(rules=(ok_alert(severity="urgent"),)),))\n')  # noqa: E501
    proc = subprocess.run([sys.executable, "-m", "monitoring", "generate", "--stack", "procstack:stack"],
                          cwd=project, capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    line = PRELUDE.splitlines().index("    return Alert(**fields)") + 1  # the constructor call in ok_alert
    assert proc.stderr.strip() == (
        f"monitoring: error: alert 'AppErrors' (procstack.py:{line}): severity 'urgent' must be one of critical, "
        "warning, info"
    )
    assert proc.stdout == ""


def test_alert_that_ors_2000_selectors_generates(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expr = " or ".join(f'app_requests_total{{code="{i}"}}' for i in range(2000))
    (project / "bigstack.py").write_text(PRELUDE + f"\nstack = ok_stack(services=(ok_service(rules=(ok_alert(expr={expr!r}),)),))\n")  # noqa: E501
    sys.modules.pop("bigstack", None)
    assert run(project, ["generate", "--stack", "bigstack:stack"]) == 0, capsys.readouterr().err
    assert expr in (project / "out" / "prometheus" / "rules" / "app.rules.yml").read_text()


@pytest.mark.parametrize(("out", "message"), [
    ("afile", "afile is a file, not a directory"),
    ("afile/sub", "afile is a file, not a directory"),
    ("/proc/monitoring-out", "the output to /proc/monitoring-out: "),
    ("/proc/self/status/out", "/status is a file, not a directory"),
], ids=["at a file", "under a file", "under /proc", "under a file in /proc"])
@pytest.mark.parametrize("check", [False, True], ids=["generate", "generate --check"])
def test_out_that_cannot_be_written_is_one_line(project: Path, capsys: pytest.CaptureFixture[str], out: str,
                                                message: str, check: bool) -> None:
    (project / "afile").write_text("not a directory\n")
    before = read_tree(project / "out")
    target = out if out.startswith("/") else str(project / out)
    status = run(project, ["generate", "--out", target, *(["--check"] if check else [])])
    err = capsys.readouterr().err
    if check and out == "/proc/monitoring-out":
        assert status == 1  # nothing there yet: the whole output is missing, which --check reports
        return
    assert status == 2
    assert message in err
    assert err.count("\n") == 1, err
    assert read_tree(project / "out") == before
    assert (project / "afile").read_text() == "not a directory\n"


OPENSLO_SLO = ("apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: search\nspec:\n  service: shop\n"
               "  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.99\n")
OPENSLO_SLI = ("  indicatorRef: i\n---\napiVersion: openslo/v1\nkind: SLI\nmetadata: {name: i}\nspec:\n"
               "  ratioMetric:\n    bad: {metricSource: {type: Prometheus, spec: {query: 'x_total'}}}\n"
               "    total: {metricSource: {type: Prometheus, spec: {query: 'y_total'}}}\n")
PYRRA_SLO = ("apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata:\n  name: api\nspec:\n"
             "  target: '99.9'\n  window: 4w\n")
PYRRA_RATIO = ("  indicator:\n    ratio:\n      errors: {metric: 'http_requests_total{code=~\"5..\"}'}\n"
               "      total: {metric: http_requests_total}\n")
SLO_SPECS = [
    ("Sloth spec that is not YAML", "version: [", "not YAML"),
    ("Sloth spec without an objective", 'version: "prometheus/v1"\nservice: app\nslos:\n  - name: avail\n'
     '    sli: {events: {error_query: "sum(rate(x[{{.window}}]))", total_query: "sum(rate(y[{{.window}}]))"}}\n',
     "slos[0].objective is required"),
    ("Sloth spec with slos not a list", 'version: "prometheus/v1"\nservice: app\nslos: {name: avail}\n',
     "slos must be a list"),
    ("Sloth raw error-ratio SLI", 'version: "prometheus/v1"\nservice: app\nslos:\n  - name: avail\n'
     '    objective: 99.9\n    sli: {raw: {error_ratio_query: "x"}}\n', "slos[0].sli.raw is not supported"),
    ("Sloth field this importer does not know", 'version: "prometheus/v1"\nservice: app\nslos:\n  - name: avail\n'
     '    objective: 99.9\n    budgeting: occurrences\n'
     '    sli: {events: {error_query: "sum(rate(x[{{.window}}]))", total_query: "sum(rate(y[{{.window}}]))"}}\n',
     "slos[0].budgeting is not supported: this importer does not know the field"),
    ("Sloth query with an unknown placeholder", 'version: "prometheus/v1"\nservice: app\nslos:\n  - name: avail\n'
     '    objective: 99.9\n'
     '    sli: {events: {error_query: "sum(rate(x[{{.win}}]))", total_query: "sum(rate(y[{{.window}}]))"}}\n',
     "unknown placeholder {{win}}"),
    ("a spec of another tool", "apiVersion: example.com/v1\nkind: Objective\nmetadata: {name: x}\n",
     "spec.yml:1: the document is not a spec this importer reads"),
    ("Sloth spec that is not YAML", 'version: "prometheus/v1"\nservice: app\nslos:\n  - name: [avail\n',
     "spec.yml:5: not YAML"),
    ("OpenSLO SLI on another data source", OPENSLO_SLO + "  indicator:\n    metadata: {name: i}\n    spec:\n"
     "      ratioMetric:\n        bad: {metricSource: {type: Datadog, spec: {query: 'x'}}}\n"
     "        total: {metricSource: {type: Datadog, spec: {query: 'y'}}}\n",
     "spec.yml:15: spec.indicator.spec.ratioMetric.total.metricSource.type is not supported: 'Datadog'"),
    ("OpenSLO ratio-timeslice budgeting", OPENSLO_SLO.replace("Occurrences", "RatioTimeslices") + OPENSLO_SLI,
     "spec.yml:7: spec.budgetingMethod is not supported: 'RatioTimeslices'"),
    ("OpenSLO reference to an SLI nobody defined", OPENSLO_SLO + "  indicatorRef: elsewhere\n",
     "spec.yml:10: spec.indicatorRef 'elsewhere' names no SLI in the files read"),
    ("OpenSLO objectives not a list", OPENSLO_SLO.replace("  objectives:\n    - target: 0.99\n",
                                                          "  objectives: 0.99\n") + OPENSLO_SLI,
     "spec.yml:8: spec.objectives must be a list"),
    ("OpenSLO alert condition below a threshold", OPENSLO_SLO + OPENSLO_SLI.replace(
        "---", "  alertPolicies:\n    - kind: AlertPolicy\n      metadata: {name: p}\n      spec:\n"
        "        conditions:\n          - kind: AlertCondition\n            metadata: {name: c}\n"
        "            spec: {severity: page, condition: {op: lt, threshold: 2, lookbackWindow: 1h}}\n---"),
     "spec.alertPolicies[0].spec.conditions[0].spec.condition.op is not supported: 'lt'"),
    ("Pyrra native-histogram latency SLI", PYRRA_SLO + "  indicator:\n    latencyNative: {latency: 1s}\n",
     "spec.yml:9: spec.indicator.latencyNative is not supported: native-histogram latency SLIs are not supported "
     "yet"),
    ("Pyrra target that is not a number", PYRRA_SLO.replace("'99.9'", "high") + PYRRA_RATIO,
     "spec.yml:6: spec.target must be a percentage like '99.9'"),
    ("Pyrra window in months", PYRRA_SLO.replace("4w", "1M") + PYRRA_RATIO,
     "spec.yml:7: spec.window '1M' is not supported: a rolling period is a whole number of days or weeks"),
    ("Pyrra field this importer does not know", PYRRA_SLO + PYRRA_RATIO + "  partialResponseStrategy: warn\n",
     "spec.yml:12: spec.partialResponseStrategy is not supported: this importer does not know the field"),
]


@pytest.mark.parametrize(("description", "text", "message"), SLO_SPECS, ids=[c[0] for c in SLO_SPECS])
def test_bad_slo_spec_is_one_clear_line(project: Path, capsys: pytest.CaptureFixture[str], description: str,
                                        text: str, message: str) -> None:
    before = read_tree(project / "out")
    (project / "spec.yml").write_text(text)
    status = run(project, ["import-slo", str(project / "spec.yml"), "--directory", str(project / "slos")])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and "spec.yml" in err, err
    assert err.count("\n") == 1, err
    assert not (project / "slos").exists()
    assert read_tree(project / "out") == before


STACK_LOADING = [
    ("a stack module that calls sys.exit(0)", "import sys\nsys.exit(0)\n",
     "stack 'badstack:stack' does not import: it exits (SystemExit(0)) (at badstack.py:2)"),
    ("a stack module that calls sys.exit(3)", "raise SystemExit(3)\n", "it exits (SystemExit(3))"),
    ("a stack module that calls exit() with a message", "import sys\nsys.exit('bye')\n",
     "it exits (SystemExit('bye'))"),
    ("a stack factory that raises", "def stack():\n    raise RuntimeError('no database')\n",
     "stack 'badstack:stack': the factory stack() failed: RuntimeError: no database (at badstack.py:2)"),
    ("a stack factory that exits", "import sys\ndef stack():\n    sys.exit(0)\n",
     "the factory stack() failed: it exits (SystemExit(0))"),
    ("a YAML error while importing",
     "import yaml\nyaml.safe_load('a: [1, 2\\nb: {')\n", "does not import: ParserError: while parsing a flow sequence"),
    ("an exception whose message spans lines", "raise ValueError('first\\nsecond\\n\\nthird')\n",
     "does not import: ValueError: first second third"),
    ("an import error inside the stack module", "import no_such_dependency_xyz\n",
     "ModuleNotFoundError: No module named 'no_such_dependency_xyz' (at badstack.py:1)"),
    ("an exception quoting a URL with credentials",
     "raise ConnectionError('cannot reach https://admin:s3cret@db.example.com/x')\n",
     "ConnectionError: cannot reach https://***@db.example.com/x"),
    ("a stack module with a syntax error", "stack = (\n", "does not import: SyntaxError"),
    ("a stack that recurses forever", "def f():\n    return f()\nstack = f()\n", "RecursionError"),
    ("a module whose __getattr__ raises", "def __getattr__(name):\n    raise RuntimeError('lazy')\n",
     "stack 'badstack:stack': reading 'stack' of module 'badstack' failed: RuntimeError: lazy (at badstack.py:2)"),
    ("an exception that cannot be printed",
     "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\nraise Odd()\n",
     "does not import: Odd: <Odd that cannot be shown: RuntimeError> (at badstack.py:4)"),
    ("a module importing a missing module whose name begins the stack's", "import badst\n",
     "stack 'badstack:stack' does not import: ModuleNotFoundError: No module named 'badst' (at badstack.py:1)"),
    ("a syntax error, at its path and line", "x = 1\nstack = (\n",
     "does not import: SyntaxError: '(' was never closed (at badstack.py:2)"),
    ("the Stack class itself", "from monitoring import Stack as stack\n",
     "stack 'badstack:stack' is the class Stack, not a monitoring.Stack: name an instance, or a function that "
     "returns one"),
    ("a subclass of Stack", "from monitoring import Stack\nclass stack(Stack):\n    pass\n",
     "stack 'badstack:stack' is the class stack, not a monitoring.Stack"),
    ("None", "stack = None\n", "stack 'badstack:stack' is None, not a monitoring.Stack"),
    ("a module that exits with a value that cannot be printed",
     "class Odd:\n    def __repr__(self):\n        raise RuntimeError('no')\nraise SystemExit(Odd())\n",
     "it exits (SystemExit(<Odd that cannot be shown: RuntimeError>)) (at badstack.py:4)"),
]


@pytest.mark.parametrize(("description", "code", "message"), STACK_LOADING, ids=[c[0] for c in STACK_LOADING])
@pytest.mark.parametrize("command", [["generate"], ["generate", "--check"]])  # validate never imports the stack
def test_stack_loading_failure_is_exit_2_and_one_line(project: Path, capsys: pytest.CaptureFixture[str],
                                                      description: str, code: str, message: str,
                                                      command: list[str]) -> None:
    before = read_tree(project / "out")
    (project / "badstack.py").write_text(code)
    sys.modules.pop("badstack", None)
    status = run(project, [*command, "--stack", "badstack:stack"])
    err = stderr(project, capsys)
    assert status == 2, err
    assert message in err
    assert err.count("\n") == 1, err
    assert "s3cret" not in err
    assert read_tree(project / "out") == before


# os._exit would end the process at once, with the status it was given (0: a silent pass, nothing written). Each
# case runs the command in a process of its own: were the guard gone, it would end the test run instead.
ENDING_THE_PROCESS = [
    ("a stack module that calls os._exit(0)", "import os\nos._exit(0)\n",
     "stack 'badstack:stack' does not import: it exits (os._exit(0)) (at badstack.py:2); a stack module must not "
     "end the process"),
    ("a stack factory that calls os._exit(1)", "import os\ndef stack():\n    os._exit(1)\n",
     "the factory stack() failed: it exits (os._exit(1)) (at badstack.py:3)"),
    ("a process the stack forks exits as its own code says",
     "import os\npid = os.fork()\nif pid == 0:\n    os._exit(7)\n"
     "raise ValueError(f'its child ended with {os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}')\n",
     "does not import: ValueError: its child ended with 7 (at badstack.py:5)"),
]


@pytest.mark.parametrize(("description", "code", "message"), ENDING_THE_PROCESS,
                         ids=[c[0] for c in ENDING_THE_PROCESS])
def test_a_stack_that_ends_the_process_is_exit_2_and_one_line(project: Path, description: str, code: str,
                                                             message: str) -> None:
    before = read_tree(project / "out")
    (project / "badstack.py").write_text(code)
    proc = subprocess.run([sys.executable, "-m", "monitoring", "generate", "--stack", "badstack:stack"],
                          cwd=project, capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert read_tree(project / "out") == before


@pytest.mark.parametrize(("content", "message"), [
    ("[tool.monitoring\nstack = 1\n", "pyproject.toml: is not valid TOML: "),
    (b"\xff\xfe[tool]\n", "pyproject.toml: is not UTF-8 text"),
], ids=["malformed", "not UTF-8"])
def test_malformed_pyproject_names_the_file(project: Path, content: str | bytes, message: str) -> None:
    path = project / "pyproject.toml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    # The command line's own lookup of pyproject.toml from the working directory: a real process run there.
    proc = subprocess.run([sys.executable, "-m", "monitoring", "generate"], cwd=project, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2
    err = proc.stderr
    assert f"{path}: " in err and message in err
    assert err.count("\n") == 1, err


@pytest.mark.parametrize(("code", "said"), [
    ("import sys\nsys.exit(0)\n", "custom dashboard dashboards/quits.dashboard.py: SystemExit: 0 (line 2)"),
    ("import os\nos._exit(0)\n", "custom dashboard dashboards/quits.dashboard.py: it exits (os._exit(0)) (line 2); "
                                  "a dashboard file must not end the process"),
], ids=["sys.exit", "os._exit"])
def test_dashboard_file_that_exits_is_an_error(project: Path, code: str, said: str) -> None:
    before = read_tree(project / "out")
    (project / "dashboards").mkdir()
    (project / "dashboards" / "quits.dashboard.py").write_text(code)
    # In a process of its own, as above.
    proc = subprocess.run([sys.executable, "-m", "monitoring", "generate"], cwd=project, capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    assert said in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert read_tree(project / "out") == before


# --- the live commands: Prometheus' address and the range are checked, failures are one line, exit 2 ---------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends: nothing listens there


@contextlib.contextmanager
def _answering(status: int, body: bytes) -> Iterator[str]:
    """A local HTTP server that answers every request with status and body."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


LIVE_CASES = [
    ("unreachable Prometheus", ["check", "--prometheus", "http://127.0.0.1:{closed}"],
     "Prometheus at http://127.0.0.1:{closed} is unreachable (connection failed)"),
    ("unreachable Prometheus, backtest", ["backtest", "--prometheus", "http://127.0.0.1:{closed}", "--range", "1d"],
     "Prometheus at http://127.0.0.1:{closed} is unreachable (connection failed)"),
    ("bad --range", ["backtest", "--prometheus", "http://127.0.0.1:{closed}", "--range", "7 days"],
     "--range: invalid duration '7 days'"),
    ("zero --range", ["backtest", "--prometheus", "http://127.0.0.1:{closed}", "--range", "0d"],
     "--range: duration '0d' must be greater than zero"),
    ("bad --lookback", ["check", "--prometheus", "http://127.0.0.1:{closed}", "--lookback", "an hour"],
     "--lookback: invalid duration 'an hour'"),
    ("URL without a scheme", ["check", "--prometheus", "localhost:9090"],
     "--prometheus 'localhost:9090' must be an http(s) URL such as http://localhost:9090"),
    ("credentials in the URL", ["check", "--prometheus", "http://admin:secret@127.0.0.1:9090"],
     "--prometheus must not carry credentials: set PROMETHEUS_TOKEN or PROMETHEUS_TOKEN_FILE"),
    # Never shown before it is known to carry no credentials.
    ("credentials in a URL of another scheme", ["check", "--prometheus", "ftp://admin:secret@127.0.0.1"],
     "--prometheus must not carry credentials"),
    ("a malformed IPv6 host", ["check", "--prometheus", "http://admin:secret@[::1"],
     "--prometheus does not parse: Invalid IPv6 URL (the value is not shown)"),
    ("a port out of range", ["backtest", "--prometheus", "http://127.0.0.1:99999", "--range", "1h"],
     "--prometheus does not parse: Port out of range 0-65535 (the value is not shown)"),
    ("a line break in the URL", ["check", "--prometheus", "http://admin:secret@127.0.0.1\nX-Evil: 1"],
     "--prometheus contains a space or a control character (the value is not shown)"),
    ("401 from Prometheus", ["check", "--prometheus", "{401}"],
     "Prometheus at {401} refused the request (401): set PROMETHEUS_TOKEN or PROMETHEUS_TOKEN_FILE to a token it "
     "accepts"),
    ("not Prometheus", ["backtest", "--prometheus", "{html}", "--range", "1h"],
     "Prometheus at {html} answered /api/v1/query with HTTP 200 and no JSON: is this Prometheus' address?"),
    # The CI gate's live step: the URL and the lookback are refused before anything runs, an unreachable or
    # refusing server after the offline steps, as the step that could not run.
    ("ci: URL without a scheme", ["ci", "--prometheus", "localhost:9090"],
     "--prometheus 'localhost:9090' must be an http(s) URL such as http://localhost:9090"),
    ("ci: bad --lookback", ["ci", "--prometheus", "http://127.0.0.1:{closed}", "--lookback", "soon"],
     "--lookback: invalid duration 'soon'"),
    ("ci: unreachable Prometheus", ["ci", "--prometheus", "http://127.0.0.1:{closed}", "--format", "junit"],
     "Prometheus at http://127.0.0.1:{closed} is unreachable (connection failed)"),
    ("import: unreachable Prometheus for metric types",
     ["import", "--prometheus", "http://127.0.0.1:{closed}", "rules.yml"],
     "Prometheus at http://127.0.0.1:{closed} is unreachable (connection failed)"),
    ("ci: 401 from Prometheus", ["ci", "--prometheus", "{401}", "--format", "json"],
     "Prometheus at {401} refused the request (401): set PROMETHEUS_TOKEN or PROMETHEUS_TOKEN_FILE to a token it "
     "accepts"),
]


@pytest.mark.parametrize(("description", "argv", "message"), LIVE_CASES, ids=[c[0] for c in LIVE_CASES])
def test_live_command_bad_input_is_one_line(project: Path, capsys: pytest.CaptureFixture[str], description: str,
                                            argv: list[str], message: str) -> None:
    before = read_tree(project / "out")
    closed = str(_closed_port())
    with _answering(401, b"Unauthorized") as denied, _answering(200, b"<html>Grafana</html>") as html:
        def fill(text: str) -> str:
            return text.replace("{closed}", closed).replace("{401}", denied).replace("{html}", html)

        status = run(project, [fill(a) for a in argv])
    err = capsys.readouterr().err
    assert status == 2, err
    assert err.startswith(f"monitoring: error: {fill(message)}") and err.count("\n") == 1, err
    assert "Traceback" not in err and "secret" not in err
    assert read_tree(project / "out") == before
