"""Bad input to probes, autoscaling, load-test gates and `capacity`: exit 2, one line, out/ untouched."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from monitoring.output.files import read_tree
from tests.test_bad_input import generated_project, run, stderr

PRELUDE = '''
from monitoring import *
from monitoring.packs import mcp_capacity

def ok_service(**fields):
    return Service(**{"name": "app", "metrics": (Counter(name="app_requests_total", help="R."),),
                      "scrape_jobs": (ScrapeJob(name="app", static_configs=(StaticConfig(targets=("app:8080",)),)),),
                      **fields})

def ok_stack(*services, **fields):
    return Stack(**{"name": "demo", "services": (ok_service(), *services),
                    "routing": Routing(route=Route(receiver="default"), receivers=(Receiver(name="default"),)),
                    **fields})

def probe(**fields):
    return Probe(**{"name": "app-ready", "module": "http_ready", "targets": ("http://app:8080/ready",), **fields})
'''

DEFINITION_CASES = [
    ("probe URL without a scheme",
     'stack = ok_stack(Service(name="probes", probes=(probe(targets=("app:8080/ready",)),)))',
     "targets: 'app:8080/ready' must be a URL with http:// or https:// and a host"),
    ("probe URL with another scheme",
     'stack = ok_stack(Service(name="probes", probes=(probe(targets=("tcp://app:8080",)),)))',
     "targets: 'tcp://app:8080' must be a URL with http:// or https://"),
    ("unknown blackbox module",
     'stack = ok_stack(Service(name="probes", probes=(probe(module="http_3xx"),)))',
     "module 'http_3xx' is not a blackbox module: use one of http_2xx, http_ready"),
    ("probe named like a scrape job",
     'stack = ok_stack(Service(name="probes", probes=(probe(name="app"),)))',
     "duplicate scrape job name 'app'"),
    ("HPA metric the adapter does not export",
     'stack = ok_stack(Service(name="scaling", autoscalers=(HorizontalPodAutoscaler(name="app", '
     'pods_metrics=(PodsMetricTarget(name="app_requests_per_second", average_value="100"),)),)))',
     "hpa 'app': Pods metric 'app_requests_per_second' is not exported by the adapter configuration"),
    ("custom metric on a series nothing records",
     'stack = ok_stack(Service(name="scaling", custom_metrics=(CustomMetric(name="app_rps", '
     'series="namespace_pod:app_requests:rate2m"),)))',
     "custom metric 'app_rps': series 'namespace_pod:app_requests:rate2m' is in no metric catalog"),
    ("load-test gate on an SLO the stack does not have",
     'stack = ok_stack(load_test=LoadTestGates(latency_slo="latency", error_ratio_alert="AppErrors"))',
     "latency_slo 'latency' is not a latency SLO of the stack"),
    ("load-test error gate on an alert that declares no threshold",
     'stack = ok_stack(Service(name="api", metrics=(Histogram(name="api_latency_seconds", unit="seconds", help="L.", '
     'buckets=(0.5, 1)),), rule_groups=(RuleGroup(name="api", rules=(Alert(name="APIErrors", severity="critical", '
     'expr="sum(rate(api_latency_seconds_count[5m])) > 1", summary="E.", description="E."),)),)), '
     'slos=(SLO(name="latency", service="api", objective="99", sli=LatencySLI(histogram="api_latency_seconds", '
     'threshold="0.5")),), load_test=LoadTestGates(latency_slo="latency", error_ratio_alert="APIErrors"))',
     "a load-test error gate needs an alert that declares its threshold"),
    ("an alert threshold its expression does not compare with",
     'stack = ok_stack(Service(name="api", rule_groups=(RuleGroup(name="api", rules=(Alert(name="APIErrors", '
     'severity="critical", expr="sum(rate(app_requests_total[5m])) > 0.1", threshold=0.2, summary="E.", '
     'description="E."),)),)))',
     "threshold 0.2: expr must end in a comparison with it"),
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return generated_project(tmp_path, monkeypatch, PRELUDE)


def _one_line(err: str, message: str) -> None:
    assert message in err, err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


@pytest.mark.parametrize(("description", "code", "message"), DEFINITION_CASES, ids=[c[0] for c in DEFINITION_CASES])
def test_bad_definition(project: Path, capsys: pytest.CaptureFixture[str], description: str, code: str,
                        message: str) -> None:
    before = read_tree(project / "out")
    (project / "badstack.py").write_text(PRELUDE + "\n" + textwrap.dedent(code) + "\n")
    sys.modules.pop("badstack", None)
    assert run(project, ["generate", "--stack", "badstack:stack"]) == 2
    err = stderr(project, capsys)
    _one_line(err, message)
    if description.startswith(("probe URL", "unknown blackbox")):  # the definition and where it was made
        assert "probe 'app-ready' (badstack.py:" in err
    if description.startswith("load-test gate on an SLO"):
        assert "load test gates (badstack.py:" in err
    assert read_tree(project / "out") == before


COMMAND_CASES = [
    ("capacity --days 0", ["capacity", "--prometheus", "http://127.0.0.1:9", "--days", "0"],
     "--days 0 must be a whole number of days from 1 to 365"),
    ("capacity --days -3", ["capacity", "--prometheus", "http://127.0.0.1:9", "--days", "-3"],
     "--days -3 must be a whole number of days from 1 to 365"),
    ("capacity with an unreachable Prometheus", ["capacity", "--prometheus", "http://127.0.0.1:9"],
     "cannot reach Prometheus at http://127.0.0.1:9"),
    ("capacity --growth 50", ["capacity", "--prometheus", "http://127.0.0.1:9", "--growth", "50"],
     "--growth '50' must be a percentage such as 50%"),
    ("capacity --growth fast", ["capacity", "--prometheus", "http://127.0.0.1:9", "--growth", "fast"],
     "--growth 'fast' must be a percentage such as 50%"),
    ("budget-report with a non-HTTP URL", ["budget-report", "--prometheus", "ftp://prometheus:9090"],
     "--prometheus 'ftp://prometheus:9090' must be an http(s) URL such as http://localhost:9090"),
    ("budget-report with an unreachable Prometheus", ["budget-report", "--prometheus", "http://127.0.0.1:9"],
     "Prometheus at http://127.0.0.1:9 is unreachable (connection failed)"),
    ("check-hpa without an adapter configuration", ["check-hpa", "hpa.yaml", "--adapter", "no-such-adapter.yml"],
     "cannot read no-such-adapter.yml: No such file or directory"),
]


@pytest.mark.parametrize(("description", "argv", "message"), COMMAND_CASES, ids=[c[0] for c in COMMAND_CASES])
def test_bad_command(project: Path, capsys: pytest.CaptureFixture[str], description: str, argv: list[str],
                     message: str) -> None:
    before = read_tree(project / "out")
    report = ["--report", str(project / "capacity-report")] if argv[0] == "capacity" else []
    assert run(project, [*argv, *report]) == 2
    _one_line(capsys.readouterr().err, message)
    assert read_tree(project / "out") == before
    assert not (project / "capacity-report").exists()
