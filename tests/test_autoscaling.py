"""The HPA's metric: recording rule, prometheus-adapter rules checked by parsing, HPA manifests checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitoring.checks import adapter as adapter_check
from monitoring.cli import main
from monitoring.errors import DefinitionError
from monitoring.model import CustomMetric, HorizontalPodAutoscaler, PodsMetricTarget, Stack
from monitoring.output.emitters import GenerateContext, render_files
from monitoring.output.files import write_tree
from monitoring.packs import mcp_capacity
from monitoring.project import Project, load_stack
from monitoring.render import adapter

ROOT = Path(__file__).resolve().parent.parent
# The deployment guide's HPA, as it is kept beside the tool.
SEED_HPA = """
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: mcp-server, namespace: mcp}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: mcp-server}
  minReplicas: 3
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
  - type: Resource
    resource: {name: memory, target: {type: Utilization, averageUtilization: 80}}
  - type: Pods
    pods:
      metric: {name: %s}
      target: {type: AverageValue, averageValue: "100"}
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    stack = load_stack("alerts.stack:stack", ROOT)
    write_tree(render_files(stack, GenerateContext("alerts.stack:stack", Project.find(ROOT))), out)
    return out


def test_recording_rule_per_pod_and_namespace_from_the_request_counter() -> None:
    # From the request counter of the fleet's metric family, as the fleet's alerts read it.
    [rule] = mcp_capacity.recording_rules("seed")
    assert rule.expr == "sum by (namespace, pod) (rate(mcp_requests_total[2m]))"
    [semconv] = mcp_capacity.recording_rules("semconv")
    assert semconv.expr == "sum by (namespace, pod) (rate(mcp_server_operation_duration_seconds_count[2m]))"
    # Recorded under the HPA's own name, declared in the model so that rules/recording-name accepts it.
    assert rule.name == "mcp_requests_per_second" and rule.name_fixed_by


def test_adapter_exposes_the_rule_as_the_hpas_metric(out: Path) -> None:
    config = yaml.safe_load((out / "adapter/prometheus-adapter.yml").read_text())
    [rule] = config["rules"]
    assert rule["seriesQuery"] == 'mcp_requests_per_second{namespace!="",pod!=""}'
    assert rule["resources"] == {"overrides": {"namespace": {"resource": "namespace"}, "pod": {"resource": "pod"}}}
    assert adapter_check.exported_names(config) == {"mcp_requests_per_second"}
    assert adapter_check.rule_problems(rule, 0) == []


@pytest.mark.parametrize(("change", "problem"), [
    ({"metricsQuery": "sum(<<.Series>>{<<.LabelMatchers>>} by (<<.GroupBy>>)"}, "rules[0].metricsQuery"),
    ({"metricsQuery": "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>) <<.Unknown>>"}, "rules[0]."),
    ({"seriesQuery": "rate(x[5m]"}, "rules[0].seriesQuery"),
    ({"seriesQuery": ""}, "rules[0]: seriesQuery is required"),
])
def test_broken_adapter_queries_are_found(change: dict[str, str], problem: str) -> None:
    rule = adapter.rule(mcp_capacity.custom_metrics()[0]) | change
    problems = adapter_check.rule_problems(rule, 0)
    assert problems and problem in problems[0]


def test_validate_checks_the_adapter_and_the_generated_hpa(out: Path) -> None:
    # The check reads out/ alone, not the manifest.
    results = {r.name: r for r in adapter_check.check_adapter(None, out)}  # type: ignore[arg-type]
    assert results["prometheus-adapter rules"].ok
    assert results["hpa metrics exported"].ok and results["hpa metrics exported"].checked == "1 HPAs"


def test_generated_hpa_is_the_seeds(out: Path) -> None:
    [path] = (out / "adapter/hpa").glob("*.mcp-server.yml")
    generated = yaml.safe_load(path.read_text())
    seed = yaml.safe_load(SEED_HPA % "mcp_requests_per_second")
    seed["metadata"]["namespace"] = generated["metadata"]["namespace"]  # the stack's namespace
    assert generated == seed


