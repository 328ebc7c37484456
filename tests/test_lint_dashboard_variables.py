import pytest

from monitoring.checks.lint import dashboard_variables
from tests.lint_cases import dashboard, messages, panel, target

CASES = [
    # Ceph's dashboards: `$1` is label_replace()'s regex group, which Grafana leaves alone.
    ("a regex group in label_replace", dashboard(panel(1, targets=[target(
        'label_replace(rate(up{job=~"$job"}[5m]), "host", "$1", "instance", "([^:]*).*")')])), []),
    ("defined and global variables", dashboard(panel(1, targets=[target(
        'sum(rate(http_requests_total{job=~"$job"}[$__rate_interval])) / ${__range_s}', legendFormat="{{job}}")])),
     []),
    ("undefined in a query", dashboard(panel(1, targets=[target('up{cluster="$cluster"}')])),
     ["d.json: panel 1 'Requests', field targets[0].expr: uses $cluster, which the dashboard does not define "
      "(defined: datasource, job), in 'up{cluster=\"$cluster\"}'"]),
    ("braces with a format, and the deprecated [[name]]",
     dashboard(panel(1, title="${region:text} [[zone]]")),
     ["d.json: panel 1 '${region:text} [[zone]]', field title: uses $region, which the dashboard does not define "
      "(defined: datasource, job), in '${region:text} [[zone]]'",
      "d.json: panel 1 '${region:text} [[zone]]', field title: uses $zone, which the dashboard does not define "
      "(defined: datasource, job), in '${region:text} [[zone]]'"]),
    ("data source variable missing", dashboard(panel(1), variables=("job",)),
     ["d.json: dashboard 'D', field templating.list[0].datasource.uid: uses $datasource, which the dashboard does "
      "not define (defined: job), in '${datasource}'",
      "d.json: panel 1 'Requests', field datasource.uid: uses $datasource, which the dashboard does not define "
      "(defined: job), in '${datasource}'",
      "d.json: panel 1 'Requests', field targets[0].datasource.uid: uses $datasource, which the dashboard does "
      "not define (defined: job), in '${datasource}'"]),
    ("repeat over an undefined variable", dashboard(panel(1, repeat="pod")),
     ["d.json: panel 1 'Requests', field repeat: repeats over 'pod', which the dashboard does not define "
      "(defined: datasource, job)"]),
    ("a regex end anchor is no variable", dashboard(panel(1, targets=[target('up{job=~"api$"}')])), []),
]


@pytest.mark.parametrize(("description", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_variables(description: str, data: dict, expected: list[str]) -> None:
    assert messages(dashboard_variables.CHECK, data) == expected
