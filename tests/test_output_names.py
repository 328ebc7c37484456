"""Output names that two definitions would share: found by Stack.check() before anything renders, one line naming
both definitions and where each was made, exit 2, out/ untouched; stacks whose names do not clash generate, and
every file they generate for a definition is one the check knew of."""

from __future__ import annotations

import textwrap
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st

from monitoring import (
    SLO,
    Alert,
    Counter,
    Dashboard,
    HorizontalPodAutoscaler,
    KubernetesOutput,
    Panel,
    PanelQuery,
    RatioSLI,
    Receiver,
    Route,
    Routing,
    RuleGroup,
    SecretKeyRef,
    Service,
    Stack,
    TeamReceiver,
    TeamRouting,
    Webhook,
)
from monitoring.errors import DefinitionError
from monitoring.model import output_names
from monitoring.output.emitters import GenerateContext, render_files
from tests.test_bad_input import PRELUDE, assert_one_clear_line, project  # noqa: F401 - project is a fixture

CLASH_PRELUDE = PRELUDE + '''
from monitoring.model.kubernetes_output import KubernetesOutput, TeamReceiver, TeamRouting

def plain_service(name):
    return Service(name=name, metrics=ok_metrics())

def slo(service, name):
    return SLO(name=name, service=service, objective="99",
               sli=RatioSLI(errors='app_requests_total{code="500"}', total="app_requests_total"))

def board(uid, name=None):
    return Dashboard(name=name or uid, uid=uid, panels=(Panel(title="Up", queries=(PanelQuery(expr="up"),)),))

def team(name, namespace):
    return TeamRouting(name=name, namespace=namespace, receiver="chat", receivers=(
        TeamReceiver(name="chat", webhook_url=SecretKeyRef(name="hooks", key="chat")),))

KUBE = KubernetesOutput()
'''

# (description, stack, message): {at} is where the definition the message starts with was made, and the message
# names the other definition with where it was made ("(badstack.py:<line>)", checked by the pattern).
CASES = [
    ("a service's PrometheusRule is an SLO's",
     'stack = ok_stack(services=(ok_service(name="shop-slo-orders", jobs=()), plain_service("shop")), '
     'slos=(slo("shop", "orders"),), kubernetes=KUBE)',
     "slo 'orders' of service 'shop' {at}: its PrometheusRule kubernetes/prometheusrule-shop-slo-orders.yaml is also "
     "that of service 'shop-slo-orders' (badstack.py:"),
    ("two SLOs' PrometheusRules",
     'stack = ok_stack(services=(ok_service(name="a", jobs=()), plain_service("a-slo-b")), '
     'slos=(slo("a-slo-b", "c"), slo("a", "b-slo-c")), kubernetes=KUBE)',
     "slo 'b-slo-c' of service 'a' {at}: its PrometheusRule kubernetes/prometheusrule-a-slo-b-slo-c.yaml is also "
     "that of slo 'c' of service 'a-slo-b' (badstack.py:"),
    ("two teams' AlertmanagerConfigs of one name",
     'stack = ok_stack(services=(ok_service(jobs=()),), kubernetes=KubernetesOutput(team_routing=(team("shop", "a"), '
     'team("shop", "b"))))',
     "team routing 'shop' of namespace 'b' {at}: its AlertmanagerConfig kubernetes/alertmanagerconfig-shop.yaml is "
     "also that of team routing 'shop' of namespace 'a' (badstack.py:"),
    ("two dashboards' ConfigMaps (uids differing in case)",
     'stack = ok_stack(services=(ok_service(jobs=()),), dashboards=(board("Shop"), board("shop", "Shop 2")), '
     'kubernetes=KUBE)',
     "dashboard 'Shop 2' {at}: its ConfigMap kubernetes/configmap-dashboard-shop.yaml is also that of dashboard "
     "'Shop' (badstack.py:"),
    ("two dashboards' ConfigMaps (uids differing in - and _)",
     'stack = ok_stack(services=(ok_service(jobs=()),), dashboards=(board("a_b"), board("a-b", "a-b 2")), '
     'kubernetes=KUBE)',
     "dashboard 'a-b 2' {at}: its ConfigMap kubernetes/configmap-dashboard-a-b.yaml is also that of dashboard 'a_b' "
     "(badstack.py:"),
    # Grafana finds a title taken in a folder by its slug: 'a_b' and 'a-b' are one title.
    ("two dashboards' titles (one slug)",
     'stack = ok_stack(services=(ok_service(jobs=()),), dashboards=(board("a_b"), board("a-b")))',
     "dashboard 'a-b' {at}: its dashboard title 'a-b' in folder 'monitoring' is also the dashboard title 'a_b' in "
     "folder 'monitoring' of dashboard 'a_b' (badstack.py:"),
    ("a declared dashboard's uid is a service dashboard's",
     'stack = ok_stack(dashboards=(board("app-service"),))',
     "the dashboard of service 'app' {at}: its dashboard uid 'app-service' "
     "(grafana/dashboards/monitoring/app-service.json) is also that of dashboard 'app-service' (badstack.py:"),
    ("a declared dashboard's uid is an SLO dashboard's",
     'stack = ok_stack(dashboards=(board("app-slos"),), slos=(slo("app", "avail"),))',
     "the SLO dashboard of service 'app' {at}: its dashboard uid 'app-slos' "
     "(grafana/dashboards/monitoring/app-slos.json) is also that of dashboard 'app-slos' (badstack.py:"),
    ("a declared dashboard's uid is a calendar dashboard's",
     'stack = ok_stack(dashboards=(board("app-slo-budget-month-utc"),), slos=(SLO(name="avail", service="app", '
     'objective="99", calendar=CalendarPeriod(unit="month"), sli=RatioSLI(errors=\'app_requests_total{code="500"}\', '
     'total="app_requests_total")),))',
     "the monthly budget dashboard of slo 'avail' of service 'app' {at}: its dashboard uid 'app-slo-budget-month-utc'"),
    ("two services' HPAs of one name and namespace",
     'stack = ok_stack(services=(Service(name="a", autoscalers=(HorizontalPodAutoscaler(name="web", '
     'cpu_utilization=70),)), Service(name="b", autoscalers=(HorizontalPodAutoscaler(name="web", '
     'cpu_utilization=80),))))',
     "hpa 'web' {at}: its HPA manifest adapter/hpa/default.web.yml is also that of hpa 'web' (badstack.py:"),
]


