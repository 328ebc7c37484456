# ruff: noqa: RUF001 - the hostile values are the point: Unicode digits and look-alike letters
"""Fuzzing the definitions with Hypothesis: one field at a time gets a valid, boundary or hostile value.

The property: `generate` either exits 0 with output that promtool, amtool and the Grafana schemas accept (the
dashboard checks of `validate`), or exits 2 with one
line on stderr and out/ untouched. Never a traceback, never exit 1 on input. The examples are bounded in
`make test` (profile "ci"); `make fuzz` runs the "fuzz" profile for longer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.checks.dashboards import check_dashboards
from monitoring.checks.tools import Tool
from monitoring.cli import main
from monitoring.output.files import read_tree
from monitoring.output.manifest import Manifest
from monitoring.project import Project
from tests.test_bad_input import PRELUDE

settings.register_profile("ci", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")), deadline=None,
                          suppress_health_check=list(HealthCheck), derandomize=True)
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")), deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

HOSTILE_CHARS = "0123456789٠١٥٩０８\u0966\n\r\t\x00\x7f\x85\u2028 -_.:/@#\"'\\{}[]()$~émſK"
hostile_text = st.text(alphabet=HOSTILE_CHARS, max_size=30)
huge_numbers = st.one_of(st.integers(min_value=-(10**30), max_value=10**30).map(str),
                         st.sampled_from(["99999999999999", "9" * 40, "1e999", "NaN", "-0", "0"]))
durations = st.one_of(
    st.from_regex(r"\A(?:[0-9]{1,3}y)?(?:[0-9]{1,3}w)?(?:[0-9]{1,3}d)?(?:[0-9]{1,3}h)?(?:[0-9]{1,3}m)?"
                  r"(?:[0-9]{1,3}s)?\Z"),
    st.sampled_from(["5m", "1h30m", "0s", "292y", "293y", "99999999999999y", "5m\n", "٥m", "５m", "-5m", "1.5h"]),
    huge_numbers.map(lambda n: n + "s"), hostile_text)
names = st.one_of(st.sampled_from(["app", "a" * 63, "a" * 64, "a" * 300, "App", "-app", "app-", "ａpp"]),
                  st.from_regex(r"\A[a-z0-9-]{1,70}\Z"), hostile_text)
ports = st.one_of(st.integers(min_value=-5, max_value=70_000).map(str), st.sampled_from(["８０８０", "٨٠", "80\n"]),
                  hostile_text)
expressions = st.one_of(
    st.sampled_from(["rate(app_requests_total[5m]) > 1", "app_requests_total[5m]", "1", '"s"', "vector(1)",
                     "(" * 5000 + "app_requests_total" + ")" * 5000, " or ".join(["app_requests_total"] * 500),
                     "sum(" * 70 + "app_requests_total" + ")" * 70, "rate(app_requests_total[5m])[10m:1m]"]),
    st.builds(lambda n, op: f" {op} ".join(["app_requests_total"] * n), st.integers(1, 400),
              st.sampled_from(["or", "and", "+", "/", "> bool"])),
    hostile_text)
label_values = st.one_of(hostile_text, st.text(max_size=20))
objectives = st.one_of(st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str), huge_numbers,
                       st.sampled_from(["99.9", "99.999999", "99." + "9" * 14, "99." + "9" * 60, "0.001"]),
                       hostile_text)
file_paths = st.one_of(st.sampled_from(["/run/secrets/slack", "https://hooks.slack.com/services/T0/B0/x",
                                        "xoxb-123456789012-abcdefABCDEF", "token\n", ""]), hostile_text)

# (description, template): the template is stack code with {value} where the fuzzed value goes.
FIELDS = [
    ("alert for", durations, 'stack = ok_stack(services=(ok_service(rules=(ok_alert(for_={value!r}),)),))'),
    ("alert expr", expressions, 'stack = ok_stack(services=(ok_service(rules=(ok_alert(expr={value!r}),)),))'),
    ("alert label value", label_values,
     'stack = ok_stack(services=(ok_service(rules=(ok_alert(labels={{"team": {value!r}}}),)),))'),
    ("service name", names, 'stack = ok_stack(services=(ok_service(name={value!r}),))'),
    ("stack name", names, 'stack = ok_stack(name={value!r})'),
    ("scrape interval", durations, 'stack = ok_stack(scrape_interval={value!r}, scrape_timeout="1s")'),
    ("target port", ports,
     'stack = ok_stack(services=(ok_service(jobs=(ok_job(static_configs=(StaticConfig(targets=("app:" + {value!r},)),)),)),))'),  # noqa: E501
    ("external label", label_values, 'stack = ok_stack(external_labels={{"env": {value!r}}})'),
    ("group_wait", durations, 'stack = ok_stack(routing=ok_routing(route=Route(receiver="default", group_wait={value!r})))'),  # noqa: E501
    ("slack api_url_file", file_paths,
     'stack = ok_stack(routing=ok_routing(receivers=(Receiver(name="default", slack=(Slack(api_url_file={value!r}, channel="#a"),)),)))'),  # noqa: E501
    ("slo objective", objectives,
     'stack = ok_stack(slos=(SLO(name="avail", service="app", objective={value!r}, sli=RatioSLI(errors=\'app_requests_total{{code=~"5.."}}\', total="app_requests_total")),))'),  # noqa: E501
    ("deep routes", st.integers(0, 80),
     'r = Route(receiver="default")\nfor _ in range({value!r}):\n    r = Route(routes=(r,))\nstack = ok_stack(routing=ok_routing(route=r))'),  # noqa: E501
]

ACCEPTED: list[Path] = []


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "pyproject.toml").write_text('[tool.monitoring]\nstack = "fuzz_good:stack"\n')
    (root / "fuzz_good.py").write_text(PRELUDE + "\nstack = ok_stack()\n")
    sys.path.insert(0, str(root))
    assert main(["generate"], project=Project.find(root)) == 0
    yield root
    sys.path.remove(str(root))


@pytest.mark.parametrize(("description", "values", "template"), FIELDS, ids=[f[0] for f in FIELDS])
def test_generate_accepts_cleanly_or_refuses_in_one_line(project: Path, capfd: pytest.CaptureFixture[str],
                                                         description: str, values: st.SearchStrategy[object],
                                                         template: str) -> None:
    @given(values)
    def check(value: object) -> None:
        before = read_tree(project / "out")
        module = f"fuzz_{abs(hash((description, repr(value)))):x}"
        (project / f"{module}.py").write_text(PRELUDE + "\n" + template.format(value=value) + "\n")
        sys.modules.pop(module, None)
        capfd.readouterr()
        try:
            status = main(["generate", "--stack", f"{module}:stack", "--out", str(project / "accepted" / module)],
                          project=Project.find(project))
        finally:
            (project / f"{module}.py").unlink()
        captured = capfd.readouterr()
        assert "Traceback" not in captured.err
        assert status in (0, 2), (status, captured.err)
        if status == 2:
            assert captured.err.count("\n") == 1 and captured.err.startswith("monitoring: error: "), captured.err
            assert not (project / "accepted" / module).exists()
        else:
            ACCEPTED.append(project / "accepted" / module)
        assert read_tree(project / "out") == before

    check()


def test_accepted_output_passes_the_real_validators(project: Path, promtool: Tool, amtool: Tool) -> None:
    """Everything the fuzzing accepted, checked in a few batched calls of promtool and amtool."""
    assert ACCEPTED, "the fuzzing above accepted nothing: run the whole module"
    configs = [d / "prometheus" / "prometheus.yml" for d in ACCEPTED]
    rules = sorted(str(p) for d in ACCEPTED for p in (d / "prometheus" / "rules").glob("*.yml"))
    for tool, args in ((promtool, ["check", "rules", *rules]),
                       (promtool, ["check", "config", "--syntax-only", *map(str, configs)]),
                       (amtool, ["check-config", *(str(d / "alertmanager" / "alertmanager.yml") for d in ACCEPTED)])):
        proc = tool.run(*args, timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_accepted_dashboards_pass_the_grafana_schemas(project: Path) -> None:
    """The dashboards of everything the fuzzing accepted: schema, panel, target and structure checks."""
    assert ACCEPTED, "the fuzzing above accepted nothing: run the whole module"
    results = [result for out_dir in ACCEPTED for result in check_dashboards(Manifest.read(out_dir), out_dir)]
    assert all(" 0 dashboards" not in result.checked for result in results)  # each service has its dashboard
    failed = [f"{result.name}: {result.details}" for result in results if not result.ok]
    assert not failed, failed[:5]
