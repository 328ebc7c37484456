"""The files `monitoring init` writes. `{name}` and `{distribution}` are filled in for those in FORMATTED."""

PYPROJECT = '''\
[project]
name = "{name}"
version = "0.1.0"
description = "Monitoring for {name}: Prometheus, Alertmanager and Grafana from Python definitions"
requires-python = ">=3.11"
dependencies = ["{distribution}"]

[tool.setuptools]
packages = []

[tool.monitoring]
stack = "alerts.stack:stack"
out = "out"
dashboards = "dashboards"
alert_tests = "alerts/tests"
# What messages and the headers of generated files tell you to run after changing a definition.
regenerate = "monitoring generate"
'''

STACK = '''\
"""The stack: one service, the metrics it exposes, an alert with its test, an SLO and the routing.

Change it, then run `monitoring generate`; `monitoring ci` checks everything the way CI does.
"""

from monitoring import (
    SLO,
    Alert,
    AlertScenario,
    Counter,
    Histogram,
    InputSeries,
    RatioSLI,
    Receiver,
    Route,
    RouteTest,
    Routing,
    RuleGroup,
    ScrapeJob,
    Service,
    SLOAlerting,
    Stack,
    StaticConfig,
    Webhook,
)

REQUESTS = "app_http_requests_total"

app = Service(
    name="app",
    description="The application: an HTTP server.",
    metrics=(
        Counter(name=REQUESTS, help="HTTP requests served, by status code.", labels=("code",)),
        Histogram(
            name="app_http_request_duration_seconds",
            unit="seconds",
            help="Time to answer an HTTP request.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5),
        ),
    ),
    scrape_jobs=(ScrapeJob(name="app", static_configs=(StaticConfig(targets=("app:8000",)),)),),
    rule_groups=(
        RuleGroup(
            name="app.alerts",
            rules=(
                Alert(
                    name="AppHighErrorRate",
                    expr=f'sum(rate({{REQUESTS}}{{{{code=~"5.."}}}}[5m])) / sum(rate({{REQUESTS}}[5m])) > 0.05',
                    for_="5m",
                    severity="critical",
                    summary="The app fails more than 5% of its requests.",
                    description="{{{{ $value | humanizePercentage }}}} of requests fail with a 5xx status.",
                    # The generated promtool tests: it fires at 10% errors, stays silent at 4% and when healthy.
                    test=AlertScenario(
                        firing=(
                            InputSeries(series=f'{{REQUESTS}}{{{{code="500"}}}}', rate=1),
                            InputSeries(series=f'{{REQUESTS}}{{{{code="200"}}}}', rate=9),
                        ),
                        value=0.1,
                        below=(
                            InputSeries(series=f'{{REQUESTS}}{{{{code="500"}}}}', rate=0.4),
                            InputSeries(series=f'{{REQUESTS}}{{{{code="200"}}}}', rate=9.6),
                        ),
                        healthy=(InputSeries(series=f'{{REQUESTS}}{{{{code="200"}}}}', rate=10),),
                    ),
                ),
            ),
        ),
    ),
)

stack = Stack(
    name="{name}",
    runbook_url_pattern="https://runbooks.example.com/{{service}}/{{alertname}}",
    services=(app,),
    slos=(
        SLO(
            name="availability",
            service="app",
            objective="99.9",
            description="Requests answered without a server error",
            sli=RatioSLI(errors=f'{{REQUESTS}}{{{{code=~"5.."}}}}', total=REQUESTS),
            alerting=SLOAlerting(name="AppAvailability"),
        ),
    ),
    routing=Routing(
        route=Route(receiver="default", group_by=("alertname",)),
        receivers=(Receiver(name="default", webhooks=(Webhook(url="http://alert-receiver:5001/alerts"),)),),
        tests=(RouteTest(labels={{"alertname": "AppHighErrorRate", "severity": "critical"}}, receivers=("default",)),),
    ),
)
'''