@pytest.mark.parametrize(("description", "code", "message"), CASES, ids=[c[0] for c in CASES])
def test_clashing_output_names_are_one_clear_line(project: Path, capsys: pytest.CaptureFixture[str],  # noqa: F811
                                                  description: str, code: str, message: str) -> None:
    assert_one_clear_line(project, capsys, CLASH_PRELUDE + "\n" + textwrap.dedent(code) + "\n", message)


# --- any stack: a clash the check reports is one rendering would meet; without one, generate writes only files
# the check named -------------------------------------------------------------------------------------------------
# Names built from a few parts, so that derived names often meet: a-slo-b + c and a + b-slo-c, app + service...
_PARTS = ("a", "b", "slo")
_SLUGS = st.lists(st.sampled_from(_PARTS), min_size=1, max_size=3).map("-".join)
_ROUTING = Routing(route=Route(receiver="default"), receivers=(Receiver(name="default", webhooks=(
    Webhook(url="http://hook:9/"),)),))
_METRICS = (Counter(name="app_requests_total", help="Requests.", labels=("code",)),)


@st.composite
def stacks(draw: st.DrawFn) -> Stack:
    names = draw(st.lists(_SLUGS, min_size=1, max_size=4, unique=True))
    services = []
    for index, name in enumerate(names):
        metrics = _METRICS if draw(st.booleans()) else ()
        rules = (RuleGroup(name="app", rules=(Alert(
            name=f"App{index}Errors", severity="warning", expr="rate(app_requests_total[5m]) > 1", summary="Errors.",
            description="Errors."),)),) if metrics and draw(st.booleans()) else ()
        hpas = tuple(HorizontalPodAutoscaler(name=hpa, cpu_utilization=70)
                     for hpa in draw(st.lists(st.sampled_from(("web", "api", "db", "queue")), max_size=1)))
        services.append(Service(name=name, metrics=metrics, rule_groups=rules, autoscalers=hpas))
    with_metrics = [s.name for s in services if s.metrics]
    slos = []
    if with_metrics:
        # An SLO q of service p beside a service p-slo-q: their PrometheusRules meet.
        meeting = [(service, slo) for service, _, slo in (n.partition("-slo-") for n in names)
                   if slo and service in with_metrics]
        candidates = st.tuples(st.sampled_from(with_metrics), _SLUGS)
        if meeting:
            candidates |= st.sampled_from(meeting)
        pairs = draw(st.lists(candidates, max_size=4, unique=True))
        slos = [SLO(name=slo, service=service, objective="99",
                    sli=RatioSLI(errors='app_requests_total{code="500"}', total="app_requests_total"))
                for service, slo in pairs]
    derived = st.sampled_from(names).flatmap(lambda n: st.sampled_from((f"{n}-service", f"{n}-slos")))
    uids = draw(st.lists(_SLUGS | derived | st.sampled_from(("A", "a_b", "a-b")), max_size=3, unique=True))
    dashboards = tuple(Dashboard(name=f"Board {uid}", uid=uid, panels=(Panel(title="Up", queries=(
        PanelQuery(expr="up"),)),)) for uid in uids)
    kubernetes = None
    if draw(st.booleans()):
        teams = draw(st.lists(st.tuples(st.sampled_from(("shop", "ops")), st.sampled_from(("x", "y"))), max_size=2,
                              unique=True))
        kubernetes = KubernetesOutput(team_routing=tuple(TeamRouting(
            name=name, namespace=namespace, receiver="chat", receivers=(TeamReceiver(
                name="chat", webhook_url=SecretKeyRef(name="hooks", key="chat")),)) for name, namespace in teams))
    try:
        return Stack(name="any", services=tuple(services), routing=_ROUTING, slos=tuple(slos), dashboards=dashboards,
                     kubernetes=kubernetes)
    except DefinitionError as exc:
        if "duplicate alert name" not in str(exc):
            raise
        # Two SLOs whose derived alert names meet (slo 'a' of 'slo-a-b', slo 'b-a' of 'slo-a') are refused as the
        # stack is made, not by the check this test is about.
        reject()


