"""Bad Kubernetes definitions: one line naming the definition, exit 2, no traceback, out/ untouched."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.test_bad_input import PRELUDE, assert_one_clear_line, project  # noqa: F401 - project is a fixture

KUBE_PRELUDE = PRELUDE + '''
from monitoring.model.kubernetes_output import KubernetesOutput, TeamReceiver, TeamRouting

def pod_sd(**overrides):
    fields = dict(namespaces=("shop",), app="app", port="metrics")
    fields.update(overrides)
    return KubernetesSDConfig(**fields)

def pod_job(**overrides):
    fields = dict(name="app", kubernetes_sd_configs=(pod_sd(),))
    fields.update(overrides)
    return ScrapeJob(**fields)

def kube_stack(jobs=None, **overrides):
    return ok_stack(services=(ok_service(jobs=jobs or (pod_job(),)),), kubernetes=KubernetesOutput(**overrides))
'''

CASES = [
    ("namespace that is not a DNS-1123 label",
     'stack = kube_stack(jobs=(pod_job(kubernetes_sd_configs=(pod_sd(namespaces=("Shop_Prod",)),)),))',
     "kubernetes_sd_config {at}: namespaces[0]: Kubernetes name 'Shop_Prod' must be a DNS-1123 label"),
    ("namespace of 64 characters",
     'stack = kube_stack(jobs=(pod_job(kubernetes_sd_configs=(pod_sd(namespaces=("a" * 64,)),)),))',
     "must be a DNS-1123 label: at most 63 lower-case letters"),
    ("a pod job with no selector",
     'stack = kube_stack(jobs=(pod_job(kubernetes_sd_configs=(pod_sd(app=None),)),))',
     "kubernetes_sd_config {at}: role pod needs a selector (app, match_labels or match_expressions)"),
    ("a pod job with no port",
     'stack = kube_stack(jobs=(pod_job(kubernetes_sd_configs=(pod_sd(port=None),)),))',
     "role pod needs port, the name of the metrics port"),
    ("a secret given inline",
     'stack = kube_stack(jobs=(pod_job(bearer_token="s3cr3t-t0ken"),))',
     "bearer_token is a secret and cannot be inline: use bearer_token_file"),
    ("a monitor whose token is a file only",
     'stack = kube_stack(jobs=(pod_job(bearer_token_file="/etc/prometheus/token"),))',
     "scrape job 'app' {at}: a monitor reads the bearer token only from a Secret: set bearer_token_secret"),
    ("a selector label that the relabelling drops",
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(expr=\'rate(app_requests_total{code="500"}[5m]) > 1\'),), jobs=(ok_job(metric_relabel_configs=(RelabelConfig(action="labeldrop", regex="code"),)),)),))',  # noqa: E501
     "alert 'AppErrors' {at}: expr selects on label 'code', which scrape job 'app' drops (labeldrop 'code')"),
    ("a monitor name that is not a Kubernetes name",
     'stack = kube_stack(jobs=(pod_job(name="App_Pods"),))',
     "scrape job 'App_Pods' {at}: the name becomes the monitor's: Kubernetes object name 'App_Pods'"),
    ("a probe name that is not a Kubernetes name",
     'stack = ok_stack(services=(Service(name="app", metrics=ok_metrics(), scrape_jobs=(pod_job(),), probes=(Probe(name="App_Ready", module="http_ready", targets=("http://app:8080/ready",)),)),), kubernetes=KubernetesOutput())',  # noqa: E501
     "probe 'App_Ready' {at}: the name becomes the Probe resource's: Kubernetes object name 'App_Ready'"),
    ("a probe name too long for a Kubernetes name",
     'stack = ok_stack(services=(Service(name="app", metrics=ok_metrics(), scrape_jobs=(pod_job(),), probes=(Probe(name="a" * 58 + "-ready", module="http_ready", targets=("http://app:8080/ready",)),)),), kubernetes=KubernetesOutput())',  # noqa: E501
     "the name becomes the Probe resource's: Kubernetes object name 'aaaa"),
    ("static targets with the Kubernetes output",
     'stack = kube_stack(jobs=(ok_job(),))',
     "scrape job 'app' {at}: static or file targets have no monitor form"),
    ("output namespace in capitals",
     'stack = kube_stack(namespace="Monitoring")',
     "kubernetes output {at}: namespace: Kubernetes name 'Monitoring' must be a DNS-1123 label"),
    ("a resource label value with a space",
     'stack = kube_stack(labels={"release": "kube prometheus"})',
     "Kubernetes label value 'kube prometheus' must be at most 63 letters"),
    ("a label key with two slashes",
     'stack = kube_stack(jobs=(pod_job(kubernetes_sd_configs=(pod_sd(match_labels={"a/b/c": "x"}),)),))',
     "Kubernetes label key 'a/b/c' must be [prefix/]name"),
    ("In without values",
     'stack = kube_stack(jobs=(pod_job(kubernetes_sd_configs=(pod_sd(match_expressions=(LabelRequirement(key="tier", operator="In"),)),)),))',  # noqa: E501
     "label requirement {at}: operator In needs values"),
    ("a Secret name with a space",
     'stack = kube_stack(jobs=(pod_job(bearer_token_file="/t", bearer_token_secret=SecretKeyRef(name="my secret", key="t")),))',  # noqa: E501
     "secret key reference 'my secret' {at}: Kubernetes object name 'my secret'"),
    ("team routing to a receiver it does not define",
     'stack = kube_stack(team_routing=(TeamRouting(name="shop", namespace="shop", receiver="pager", receivers=(TeamReceiver(name="chat", webhook_url=SecretKeyRef(name="s", key="k")),)),))',  # noqa: E501
     "team routing 'shop' {at}: receiver 'pager' is not among receivers (chat)"),
    ("a kubelet (role node) job whose token is a file only",
     'stack = kube_stack(jobs=(pod_job(name="kubelet", scheme="https", bearer_token_file="/var/run/secrets/token", kubernetes_sd_configs=(KubernetesSDConfig(role="node"),)),))',  # noqa: E501
     "scrape job 'kubelet' {at}: a monitor reads the bearer token only from a Secret: set bearer_token_secret"),
    ("a kubelet (role node) job whose CA is a file only",
     'stack = kube_stack(jobs=(pod_job(name="kubelet", scheme="https", tls_config=TLSConfig(ca_file="/var/run/secrets/ca.crt"), kubernetes_sd_configs=(KubernetesSDConfig(role="node"),)),))',  # noqa: E501
     "scrape job 'kubelet' {at}: a monitor reads TLS files only from Secrets: set ca_secret"),
    ("a role service job with no selector",
     'stack = kube_stack(jobs=(pod_job(kubernetes_sd_configs=(KubernetesSDConfig(role="service", namespaces=("shop",), port="metrics"),)),))',  # noqa: E501
     "kubernetes_sd_config {at}: role service needs a selector (app, match_labels or match_expressions)"),
    ("a role node job limited to namespaces",
     'stack = kube_stack(jobs=(pod_job(kubernetes_sd_configs=(KubernetesSDConfig(role="node", namespaces=("shop",)),)),))',  # noqa: E501
     "kubernetes_sd_config {at}: role node takes no namespaces, port or container"),
    ("a service label alerts set themselves",
     'stack = ok_stack(services=(Service(name="app", labels={"severity": "low"}),))',
     "labels: 'severity' is set by each alert or SLO, not by the service"),
]


@pytest.mark.parametrize(("description", "code", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_kubernetes_definition_is_one_clear_line(project: Path, capsys: pytest.CaptureFixture[str],  # noqa: F811
                                                     description: str, code: str, message: str) -> None:
    assert_one_clear_line(project, capsys, KUBE_PRELUDE + "\n" + textwrap.dedent(code) + "\n", message)