def test_seed_hpa_passes_and_a_missing_metric_is_one_line(out: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(SEED_HPA % "mcp_requests_per_second")
    bad.write_text(SEED_HPA % "mcp_sessions_per_second")
    assert main(["check-hpa", str(good), "--out", str(out)]) == 0
    assert "1 HPA" in capsys.readouterr().out
    assert main(["check-hpa", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert (f"hpa 'mcp-server' in {bad}: Pods metric 'mcp_sessions_per_second' is not exported by the adapter "
            "configuration") in err


def test_a_stack_hpa_on_an_unexported_metric_is_a_definition_error() -> None:
    stack = load_stack("alerts.stack:stack", ROOT)
    capacity = next(s for s in stack.services if s.name == "mcp-server-capacity")
    hpa = HorizontalPodAutoscaler(name="mcp-server", namespace="mcp",
                                  pods_metrics=(PodsMetricTarget(name="mcp_sessions", average_value="5"),))
    services = tuple(s.model_copy(update={"autoscalers": (hpa,)}) if s is capacity else s for s in stack.services)
    with pytest.raises(DefinitionError) as error:
        Stack(**(dict(stack) | {"services": services}))
    assert "hpa 'mcp-server': Pods metric 'mcp_sessions' is not exported by the adapter configuration" in str(
        error.value)


def test_custom_metric_on_an_unknown_series() -> None:
    stack = load_stack("alerts.stack:stack", ROOT)
    capacity = next(s for s in stack.services if s.name == "mcp-server-capacity")
    metric = CustomMetric(name="mcp_requests_per_second", series="namespace_pod:mcp_requests:rate5m")
    services = tuple(s.model_copy(update={"custom_metrics": (metric,)}) if s is capacity else s
                     for s in stack.services)
    with pytest.raises(DefinitionError) as error:
        Stack(**(dict(stack) | {"services": services}))
    assert "series 'namespace_pod:mcp_requests:rate5m' is in no metric catalog" in str(error.value)


@pytest.mark.parametrize(("hpa", "adapter", "said"), [
    ("kind: HorizontalPodAutoscaler\nspec: 5\n", None,
     "hpa.yml: spec is not an object, not an HPA as Kubernetes reads it"),
    ("kind: HorizontalPodAutoscaler\nspec:\n  metrics: 5\n", None, "hpa.yml: spec.metrics is not a list"),
    ("kind: HorizontalPodAutoscaler\nspec:\n  metrics: [{type: Pods, pods: 5}]\n", None,
     "hpa.yml: spec.metrics[0].pods is not an object"),
    ("kind: HorizontalPodAutoscaler\n", "5\n",
     "adapter.yml: the document is not an object, not a prometheus-adapter configuration"),
    ("kind: HorizontalPodAutoscaler\n", "rules: 5\n", "adapter.yml: rules is not a list"),
    ("kind: HorizontalPodAutoscaler\n", "rules: [{seriesQuery: 5}]\n", "adapter.yml: rules[0].seriesQuery is not str"),
], ids=["spec", "metrics", "a metric", "adapter", "adapter rules", "a rule"])
def test_files_of_another_shape_are_one_line(out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             hpa: str, adapter: str | None, said: str) -> None:
    """The HPAs and the adapter configuration a user names, of another shape than Kubernetes and the adapter
    read: one line naming the file and the field, exit 2, never a traceback."""
    (tmp_path / "hpa.yml").write_text(hpa)
    options = ["--out", str(out)]
    if adapter is not None:
        (tmp_path / "adapter.yml").write_text(adapter)
        options = ["--adapter", str(tmp_path / "adapter.yml")]
    assert main(["check-hpa", str(tmp_path / "hpa.yml"), *options]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and "Traceback" not in err, err