# Files of the stack as a whole, not of one definition.
_SINGLE = ("prometheus/prometheus.yml", "alertmanager/alertmanager.yml", "grafana/folders.json",
           "adapter/prometheus-adapter.yml", "kubernetes/kustomization.yaml")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stacks())
def test_names_that_do_not_clash_generate_and_clashes_are_real(stack: Stack) -> None:
    try:
        stack.check()
    except DefinitionError as exc:
        assert "rename one of them" in str(exc), exc
        event(f"clash: {str(exc).split(': its ')[1].split(' ')[0]}")
        # Without the check, rendering meets the same clash (the emitters' own assertions stop it).
        with mock.patch("monitoring.model.stack.check_output_names"), pytest.raises(
                (DefinitionError, ValueError, RuntimeError)):
            render_files(stack, GenerateContext("any:stack"))
        return
    event(f"generated, {'with' if stack.kubernetes else 'without'} the Kubernetes output")
    files = render_files(stack, GenerateContext("any:stack"))
    outputs = list(output_names.outputs(stack))
    assert {Path(p).stem for p in files if p.startswith("grafana/dashboards/")} == \
        {o.key.removeprefix("uid:") for o in outputs if o.key.startswith("uid:")}
    named = {o.key for o in outputs}
    assert [p for p in files if not p.startswith(("grafana/dashboards/", *_SINGLE)) and p not in named] == []


def test_calendar_dashboards_of_zones_apart_by_their_sign_are_two() -> None:
    """Etc/GMT+1 and Etc/GMT-1 made one uid and one title slug: a service with SLOs in both calendars was refused
    with 'rename one of them', which no renaming could fix. A '+' is spelt out in both."""
    from monitoring import SLO, Service
    from monitoring.model.slo import CalendarPeriod, RatioSLI

    sli = RatioSLI(errors='app_requests_total{code="500"}', total="app_requests_total")
    stack = Stack(name="zones", routing=_ROUTING, services=(Service(name="app", metrics=_METRICS),), slos=tuple(
        SLO(name=name, service="app", objective="99", sli=sli, calendar=CalendarPeriod(unit="month", timezone=zone))
        for name, zone in (("east", "Etc/GMT+1"), ("west", "Etc/GMT-1"))))
    stack.check()
    files = render_files(stack, GenerateContext("zones:stack"))
    boards = sorted(p.rsplit("/", 1)[1] for p in files if "slo-budget" in p)
    assert boards == ["app-slo-budget-month-etc-gmt-1.json", "app-slo-budget-month-etc-gmt-plus-1.json"]