ALERT_TEST = '''\
# A hand-written promtool test of AppHighErrorRate, next to the ones `monitoring generate` writes from its
# scenario: 10% of requests fail for 10 minutes, so the alert fires once its 5 minutes of `for` have passed.
rule_files:
  - ../../out/prometheus/rules/app.rules.yml
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'app_http_requests_total{code="500"}'
        values: '0+60x15'
      - series: 'app_http_requests_total{code="200"}'
        values: '0+540x15'
    alert_rule_test:
      - eval_time: 3m
        alertname: AppHighErrorRate
        exp_alerts: []
      - eval_time: 12m
        alertname: AppHighErrorRate
        exp_alerts:
          - exp_labels: {severity: critical}
            exp_annotations:
              summary: The app fails more than 5% of its requests.
              description: 10% of requests fail with a 5xx status.
              runbook_url: https://runbooks.example.com/app/AppHighErrorRate
'''

DASHBOARD = '''\
"""A dashboard of your own, next to the ones generated for every service and SLO.

Every `dashboards/*.dashboard.py` defines `dashboard`: a monitoring.Dashboard, a grafanalib Dashboard or
Grafana JSON (a dict).
"""

from monitoring import Dashboard, Panel, PanelQuery

dashboard = Dashboard(
    name="App traffic",
    uid="app-traffic",
    panels=(
        Panel(
            title="Requests per second by status code",
            unit="reqps",
            width=24,
            queries=(
                PanelQuery(
                    expr='sum by (code) (rate(app_http_requests_total{job=~"$job"}[$__rate_interval]))',
                    legend="{{code}}",
                ),
            ),
        ),
    ),
)
'''

MAKEFILE = '''\
# Shortcuts; each target is one `monitoring` command (pip install {distribution} first).
MONITORING ?= monitoring

.PHONY: generate ci validate test tools

generate:
\t$(MONITORING) generate

# What CI runs: the output is up to date, passes promtool, amtool and the lint checks, and the alert tests pass.
ci:
\t$(MONITORING) ci

validate:
\t$(MONITORING) validate

test:
\t$(MONITORING) test

# promtool, amtool, Prometheus and Alertmanager (apt-get as root on Debian and Ubuntu).
tools:
\t$(MONITORING) tools --install
'''

WORKFLOW = '''\
# Checks the monitoring definitions on every push and pull request.
name: monitoring
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install {distribution}
      - run: sudo apt-get update && sudo apt-get install -y prometheus prometheus-alertmanager
      # generate --check, validate and test in one gate; failures are annotated at the Python definition.
      - run: monitoring ci --format github
      - run: monitoring ci --format junit --output monitoring-junit.xml
        if: always()
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: monitoring-junit
          path: monitoring-junit.xml
'''

PRE_COMMIT = '''\
# pre-commit install: then every commit checks that out/ is regenerated and valid.
repos:
  - repo: local
    hooks:
      - id: monitoring-generate-check
        name: out/ is up to date with the definitions
        entry: monitoring generate --check
        language: system
        pass_filenames: false
      - id: monitoring-validate
        name: out/ passes promtool, amtool and the lint checks
        entry: monitoring validate
        language: system
        pass_filenames: false
'''

README = '''\
# {name}: monitoring as code

The definitions are Python (`alerts/stack.py`, `dashboards/`); `out/` is generated from them.

    pip install {distribution}
    monitoring generate      # write out/: Prometheus config and rules, Alertmanager config, dashboards, tests
    monitoring validate      # promtool, amtool and the lint checks over out/
    monitoring test          # the promtool unit tests: generated ones and those in alerts/tests/
    monitoring ci            # all three, as CI runs them (--format json|junit|github for machines)
'''

FILES = {
    "pyproject.toml": PYPROJECT,
    "README.md": README,
    "alerts/__init__.py": "",
    "alerts/stack.py": STACK,
    "alerts/tests/app-high-error-rate.yml": ALERT_TEST,
    "dashboards/app.dashboard.py": DASHBOARD,
    "Makefile": MAKEFILE,
    ".github/workflows/monitoring.yml": WORKFLOW,
    ".pre-commit-config.yaml": PRE_COMMIT,
}
FORMATTED = {"pyproject.toml", "README.md", "alerts/stack.py", "Makefile", ".github/workflows/monitoring.yml"}
